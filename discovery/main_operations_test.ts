/**
 * Discovery as an operator starts it (PROTOCOL.md section 8): `--version`,
 * the same exit codes as a node (2 usage, 1 refused), production refusals,
 * configuration by DSATTER_ variables alone, /readyz 503 during the SIGTERM
 * drain, and a private KV file.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import packageJson from "../package.json" with { type: "json" };
import { spawnDiscovery } from "./testing/spawn_discovery.ts";

const DENO = new URL("../node_modules/deno/deno", import.meta.url).pathname;
const REPO_ROOT = new URL("../", import.meta.url).pathname;
const STRONG_SECRET = "dsatter-test-secret-0123456789abcdef";

async function runDiscovery(args: string[], env: Record<string, string>) {
  const output = await new Deno.Command(DENO, {
    args: ["run", "-A", "discovery/main.ts", ...args],
    cwd: REPO_ROOT,
    clearEnv: true,
    env: {
      PATH: Deno.env.get("PATH") ?? "",
      HOME: Deno.env.get("HOME") ?? "",
      NO_COLOR: "1",
      ...env,
    },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const decode = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
  return { code: output.code, stdout: decode(output.stdout), stderr: decode(output.stderr) };
}

Deno.test("discovery --version prints the package version and Deno's", async () => {
  const result = await runDiscovery(["--version"], {});
  assert.equal(result.code, 0);
  assert.equal(
    result.stdout.trim(),
    `dsatter-discovery ${packageJson.version} (deno ${Deno.version.deno})`,
  );
});

Deno.test("discovery exit codes: 2 for usage (argv or DSATTER_), 1 for refused production", async () => {
  const secret = { DSATTER_CLUSTER_SECRET: STRONG_SECRET };
  assert.equal((await runDiscovery(["--nope"], secret)).code, 2);
  const badEnv = await runDiscovery([], { ...secret, DSATTER_TTL: "-3" });
  assert.equal(badEnv.code, 2);
  assert.match(badEnv.stderr, /set from the environment: DSATTER_TTL/);
  const weak = await runDiscovery(["--kv", ":memory:"], {
    DSATTER_ENV: "production",
    DSATTER_CLUSTER_SECRET: "short-secret",
  });
  assert.equal(weak.code, 1);
  assert.equal(weak.stdout, "");
  const lines = weak.stderr.trim().split("\n");
  assert.equal(lines.length, 3, weak.stderr);
  assert.match(lines[0], /^Cannot start in production: DSATTER_CLUSTER_SECRET has 12 characters/);
  assert.match(lines[1], /^Cannot start in production: serving plain HTTP on 0\.0\.0\.0/);
  assert.match(lines[2], /^Cannot start in production: the store is :memory:/);
  const noSecret = await runDiscovery([], { DSATTER_ENV: "production" });
  assert.equal(noSecret.code, 1);
  assert.match(noSecret.stderr, /DSATTER_CLUSTER_SECRET is not set/);
  const badCert = await runDiscovery(["--tls-cert", "/nope.pem", "--tls-key", "/nope.key"], secret);
  assert.equal(badCert.code, 1);
  assert.match(badCert.stderr, /Cannot start discovery: .*nope\.pem/);
});

Deno.test("discovery in production configured by DSATTER_ variables; /readyz 503 while draining", async () => {
  const dataDir = await Deno.makeTempDir({ prefix: "dsatter-discovery-ops-" });
  const discovery = await spawnDiscovery({
    clusterSecret: STRONG_SECRET,
    kv: join(dataDir, "kv", "discovery.kv"), // the harness always passes --kv
    env: { DSATTER_ENV: "production", DSATTER_HOST: "127.0.0.1", DSATTER_DRAIN_SECONDS: "3" },
  });
  try {
    const ready = await fetch(`${discovery.url}/readyz`);
    assert.equal(ready.status, 200);
    assert.deepEqual(await ready.json(), { ready: true });
    assert.equal((await Deno.stat(join(dataDir, "kv", "discovery.kv"))).mode! & 0o777, 0o600);
    assert.equal((await Deno.stat(join(dataDir, "kv"))).mode! & 0o777, 0o700);

    Deno.kill(discovery.pid, "SIGTERM");
    const deadline = Date.now() + 10_000;
    let status = 200;
    while (status === 200 && Date.now() < deadline) {
      const response = await fetch(`${discovery.url}/readyz`);
      status = response.status;
      await response.body?.cancel();
    }
    assert.equal(status, 503);
    const health = await fetch(`${discovery.url}/healthz`);
    assert.equal(health.status, 200);
    await health.body?.cancel();
    assert.deepEqual(await discovery.exited, { code: 0, signal: null });
  } finally {
    await discovery.stop();
    await Deno.remove(dataDir, { recursive: true });
  }
});
