/**
 * `make dev` (server/dev/dev_cluster.ts) as a user runs it: discovery and two nodes
 * start on the given ports with their data under DSATTER_DATA_DIR, link up,
 * print their URLs; SIGTERM stops every process cleanly; a second start
 * resumes on the same data (same node ids). With `--backbone nats` it also runs a
 * nats-server (store under the data dir) that the nodes replicate through, and
 * stops it too.
 */
import { describe, expect, test } from "bun:test";
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { createInterface } from "node:readline";
import { health, waitForPeers } from "../testing/peer_test_cluster.ts";
import { BUN_PATH, REPO_ROOT } from "../testing/spawn_node.ts";
import { isPortFree } from "../dev/free_port.ts";
import { waitUntil } from "../../common/testing/wait_until.ts";

const portFree = (port: number) => isPortFree(port);

/** A base port with `count` free ports after it. */
async function freePorts(count: number): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = 20_000 + Math.floor(Math.random() * 30_000);
    const all = await Promise.all(Array.from({ length: count }, (_, i) => portFree(base + i)));
    if (all.every(Boolean)) return base;
  }
  throw new Error("Cannot find free ports");
}

interface Launcher {
  child: ChildProcess;
  lines: string[];
  exited: Promise<number | null>;
}

function launch(args: string[], dataDir: string): Launcher {
  const env: Record<string, string | undefined> = { ...process.env, DSATTER_DATA_DIR: dataDir };
  delete env.DSATTER_CLUSTER_SECRET; // the development secret file is part of what is tested
  const child = spawn(BUN_PATH, ["server/dev/dev_cluster.ts", ...args], {
    cwd: REPO_ROOT,
    env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  const lines: string[] = [];
  createInterface({ input: child.stdout! }).on("line", (line) => lines.push(line));
  createInterface({ input: child.stderr! }).on("line", (line) => lines.push(line));
  const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
  return { child, lines, exited };
}

/** SIGTERM the launcher; if it hangs, SIGKILL it and every part it reported by pid. */
async function stopLauncher(launcher: Launcher): Promise<number | null> {
  if (launcher.child.exitCode !== null || launcher.child.signalCode !== null) {
    return launcher.child.exitCode;
  }
  launcher.child.kill("SIGTERM");
  const timer = setTimeout(() => {
    launcher.child.kill("SIGKILL");
    for (const line of launcher.lines) {
      const pid = /started, pid (\d+)$/.exec(line)?.[1];
      if (pid) {
        try {
          process.kill(Number(pid), "SIGKILL");
        } catch { /* already gone */ }
      }
    }
  }, 20_000);
  const code = await launcher.exited;
  clearTimeout(timer);
  return code;
}

describe("make dev", () => {
  test(
    "dev_cluster starts discovery and N linked nodes, stops them all, resumes on its data",
    async () => {
      const dataDir = mkdtempSync(join(tmpdir(), "dsatter-dev-"));
      const base = await freePorts(3);
      const args = ["2", "--discovery-port", String(base), "--base-port", String(base + 1)];
      const nodes = [1, 2].map((i) => {
        const port = base + i;
        return { url: `http://127.0.0.1:${port}`, port };
      });
      let launcher = launch(args, dataDir);
      try {
        await waitUntil(() => launcher.lines.some((l) => l.startsWith("node-2: http")), {
          deadlineMs: 60_000,
          pollMs: 50,
        });
        expect(launcher.lines).toContain(`discovery: http://127.0.0.1:${base}`);
        expect(launcher.lines).toContain(`node-1: ${nodes[0].url}/`);
        expect(launcher.lines).toContain(`node-2: ${nodes[1].url}/`);
        expect(launcher.lines.some((l) => l.startsWith("[node-1] listening on "))).toBe(true);
        await waitForPeers(nodes, 1, 30_000);
        const ids = await Promise.all(nodes.map(async (node) => (await health(node)).nodeId));
        for (const file of ["cluster-secret", "discovery.kv", "node-1.db", "node-2.db"]) {
          expect(existsSync(join(dataDir, file))).toBe(true);
        }

        expect(await stopLauncher(launcher)).toBe(0);
        for (const port of [base, base + 1, base + 2]) expect(await portFree(port)).toBe(true);
        expect(launcher.lines.filter((l) => /exited \(code 0\)$/.test(l)).length).toBe(3);

        launcher = launch(args, dataDir);
        await waitUntil(() => launcher.lines.some((l) => l.startsWith("node-2: http")), {
          deadlineMs: 60_000,
          pollMs: 50,
        });
        await waitForPeers(nodes, 1, 30_000);
        const again = await Promise.all(nodes.map(async (node) => (await health(node)).nodeId));
        expect(again).toEqual(ids);
      } finally {
        await stopLauncher(launcher);
        rmSync(dataDir, { recursive: true, force: true });
      }
    },
    180_000,
  );

  test("a busy port stops it before anything starts, with one line naming the port and the fix", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "dsatter-dev-"));
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, "127.0.0.1", resolve));
    const busy = (blocker.address() as { port: number }).port;
    const base = await freePorts(2);
    const launcher = launch(
      ["2", "--discovery-port", String(busy), "--base-port", String(base)],
      dataDir,
    );
    try {
      expect(await launcher.exited).toBe(1);
      expect(launcher.lines).toContain(
        `Cannot start discovery: port ${busy} is busy (another program listens there). ` +
          `Pick another: make dev DISCOVERY_PORT=${busy + 10}`,
      );
      expect(launcher.lines.some((line) => line.includes("started, pid"))).toBe(false);
    } finally {
      await stopLauncher(launcher);
      await new Promise((resolve) => blocker.close(resolve));
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
  test(
    "dev_cluster --backbone nats runs a nats-server the nodes replicate through, stops it too",
    async () => {
      const dataDir = mkdtempSync(join(tmpdir(), "dsatter-dev-nats-"));
      const base = await freePorts(4);
      const args = [
        "2",
        "--discovery-port",
        String(base),
        "--base-port",
        String(base + 1),
        "--backbone",
        "nats",
        "--nats-port",
        String(base + 3),
      ];
      const nodes = [1, 2].map((i) => ({ url: `http://127.0.0.1:${base + i}` }));
      const launcher = launch(args, dataDir);
      try {
        await waitUntil(() => launcher.lines.some((l) => l.startsWith("node-2: http")), {
          deadlineMs: 60_000,
          pollMs: 50,
        });
        expect(launcher.lines).toContain(`backbone: nats://127.0.0.1:${base + 3}`);
        await waitForPeers(nodes, 1, 30_000);
        const metrics = await (await fetch(`${nodes[0].url}/metrics`)).text();
        expect(metrics).toMatch(/^dsatter_backbone_connected 1$/m);
        expect(existsSync(join(dataDir, "nats", "jetstream"))).toBe(true);
        expect(await stopLauncher(launcher)).toBe(0);
        for (let port = base; port <= base + 3; port++) expect(await portFree(port)).toBe(true);
        expect(launcher.lines.some((l) => /^\S*\[nats\]\S* exited/.test(l))).toBe(true);
      } finally {
        await stopLauncher(launcher);
        rmSync(dataDir, { recursive: true, force: true });
      }
    },
    120_000,
  );
});
