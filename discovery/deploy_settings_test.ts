import assert from "node:assert/strict";
import { readDeploySettings } from "./deploy_settings.ts";
import { PRODUCTION_MIN_SECRET_CHARS, productionRefusals } from "../common/production_policy.ts";

const envOf = (values: Record<string, string>) => (name: string) => values[name];

Deno.test("readDeploySettings() takes the secret production takes, and the TTL and KV path", () => {
  const secret = "s".repeat(PRODUCTION_MIN_SECRET_CHARS);
  assert.deepEqual(readDeploySettings(envOf({ DSATTER_CLUSTER_SECRET: secret })), {
    clusterSecret: secret,
    ttlSeconds: 10,
    kvPath: undefined,
  });
  assert.deepEqual(
    readDeploySettings(envOf({
      DSATTER_CLUSTER_SECRET: secret,
      DSATTER_DISCOVERY_TTL: "5",
      DSATTER_KV_PATH: ":memory:",
    })),
    { clusterSecret: secret, ttlSeconds: 5, kvPath: ":memory:" },
  );
});

Deno.test("readDeploySettings() refuses a secret production refuses, with production's line", () => {
  for (const length of [0, 16, PRODUCTION_MIN_SECRET_CHARS - 1]) {
    const secret = "s".repeat(length);
    const [line] = productionRefusals({
      secret,
      bindHost: "127.0.0.1",
      tls: false,
      insecure: false,
      env: () => undefined,
    });
    assert.ok(line, `production refuses ${length} characters`);
    assert.throws(
      () => readDeploySettings(envOf({ DSATTER_CLUSTER_SECRET: secret })),
      (error: Error) => error.message === line,
      `${length} characters`,
    );
  }
});

Deno.test("readDeploySettings() refuses a TTL that is no positive number", () => {
  const secret = "s".repeat(PRODUCTION_MIN_SECRET_CHARS);
  for (const ttl of ["0", "-3", "soon", "Infinity"]) {
    assert.throws(
      () =>
        readDeploySettings(envOf({ DSATTER_CLUSTER_SECRET: secret, DSATTER_DISCOVERY_TTL: ttl })),
      /DSATTER_DISCOVERY_TTL must be a positive number of seconds/,
    );
  }
});
