#!/usr/bin/env bash
# The container test of `make test` (.ci/run-tests): deploy/container_cluster_test.ts where
# docker or podman can be used here (deploy/containers.sh check), else one line saying why
# and nothing counted. It builds its own images and cluster and removes them again.
set -uo pipefail
cd "$(dirname "$0")/.."
if ! engine=$(deploy/containers.sh check 2>&1); then
  echo "container test skipped: $engine"
  exit 0
fi
echo "container test with $engine"
# Counted from its JUnit report when .ci/run-tests asks for one (DSATTER_JUNIT).
exec ./node_modules/.bin/bun test --timeout 600000 \
  ${DSATTER_JUNIT:+--reporter=junit --reporter-outfile="$DSATTER_JUNIT"} \
  deploy/container_cluster_test.ts
