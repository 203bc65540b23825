#!/usr/bin/env bash
# Makes sure the engine has debian:bookworm-slim, the base of both images. Present: nothing to
# do. Otherwise a pull from Docker Hub; when that fails (no registry reachable, as on the
# project's CI machine), the same Debian release is built with debootstrap (variant minbase)
# from this machine's configured Debian mirror, trimmed as the slim image is, and imported
# under that name. The imported image stays cached for later builds.
# usage: deploy/base-image.sh ENGINE   (docker or podman; run as root for debootstrap)
set -euo pipefail
engine=${1:?usage: deploy/base-image.sh docker|podman}
image=docker.io/library/debian:bookworm-slim

has_image() { "$engine" image inspect "$image" >/dev/null 2>&1; }

# The first Debian mirror in the apt sources (deb822 or one-line format), else the default.
debian_mirror() {
  local mirror
  mirror=$(cat /etc/apt/sources.list.d/*.sources 2>/dev/null \
    | awk '/^URIs:/ { for (i = 2; i <= NF; i++) if ($i ~ /\/debian\/?$/) { print $i; exit } }')
  if [ -z "$mirror" ]; then
    mirror=$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null \
      | awk '$1 == "deb" { for (i = 2; i <= NF; i++) if ($i ~ /^https?:\/\/.*\/debian\/?$/) { print $i; exit } }')
  fi
  echo "${mirror:-http://deb.debian.org/debian}"
}

build_with_debootstrap() {
  if ! command -v debootstrap >/dev/null 2>&1; then
    echo "Cannot build $image: the pull failed and debootstrap is not installed" >&2
    echo "(apt-get install debootstrap, or make Docker Hub reachable)" >&2
    exit 1
  fi
  if [ "$(id -u)" -ne 0 ]; then
    echo "Cannot build $image: the pull failed and debootstrap needs root" >&2
    exit 1
  fi
  local mirror
  mirror=$(debian_mirror)
  root=$(mktemp -d /tmp/dsatter-bookworm.XXXXXX)
  trap 'rm -rf "$root" "$root.log"' EXIT
  echo "building $image with debootstrap from $mirror (about a minute)"
  if ! debootstrap --variant=minbase bookworm "$root" "$mirror" >"$root.log" 2>&1; then
    tail -n 20 "$root.log" >&2
    echo "Cannot build $image: debootstrap failed (log above)" >&2
    exit 1
  fi
  # What the slim image leaves out: docs, man pages, locales, apt caches and lists.
  rm -rf "$root"/usr/share/doc/* "$root"/usr/share/man/* "$root"/usr/share/info/* \
    "$root"/usr/share/locale/* "$root"/var/cache/apt/*.bin "$root"/var/cache/apt/archives/*.deb \
    "$root"/var/lib/apt/lists/* "$root"/var/log/*.log
  local output
  if ! output=$(tar --numeric-owner -C "$root" -c . \
    | "$engine" import --change 'CMD ["bash"]' - "$image" 2>&1); then
    echo "$output" >&2
    echo "Cannot import $image into $engine" >&2
    exit 1
  fi
  echo "imported $image ($(du -sh "$root" | cut -f1))"
}

has_image && exit 0
# One builder at a time on this machine (two test runs may start together).
exec 9>/tmp/dsatter-base-image.lock
flock 9
has_image && exit 0
if timeout 120 "$engine" pull --quiet "$image" >/dev/null 2>&1; then
  echo "pulled $image"
  exit 0
fi
build_with_debootstrap
