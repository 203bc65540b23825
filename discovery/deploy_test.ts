/**
 * The Deno Deploy entry point, run the way Deploy runs it (`deno serve` on its
 * default export, KV opened without a path), in a throwaway DENO_DIR so the
 * default KV file lands in a temp dir.
 */

import assert from "node:assert/strict";
import { readSse } from "./testing/sse_reader.ts";

const DENO = new URL("../node_modules/deno/deno", import.meta.url).pathname;
const REPO_ROOT = new URL("../", import.meta.url).pathname;

async function withDeployEntry(
  env: Record<string, string>,
  run: (url: string) => Promise<void>,
) {
  const denoDir = await Deno.makeTempDir({ prefix: "discovery_deploy_" });
  const child = new Deno.Command(DENO, {
    args: [
      "serve",
      "--port",
      "0",
      "--allow-env",
      "--allow-read",
      "--allow-write",
      "discovery/deploy.ts",
    ],
    cwd: REPO_ROOT,
    env: { DENO_DIR: denoDir, NO_COLOR: "1", DSATTER_CLUSTER_SECRET: "", ...env },
    stdout: "null",
    stderr: "piped",
  }).spawn();
  const reader = child.stderr.pipeThrough(new TextDecoderStream()).getReader();
  try {
    let text = "";
    const deadline = Date.now() + 30_000;
    let match: RegExpExecArray | null = null;
    while (!(match = /Listening on http:\/\/[^:]+:(\d+)/.exec(text))) {
      if (Date.now() > deadline) throw new Error(`Cannot start deno serve; stderr:\n${text}`);
      const { done, value } = await reader.read();
      if (done) throw new Error(`deno serve exited; stderr:\n${text}`);
      text += value;
    }
    // Keep draining stderr so the child never blocks on a full pipe.
    const draining = (async () => {
      while (!(await reader.read()).done) { /* discard */ }
    })().catch(() => {});
    await run(`http://127.0.0.1:${match[1]}`);
    child.kill("SIGTERM");
    await draining;
  } finally {
    try {
      child.kill("SIGKILL");
    } catch { /* already gone */ }
    await child.status;
    await reader.cancel().catch(() => {});
    await Deno.remove(denoDir, { recursive: true });
  }
}

Deno.test("deploy.ts serves the discovery on the path-less KV under deno serve", async () => {
  const secret = "deploy-test-secret-0123456789";
  await withDeployEntry(
    { DSATTER_CLUSTER_SECRET: secret, DSATTER_DISCOVERY_TTL: "5" },
    async (url) => {
      assert.deepEqual(await (await fetch(`${url}/healthz`)).json(), { ok: true });
      const headers = { authorization: `Bearer ${secret}` };
      const register = await fetch(`${url}/api/nodes/register`, {
        method: "POST",
        headers,
        body: JSON.stringify({ password: "pw" }),
      });
      const { id } = await register.json();
      assert.equal(id, 1);
      const login = await fetch(`${url}/api/nodes/active/login`, {
        method: "POST",
        headers,
        body: JSON.stringify({ id, password: "pw", syncport: 4500, clientport: 4500 }),
      });
      assert.equal((await login.json()).ttl, 5);
      const watch = readSse(await fetch(`${url}/api/nodes/watch`));
      try {
        const snapshot = await watch.next();
        assert.deepEqual(JSON.parse(snapshot.data).activeNodes.map((n: { id: number }) => n.id), [
          id,
        ]);
      } finally {
        await watch.close();
      }
    },
  );
});

Deno.test("deploy.ts answers 503 with a reason when the secret is missing", async () => {
  await withDeployEntry({}, async (url) => {
    const response = await fetch(`${url}/api/nodes/active`);
    assert.equal(response.status, 503);
    assert.match((await response.json()).error, /DSATTER_CLUSTER_SECRET/);
  });
});
