# dsatter-discovery: the discovery service (Deno, Hono, Deno KV). Built by `make images` from
# the repository root:
#   docker build -f deploy/discovery.Dockerfile -t dsatter-discovery .   (podman build alike)
# Deno is the binary `npm ci` installed at the version package.json pins (checked below), Hono
# the package it installed; nothing is downloaded. Runs as an unprivileged user in production
# mode with its KV file in the /data volume; needs DSATTER_CLUSTER_SECRET. compose.yaml shows a
# whole cluster; docs/OPERATIONS.md explains it.

FROM debian:bookworm-slim
COPY node_modules/deno/deno /usr/local/bin/deno
COPY deploy/check-runtime.sh package.json /tmp/
RUN sh /tmp/check-runtime.sh deno /tmp/package.json \
    && rm /tmp/check-runtime.sh /tmp/package.json \
    && useradd --user-group --uid 10001 --home-dir /nonexistent --no-create-home \
      --shell /usr/sbin/nologin dsatter \
    && install -d -o dsatter -g dsatter -m 0700 /data /var/cache/deno
WORKDIR /app
COPY deno.json package.json ./
COPY node_modules/hono/ node_modules/hono/
COPY common/ common/
COPY discovery/ discovery/
COPY deploy/healthcheck.ts deploy/healthcheck.ts
ENV DSATTER_ENV=production \
    DSATTER_PORT=8080 \
    DSATTER_DATA_DIR=/data \
    DENO_DIR=/var/cache/deno \
    DENO_NO_UPDATE_CHECK=1 \
    NO_COLOR=1
USER dsatter
# Resolve the module graph once here, so that a start only reads it.
RUN deno cache discovery/main.ts deploy/healthcheck.ts
VOLUME ["/data"]
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=5s --start-period=30s --retries=3 \
  CMD ["deno", "run", "--allow-net=127.0.0.1", "--allow-env=DSATTER_PORT", \
       "deploy/healthcheck.ts", "8080"]
ENTRYPOINT ["deno", "run", "--allow-net", "--allow-env", "--allow-read=/app,/data", \
            "--allow-write=/data", "discovery/main.ts"]
