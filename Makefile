# DSatter: the front door. `make dev` runs a cluster, `make test` runs every test.
# Runtimes come from node_modules (npm ci), so nothing needs a global install.

SHELL := /bin/bash
.DEFAULT_GOAL := help

DENO := ./node_modules/deno/deno
BUN := ./node_modules/.bin/bun
TSC := ./node_modules/.bin/tsc
STAMP := node_modules/.dsatter-setup
N ?= 3
# make dev PORT=4001 DISCOVERY_PORT=8090: the first node's port (the others follow) and discovery's.
PORT ?= 3001
DISCOVERY_PORT ?= 8080
# make chaos: seconds of faults, cluster size, seed (empty: random, printed), fault count cap.
DURATION ?= 60
NODES ?= 3
SEED ?=
FAULTS ?=

.PHONY: help setup dev test test-deno test-bun test-web perf perf-backbone perf-model perf-search perf-native \
	perf-smoke chaos fuzz soak lint check clean ok images up stop down delete-images delete-volumes

help:
	@echo "make dev [N=3] [PORT=3001] [DISCOVERY_PORT=8080]"
	@echo "                 run discovery + N chat nodes on loopback (nodes on PORT, PORT+1, ...; Ctrl-C stops them)"
	@echo "                 BACKBONE=nats: a local nats-server too, the nodes replicate through it"
	@echo "make test        run every test (installs what is missing first)"
	@echo "make perf        full performance run; results in perf/RESULTS.md"
	@echo "make chaos [DURATION=60 NODES=3 SEED= FAULTS=]  faults against a real cluster, then a history check"
	@echo "make perf-search search on 1M stored messages: p99 and index size"
	@echo "make perf-native [ARGS=\"--only c\"]  make perf's scenarios under Linux perf: per thread,"
	@echo "                 samples by kernel call, SQLite/runtime and JS function (root, linux-perf)"
	@echo "make fuzz [CASES=10000 SEED= SURFACES=]  fuzzers on real processes (cases per surface)"
	@echo "make soak [DURATION=1800 SEED= SAMPLE_MS=5000]  soak a 3-node cluster under mixed load"
	@echo "make lint check  formatting, lint, type checks"
	@echo "make clean       remove data/ and build output"
	@echo "make images      build the dsatter-discovery and dsatter-server images (docker or podman)"
	@echo "make up          start discovery + 3 nodes from compose.yaml; stop, down (keeps volumes),"
	@echo "                 delete-images, delete-volumes: see docs/OPERATIONS.md"

# npm ci only when node_modules is missing or older than the lockfile.
$(STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund
	@touch $(STAMP)

setup: $(STAMP)
	@.ci/ensure-system-packages

dev: setup
	$(BUN) server/dev/dev_cluster.ts $(N) --base-port $(PORT) --discovery-port $(DISCOVERY_PORT) \
		$(if $(BACKBONE),--backbone $(BACKBONE))

# Every runner runs even if an earlier one fails; the last line sums them all.
test: setup
	@.ci/run-tests

test-deno: setup
	$(DENO) test -A common/ sdk/ discovery/ client/ tools/

test-bun: setup
	$(BUN) test --timeout 60000 common/ sdk/ server/ perf/

test-web: setup
	$(BUN) test --timeout 60000 server/web/

perf: setup
	$(BUN) perf/main.ts

# Bounded: faults for DURATION seconds (or until FAULTS faults), then heal, converge, check.
chaos: setup
	$(BUN) chaos/main.ts --duration $(DURATION) --nodes $(NODES) \
		$(if $(SEED),--seed $(SEED)) $(if $(FAULTS),--faults $(FAULTS))

# The fan-out shapes on the NATS backbone (compare with the same rows of `make perf`).
perf-backbone: setup
	$(BUN) perf/main.ts --backbone --only a,b,c,d --out perf/out/backbone

# Per-message CPU and bytes of mesh and backbone on 3 and 5 nodes, modelled up to 50 nodes.
perf-model: setup
	$(BUN) perf/transport_cost.ts
perf-search: setup
	$(BUN) perf/search_bench.ts

# The perf harness under `perf record` with JIT frames named (docs/PERF.md, "Native profile").
perf-native: setup
	$(BUN) perf/native_profile.ts --out perf/out/native -- $(BUN) perf/main.ts --out perf/out/native/run $(ARGS)

# Fuzzers and soak (docs/RELIABILITY.md): figures and samples go to test-artifacts/.
fuzz: setup
	CASES="$(CASES)" SEED="$(SEED)" SURFACES="$(SURFACES)" $(BUN) fuzz/main.ts

# The soak's DURATION is its own (1800 s unless given): the 60 above is chaos's default.
soak: setup
	DURATION="$(if $(filter command line environment,$(origin DURATION)),$(DURATION),1800)" \
		SEED="$(SEED)" SAMPLE_MS="$(SAMPLE_MS)" $(BUN) soak/main.ts

lint: setup
	$(DENO) fmt --check
	$(DENO) lint
	@! grep -rnE '\b(Deno|Bun)\.|from "bun:|from "node:(fs|child_process|net|http)' common/ --include=*.ts \
		|| { echo "common/ must stay runtime-neutral (see docs/ARCHITECTURE.md)"; exit 1; }
	@! grep -rnE '\b(Deno|Bun)\.|from "bun:|from "node:' sdk/ --include=*.ts --exclude=*_test.ts --exclude-dir=examples \
		|| { echo "sdk/ must stay runtime-neutral: it runs in browsers, Deno, Bun and Node (see docs/SDK.md)"; exit 1; }
	@! grep -rnE 'from "\.\./(transport|mesh|backbone|replication|membership|config|process|web)/' server/core/ server/store/ --include=*.ts \
		|| { echo "server/core and server/store must not import transport, mesh or membership (see docs/ARCHITECTURE.md)"; exit 1; }
	@! grep -rnE 'from "\.\./core/' server/store/ --include=*.ts \
		|| { echo "server/store must not import server/core (see docs/ARCHITECTURE.md)"; exit 1; }

check: setup
	$(DENO) check common/ sdk/ discovery/ client/ tools/ deploy/healthcheck.ts
	$(TSC) --noEmit -p server/tsconfig.json
	$(TSC) --noEmit -p deploy/tsconfig.json
	$(TSC) --noEmit -p chaos/tsconfig.json

ok: lint check test

clean:
	rm -rf data/ perf/out/ test-artifacts/

# Containers (docs/OPERATIONS.md): docker when its engine answers, else podman + podman-compose.
images: setup
	@deploy/containers.sh images

up: setup
	@deploy/containers.sh up

stop down delete-images delete-volumes:
	@deploy/containers.sh $@
