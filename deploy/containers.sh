#!/usr/bin/env bash
# The container workflow behind `make images|up|stop|down|delete-images|delete-volumes`, the
# same steps as the original DSatter's docker scripts, with Docker or Podman: docker when its
# engine answers (`docker info`), else podman with podman-compose. compose.yaml is the cluster
# (one discovery, three nodes); docs/OPERATIONS.md explains every step and setting.
#
# Settings (environment), so that several clusters can live on one machine (the container
# test runs its own beside a developer's):
#   DSATTER_COMPOSE_PROJECT  compose project name (default dsatter): containers, network, volumes
#   DSATTER_IMAGE_TAG        tag of dsatter-discovery and dsatter-server (default latest)
#   DSATTER_ENV_FILE         the secrets file (default deploy/secrets.env; made once by `up`)
#   DSATTER_CONTAINER_ENGINE docker or podman, to skip the detection
#   DSATTER_PUBLISH_ADDRESS, DSATTER_PUBLIC_HOST, DSATTER_DISCOVERY_PORT, DSATTER_NODE<N>_PORT:
#                            read by compose.yaml (ports and advertised addresses)
# Two more commands: `check` prints the engine that would be used (or why none can be, exit 1);
# `engine ARGS...` runs that engine's CLI with the same settings (e.g. `engine ps`).
#
# Invariant: a secret is never printed; `down` keeps volumes; only `delete-volumes` removes them.
set -euo pipefail
cd "$(dirname "$0")/.."

project=${DSATTER_COMPOSE_PROJECT:-dsatter}
tag=${DSATTER_IMAGE_TAG:-latest}
env_file=${DSATTER_ENV_FILE:-deploy/secrets.env}
export DSATTER_IMAGE_TAG=$tag DSATTER_ENV_FILE=$env_file
images=(dsatter-discovery dsatter-server)
stop_timeout_seconds=15
health_deadline_seconds=${DSATTER_HEALTH_DEADLINE_SECONDS:-120}

fail() {
  echo "$*" >&2
  exit 1
}

choose_engine() {
  if [ -n "${DSATTER_CONTAINER_ENGINE:-}" ]; then
    engine=$DSATTER_CONTAINER_ENGINE
  elif command -v docker >/dev/null 2>&1 && docker info >/dev/null 2>&1; then
    engine=docker
  elif command -v podman >/dev/null 2>&1; then
    engine=podman
  else
    fail "Cannot find a container engine: docker info fails and podman is not installed" \
      "(Debian: apt-get install podman runc podman-compose golang-github-containernetworking-plugin-dnsname)"
  fi
  if [ "$engine" = podman ]; then
    # The project's settings (runc, no default ulimits), unless the caller chose a file.
    if [ -z "${CONTAINERS_CONF:-}" ] && command -v runc >/dev/null 2>&1; then
      export CONTAINERS_CONF=$PWD/deploy/containers.conf
    fi
    command -v podman-compose >/dev/null 2>&1 || fail "Cannot run compose: podman-compose is not installed"
    # The nodes find discovery and each other by name: CNI needs its DNS plugin for that.
    if [ "$(podman info --format '{{.Host.NetworkBackend}}' 2>/dev/null)" = cni ] &&
      [ ! -x /usr/lib/cni/dnsname ]; then
      fail "Cannot use podman here: its CNI networks have no DNS" \
        "(apt-get install golang-github-containernetworking-plugin-dnsname)"
    fi
    compose=(podman-compose -p "$project" -f compose.yaml)
  elif docker compose version >/dev/null 2>&1; then
    compose=(docker compose -p "$project" -f compose.yaml)
  elif command -v docker-compose >/dev/null 2>&1; then
    compose=(docker-compose -p "$project" -f compose.yaml)
  else
    fail "Cannot run compose: neither 'docker compose' nor docker-compose is installed"
  fi
}

# Runs a command with its (chatty) output in a log, shown only when it fails. Podman without
# systemd cannot schedule health checks and says so on every start: those lines are dropped.
# usage: run_logged WHAT COMMAND...
run_logged() {
  local what=$1 log
  shift
  log=$(mktemp "${TMPDIR:-/tmp}/dsatter-containers.XXXXXX")
  if ! "$@" >"$log" 2>&1; then
    grep -v 'systemd connection' "$log" | tail -n 40 >&2
    rm -f "$log"
    fail "Cannot $what (output above)"
  fi
  rm -f "$log"
}

run_compose() { run_logged "run compose $1" "${compose[@]}" "$@"; }

project_containers() {
  "$engine" ps -a -q --filter "label=com.docker.compose.project=$project"
}

has_image() { "$engine" image inspect "$1:$tag" >/dev/null 2>&1; }

