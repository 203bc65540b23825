/**
 * `deno task discovery` as an operator (or an outside test) starts it: the PID
 * they hold is the task runner's, and discovery is its child. A SIGKILL of that
 * PID must stop discovery too (port and KV file free), and the next start on the
 * same KV file keeps the registrations.
 */
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { waitUntil } from "../common/testing/wait_until.ts";

const REPO_ROOT = fileURLToPath(new URL("../", import.meta.url));
const DENO = fileURLToPath(new URL("../node_modules/deno/deno", import.meta.url));
const SECRET = "dsatter-test-secret-0123456789abcdef";

/** `deno task discovery ...`; resolves with the runner and the URL of its first line. */
async function runDiscoveryTask(
  kvPath: string,
): Promise<{ runner: Deno.ChildProcess; url: string }> {
  const runner = new Deno.Command(DENO, {
    args: ["task", "discovery", "--port", "0", "--kv", kvPath, "--ttl", "2"],
    cwd: REPO_ROOT,
    env: { DSATTER_CLUSTER_SECRET: SECRET, NO_COLOR: "1" },
    stdout: "piped",
    stderr: "null",
  }).spawn();
  const reader = runner.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let text = "";
  while (!text.includes("\n")) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`deno task discovery ended before its first line: ${text}`);
    text += value;
  }
  void (async () => {
    while (!(await reader.read()).done) { /* keep draining */ }
  })().catch(() => {});
  const match = /^listening on (http:\/\/\S+)/.exec(text);
  if (!match) throw new Error(`unexpected first line: ${text}`);
  return { runner, url: match[1] };
}

async function answers(url: string): Promise<boolean> {
  try {
    const response = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(1000) });
    await response.body?.cancel();
    return response.ok;
  } catch {
    return false;
  }
}

Deno.test("SIGKILL of `deno task discovery` stops discovery; the next start keeps its KV", async () => {
  const dir = await Deno.makeTempDir({ prefix: "dsatter-task-" });
  const kvPath = `${dir}/discovery.kv`;
  const runners: Deno.ChildProcess[] = [];
  try {
    const first = await runDiscoveryTask(kvPath);
    runners.push(first.runner);
    const registered = await fetch(`${first.url}/api/nodes/register`, {
      method: "POST",
      headers: { authorization: `Bearer ${SECRET}`, "content-type": "application/json" },
      body: JSON.stringify({ password: "pw" }),
    });
    const { id } = await registered.json() as { id: number };
    first.runner.kill("SIGKILL");
    await waitUntil(async () => !(await answers(first.url)), {
      what: "discovery stop answering",
      deadlineMs: 10_000,
      pollMs: 100,
    });

    const second = await runDiscoveryTask(kvPath);
    runners.push(second.runner);
    const login = await fetch(`${second.url}/api/nodes/active/login`, {
      method: "POST",
      headers: { authorization: `Bearer ${SECRET}`, "content-type": "application/json" },
      body: JSON.stringify({ id, password: "pw", syncport: 4000, clientport: 4000 }),
    });
    await login.body?.cancel();
    assert.equal(login.status, 200, "the id registered before the kill logs in after it");
  } finally {
    for (const runner of runners) {
      try {
        runner.kill("SIGTERM");
      } catch { /* already gone */ }
      await runner.status;
    }
    await Deno.remove(dir, { recursive: true });
  }
});
