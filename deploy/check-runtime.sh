#!/bin/sh
# Image build step (deploy/*.Dockerfile): checks that the Bun or Deno binary copied in from
# node_modules (put there by `npm ci`) runs in this image and is exactly the version
# package.json pins. The binary is the build host's, so images are built on Linux with the
# image's CPU architecture (docs/OPERATIONS.md, "Images").
# usage: check-runtime.sh bun|deno PACKAGE_JSON
set -eu
name=$1 package_json=$2
pinned=$(sed -n "s/^ *\"$name\": *\"\\([^\"]*\\)\".*/\\1/p" "$package_json" | head -n 1)
if [ -z "$pinned" ]; then
  echo "Cannot use $name: package.json pins no version of it" >&2
  exit 1
fi
if ! version_line=$("$name" --version 2>&1); then
  echo "Cannot use $name: the binary from node_modules does not run in this image" >&2
  echo "(was npm ci run on another OS or CPU than the image's $(uname -m)?): $version_line" >&2
  exit 1
fi
version=$(printf '%s\n' "$version_line" | head -n 1 | sed -E 's/^(deno )?([0-9][^ ]*).*/\2/')
if [ "$version" != "$pinned" ]; then
  echo "Cannot use $name: node_modules has $version, package.json pins $pinned; run npm ci" >&2
  exit 1
fi
echo "$name $version, as package.json pins"