build_images() {
  [ -x node_modules/deno/deno ] && [ -x node_modules/bun/bin/bun.exe ] ||
    fail "Cannot build the images: node_modules is missing; run npm ci (make setup) first"
  deploy/base-image.sh "$engine"
  local format=()
  [ "$engine" = podman ] && format=(--format docker) # OCI images would drop HEALTHCHECK
  local name
  for name in discovery server; do
    echo "building dsatter-$name:$tag ($engine)"
    run_logged "build dsatter-$name:$tag" \
      "$engine" build "${format[@]}" -f "deploy/$name.Dockerfile" -t "dsatter-$name:$tag" .
  done
}

# The secrets file, made once with random values (mode 0600); an existing one is kept.
ensure_env_file() {
  [ -f "$env_file" ] && return 0
  mkdir -p "$(dirname "$env_file")"
  local random_hex='od -An -tx1 -N32 /dev/urandom | tr -d " \n"'
  (
    umask 077
    {
      echo "# DSatter cluster secrets, made by 'make up' on $(date -u +%Y-%m-%d). Keep private."
      echo "# Rotation and everything else: docs/OPERATIONS.md"
      echo "DSATTER_CLUSTER_SECRET=$(eval "$random_hex")"
      echo "DSATTER_AUTH_SECRET=$(eval "$random_hex")"
    } >"$env_file.tmp"
    mv "$env_file.tmp" "$env_file"
  )
  echo "made $env_file (random secrets, mode 0600; never printed)"
}

# healthy | not (yet) healthy, running the container's own health check under podman
# (podman needs systemd to run it on a timer) and reading the engine's status under docker.
is_healthy() {
  if [ "$engine" = podman ]; then
    podman healthcheck run "$1" >/dev/null 2>&1
  else
    [ "$(docker inspect --format '{{.State.Health.Status}}' "$1" 2>/dev/null)" = healthy ]
  fi
}

wait_until_healthy() {
  local deadline=$((SECONDS + health_deadline_seconds)) id pending
  while :; do
    pending=0
    for id in $(project_containers); do
      is_healthy "$id" || pending=$((pending + 1))
    done
    [ "$pending" -eq 0 ] && return 0
    if [ "$SECONDS" -ge "$deadline" ]; then
      "${compose[@]}" ps >&2 || true
      fail "Cannot see the cluster healthy within ${health_deadline_seconds} s: $pending" \
        "container(s) not healthy (logs: $engine logs CONTAINER)"
    fi
    sleep 1
  done
}

print_addresses() {
  local host=${DSATTER_PUBLIC_HOST:-127.0.0.1} n port port_var
  echo "DSatter is up ($engine, project $project):"
  echo "  discovery  http://$host:${DSATTER_DISCOVERY_PORT:-8080}"
  for n in 1 2 3; do
    port_var=DSATTER_NODE${n}_PORT
    port=${!port_var:-300$n}
    echo "  node$n      http://$host:$port/   (web chat)"
  done
  echo "  terminal:  ./node_modules/deno/deno task client --discovery http://$host:${DSATTER_DISCOVERY_PORT:-8080}"
}

up() {
  ensure_env_file
  has_image dsatter-discovery && has_image dsatter-server || build_images
  if [ "$engine" = podman ] && [ -n "$(project_containers)" ]; then
    run_compose start # podman-compose up would try to create them again
  else
    run_compose up -d
  fi
  wait_until_healthy
  print_addresses
}

# docker compose down removes the network; podman-compose 1.0 leaves it behind.
remove_podman_network() {
  if [ "$engine" = podman ] && podman network exists "${project}_default" 2>/dev/null; then
    podman network rm "${project}_default" >/dev/null
  fi
}

delete_images() {
  local name
  for name in "${images[@]}"; do
    has_image "$name" || continue
    "$engine" rmi "$name:$tag" >/dev/null 2>&1 ||
      fail "Cannot delete $name:$tag: containers still use it (make down first)"
    echo "deleted $name:$tag"
  done
}

# `check`: prints the engine these commands will use, or why none can be used (exit 1).
check_engine() {
  if [ "$engine" = podman ] && ! podman info >/dev/null 2>&1; then
    fail "Cannot use podman here: podman info fails"
  fi
  echo "$engine"
}

usage="usage: deploy/containers.sh images|up|stop|down|delete-images|delete-volumes|check|engine ARGS..."
command=${1:-}
case "$command" in
  images | up | stop | down | delete-images | delete-volumes | check | engine) ;;
  *) fail "$usage" ;;
esac
choose_engine
case "$command" in
  check) check_engine ;;
  engine) shift && exec "$engine" "$@" ;; # the engine CLI with the same settings (tests, operators)
  images) build_images ;;
  up) up ;;
  stop) run_compose stop -t "$stop_timeout_seconds" && echo "stopped ($project)" ;;
  down)
    run_compose down -t "$stop_timeout_seconds"
    remove_podman_network
    echo "removed the containers and network of $project (volumes kept)"
    ;;
  delete-images) delete_images ;;
  delete-volumes)
    run_compose down -v -t "$stop_timeout_seconds"
    remove_podman_network
    echo "removed the volumes of $project (and its containers)"
    ;;
esac
