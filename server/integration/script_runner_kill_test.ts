/**
 * `bun run server` as an operator (or an outside test) starts it: the PID they
 * hold is the runner's, and the node is its child. A SIGKILL of that PID must
 * stop the node too (port free, database unlocked), and the next `bun run
 * server` on the same database must simply start.
 */
import { describe, expect, test } from "bun:test";
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { BUN_PATH, REPO_ROOT, TEST_CLUSTER_SECRET } from "../testing/spawn_node.ts";
import { waitUntil } from "../../common/testing/wait_until.ts";

/** `bun run server ...`; resolves with the runner and the node's URL from its first line. */
function runServerScript(dbPath: string): Promise<{ runner: ChildProcess; url: string }> {
  const runner = spawn(BUN_PATH, [
    "run",
    "server",
    "--port",
    "0",
    "--host",
    "127.0.0.1",
    "--db",
    dbPath,
    "--standalone",
  ], {
    cwd: REPO_ROOT,
    env: { ...process.env, DSATTER_CLUSTER_SECRET: TEST_CLUSTER_SECRET },
    stdio: ["ignore", "pipe", "pipe"],
  });
  runner.stderr!.resume();
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: runner.stdout! });
    lines.once("line", (line) => {
      const match = /^listening on (http:\/\/\S+)$/.exec(line);
      if (match) resolve({ runner, url: match[1] });
      else reject(new Error(`unexpected first line: ${line}`));
    });
    runner.once("exit", (code) => reject(new Error(`bun run server exited with ${code}`)));
  });
}

async function answers(url: string): Promise<boolean> {
  try {
    return (await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(1000) })).ok;
  } catch {
    return false;
  }
}

describe("bun run server", () => {
  test("SIGKILL of the runner stops the node; the next start uses the same database", async () => {
    const dir = mkdtempSync(join(tmpdir(), "dsatter-runner-"));
    const dbPath = join(dir, "node.db");
    const runners: ChildProcess[] = [];
    try {
      const first = await runServerScript(dbPath);
      runners.push(first.runner);
      const posted = await fetch(`${first.url}/api/chats/11/messages`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ sender: "ann", text: "before the kill" }),
      });
      expect(posted.status).toBe(201);
      first.runner.kill("SIGKILL");
      await waitUntil(async () => !(await answers(first.url)), { deadlineMs: 10_000, pollMs: 100 });

      const second = await runServerScript(dbPath);
      runners.push(second.runner);
      const history = await (await fetch(`${second.url}/api/chats/11/messages`)).json() as Array<
        { text: string }
      >;
      expect(history.map((m) => m.text)).toEqual(["before the kill"]);
    } finally {
      for (const runner of runners) runner.kill("SIGTERM");
      await waitUntil(
        () => runners.every((r) => r.exitCode !== null || r.signalCode !== null),
        { deadlineMs: 10_000, pollMs: 50 },
      )
        .catch(() => null);
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
