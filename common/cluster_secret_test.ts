import { test } from "node:test";
import assert from "node:assert/strict";
import { type ClusterSecretSources, resolveClusterSecret } from "./cluster_secret.ts";

function sources(env: Record<string, string>, file: string | null = null) {
  let stored = file;
  const s: ClusterSecretSources & { stored: () => string | null } = {
    env: (name) => env[name],
    readSecretFile: () => stored,
    writeSecretFile: (secret) => {
      if (stored !== null) throw new Error("exists");
      stored = secret;
    },
    randomHex: (bytes) => "ab".repeat(bytes),
    stored: () => stored,
  };
  return s;
}

test("resolveClusterSecret() prefers the environment", () => {
  const result = resolveClusterSecret(sources({ DSATTER_CLUSTER_SECRET: "s".repeat(20) }, "file"));
  assert.deepEqual(result, { ok: true, secret: "s".repeat(20), origin: "env" });
});

test("resolveClusterSecret() takes a short secret, with a warning", () => {
  const result = resolveClusterSecret(sources({ DSATTER_CLUSTER_SECRET: "short" }));
  assert.equal(result.ok, true);
  if (result.ok) {
    assert.equal(result.secret, "short");
    assert.match(result.warning ?? "", /shorter than 16 characters/);
  }
  const long = resolveClusterSecret(sources({ DSATTER_CLUSTER_SECRET: "s".repeat(16) }));
  assert.equal(long.ok && long.warning, undefined);
});

test("resolveClusterSecret() refuses production without the variable", () => {
  const result = resolveClusterSecret(sources({ DSATTER_ENV: "production" }, "x".repeat(64)));
  assert.equal(result.ok, false);
  if (!result.ok) assert.match(result.error, /production/);
});

test("resolveClusterSecret() reads, or generates once, the development file", () => {
  const fresh = sources({});
  const first = resolveClusterSecret(fresh);
  assert.deepEqual(first, { ok: true, secret: "ab".repeat(32), origin: "generated" });
  assert.deepEqual(resolveClusterSecret(fresh), {
    ok: true,
    secret: "ab".repeat(32),
    origin: "file",
  });
  assert.deepEqual(resolveClusterSecret(sources({}, "cd".repeat(32) + "\n")), {
    ok: true,
    secret: "cd".repeat(32),
    origin: "file",
  });
});

test("resolveClusterSecret() takes the other process's file when it lost the race", () => {
  let reads = 0;
  const raced: ClusterSecretSources = {
    env: () => undefined,
    readSecretFile: () => (reads++ === 0 ? null : "ef".repeat(32)),
    writeSecretFile: () => {
      throw new Error("exists");
    },
    randomHex: () => "00",
  };
  assert.deepEqual(resolveClusterSecret(raced), {
    ok: true,
    secret: "ef".repeat(32),
    origin: "file",
  });
});

test("resolveClusterSecret() refuses a DSATTER_ENV that is neither development nor production", () => {
  for (const environment of ["prod", "PRODUCTION", "dev", "staging"]) {
    const result = resolveClusterSecret(
      sources({ DSATTER_ENV: environment, DSATTER_CLUSTER_SECRET: "s".repeat(20) }),
    );
    assert.equal(result.ok, false, environment);
    if (!result.ok) assert.match(result.error, /DSATTER_ENV must be development or production/);
  }
  for (const environment of ["development", "production", ""]) {
    const result = resolveClusterSecret(
      sources({ DSATTER_ENV: environment, DSATTER_CLUSTER_SECRET: "s".repeat(20) }),
    );
    assert.equal(result.ok, true, environment);
  }
});
