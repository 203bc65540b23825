# dsatter-server: one chat node (Bun). Built by `make images` from the repository root:
#   docker build -f deploy/server.Dockerfile -t dsatter-server .   (podman build alike)
# Bun is the binary `npm ci` installed at the version package.json pins (checked below);
# nothing is downloaded. Runs as an unprivileged user in production mode with its data in
# the /data volume; needs DSATTER_CLUSTER_SECRET and DSATTER_AUTH_SECRET (production means
# --auth required unless told otherwise). jose (user tokens) is the node's one npm package.
# compose.yaml shows a whole cluster; docs/OPERATIONS.md explains it.

FROM debian:bookworm-slim
COPY node_modules/bun/bin/bun.exe /usr/local/bin/bun
COPY deploy/check-runtime.sh package.json /tmp/
RUN sh /tmp/check-runtime.sh bun /tmp/package.json \
    && rm /tmp/check-runtime.sh /tmp/package.json \
    && useradd --user-group --uid 10001 --home-dir /nonexistent --no-create-home \
      --shell /usr/sbin/nologin dsatter \
    && install -d -o dsatter -g dsatter -m 0700 /data
WORKDIR /app
COPY package.json bunfig.toml ./
COPY node_modules/jose/ node_modules/jose/
COPY common/ common/
COPY server/ server/
# The NATS client (--backbone) and its one dependency outside @nats-io.
COPY node_modules/@nats-io/ node_modules/@nats-io/
COPY node_modules/tweetnacl/ node_modules/tweetnacl/
COPY deploy/healthcheck.ts deploy/healthcheck.ts
ENV DSATTER_ENV=production \
    DSATTER_PORT=3000 \
    DSATTER_DATA_DIR=/data \
    BUN_RUNTIME_TRANSPILER_CACHE_PATH=0 \
    NO_COLOR=1
USER dsatter
VOLUME ["/data"]
EXPOSE 3000
HEALTHCHECK --interval=10s --timeout=5s --start-period=30s --retries=3 \
  CMD ["bun", "deploy/healthcheck.ts", "3000"]
ENTRYPOINT ["bun", "server/main.ts"]
