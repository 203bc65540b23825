/**
 * The node as an operator meets it (PROTOCOL.md section 8): `--version`, exit
 * codes (2 usage, 1 refused), flags from DSATTER_ variables, production
 * refusals, /readyz before serving (waiting for discovery), while serving and
 * during the SIGTERM drain, private data files, and the metrics an operator
 * alerts on. Real `bun server/main.ts` processes, port 0, temp dirs.
 */
import { afterAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import packageJson from "../../package.json" with { type: "json" };
import { spawnDiscovery } from "../../discovery/testing/spawn_discovery.ts";
import { BUN_PATH, REPO_ROOT, spawnNode, TEST_CLUSTER_SECRET } from "../testing/spawn_node.ts";
import { openClient } from "../testing/ws_test_client.ts";
import { waitUntil } from "../../common/testing/wait_until.ts";

setDefaultTimeout(60_000);

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "dsatter-ops-"));
  dirs.push(dir);
  return dir;
}
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** Runs the node to its exit (for starts that must fail fast). */
function runNode(args: string[], env: Record<string, string> = {}) {
  const result = spawnSync(BUN_PATH, ["server/main.ts", ...args], {
    cwd: REPO_ROOT,
    env: { PATH: process.env.PATH ?? "", DSATTER_DATA_DIR: tempDir(), ...env },
    encoding: "utf8",
    timeout: 30_000,
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** Production as section 6 has it: --auth required by default, so the token key too. */
const PRODUCTION = {
  DSATTER_ENV: "production",
  DSATTER_CLUSTER_SECRET: TEST_CLUSTER_SECRET,
  DSATTER_AUTH_SECRET: "node-operations-test-auth-secret-0123456789",
};

describe("starting a node", () => {
  test("--version prints the package version and the runtime, exit 0", () => {
    const result = runNode(["--version"]);
    expect(result.code).toBe(0);
    expect(result.stdout.trim()).toBe(
      `dsatter-server ${packageJson.version} (bun ${Bun.version})`,
    );
  });

  test("usage errors exit 2, from argv or from a DSATTER_ variable", () => {
    const flag = runNode(["--nope"]);
    expect(flag.code).toBe(2);
    expect(flag.stderr).toContain("Cannot parse flags:");
    const variable = runNode(["--standalone"], { DSATTER_RATE_LIMIT: "lots" });
    expect(variable.code).toBe(2);
    expect(variable.stderr).toContain("(set from the environment: DSATTER_RATE_LIMIT)");
  });

  test("production refuses weak settings with one line each, exit 1", () => {
    const weak = runNode(["--discovery", "http://10.9.8.7:8080", "--db", ":memory:"], {
      DSATTER_ENV: "production",
      DSATTER_CLUSTER_SECRET: "too-short",
    });
    expect(weak.code).toBe(1);
    expect(weak.stdout).toBe("");
    const lines = weak.stderr.trim().split("\n");
    expect(lines.length).toBe(5);
    expect(lines.every((line) => line.startsWith("Cannot start in production: "))).toBe(true);
    expect(weak.stderr).toContain("DSATTER_CLUSTER_SECRET has 9 characters");
    expect(weak.stderr).toContain("--discovery http://10.9.8.7:8080 is plain HTTP");
    expect(weak.stderr).toContain("plain HTTP on 0.0.0.0");
    expect(weak.stderr).toContain("--auth required needs DSATTER_AUTH_SECRET");
    const missing = runNode(["--standalone", "--host", "127.0.0.1"], { DSATTER_ENV: "production" });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain("DSATTER_CLUSTER_SECRET is not set");
    const badCert = runNode([
      "--standalone",
      "--host",
      "127.0.0.1",
      "--tls-cert",
      "/nope.pem",
      "--tls-key",
      "/nope.key",
    ]);
    expect(badCert.code).toBe(1);
    expect(badCert.stderr).toContain("Cannot read --tls-cert /nope.pem");
  });

  test("production with --insecure serves plain HTTP on every interface, configured by env alone", async () => {
    const node = await spawnNode({
      extraArgs: ["--host", "0.0.0.0"],
      env: { ...PRODUCTION, DSATTER_INSECURE: "true", DSATTER_RATE_LIMIT: "7" },
    });
    try {
      const ready = await fetch(`${node.url}/readyz`);
      expect(ready.status).toBe(200);
      expect(await ready.json()).toEqual({ ready: true });
    } finally {
      expect(await node.stop()).toBe(0);
    }
  });
});

describe("/readyz", () => {
  test("503 while SIGTERM drains (/healthz stays 200), then exit 0", async () => {
    const node = await spawnNode({ extraArgs: ["--drain-seconds", "3"] });
    expect((await fetch(`${node.url}/readyz`)).status).toBe(200);
    const client = await openClient(node.wsUrl);
    node.child.kill("SIGTERM");
    await waitUntil(async () => (await fetch(`${node.url}/readyz`)).status === 503, {
      deadlineMs: 10_000,
      pollMs: 50,
    });
    const draining = await fetch(`${node.url}/readyz`);
    expect(await draining.json()).toEqual({ ready: false, phase: "draining" });
    expect((await fetch(`${node.url}/healthz`)).status).toBe(200);
    // Clients are still served during the drain, and closed with 1001 at its end.
    expect((await client.closed).code).toBe(1001);
    expect(await node.exited).toBe(0);
    await node.stop();
  });

  test("a new node waiting for discovery answers /healthz 200 and /readyz 503, then serves", async () => {
    const discovery = await spawnDiscovery({
      clusterSecret: TEST_CLUSTER_SECRET,
      host: "127.0.0.1",
    });
    discovery.sendSignal("SIGSTOP"); // registration hangs until it thaws
    const dir = tempDir();
    const child = spawn(BUN_PATH, [
      ...["server/main.ts", "--port", "0", "--host", "127.0.0.1"],
      ...["--db", join(dir, "node.db"), "--discovery", discovery.url],
    ], {
      cwd: REPO_ROOT,
      env: { ...process.env, DSATTER_CLUSTER_SECRET: TEST_CLUSTER_SECRET, DSATTER_DATA_DIR: dir },
      stdio: ["ignore", "pipe", "pipe"],
    });
    const stdout: string[] = [];
    const stderr: string[] = [];
    createInterface({ input: child.stdout! }).on("line", (line) => stdout.push(line));
    createInterface({ input: child.stderr! }).on("line", (line) => stderr.push(line));
    try {
      await waitUntil(() => stderr.some((l) => l.includes("waiting for discovery")), {
        deadlineMs: 20_000,
        pollMs: 50,
      });
      const port = Number(/port=(\d+)/.exec(stderr.find((l) => l.includes("waiting for"))!)![1]);
      const base = `http://127.0.0.1:${port}`;
      const readyz = await fetch(`${base}/readyz`);
      expect(readyz.status).toBe(503);
      expect(await readyz.json()).toEqual({ ready: false, phase: "starting" });
      const healthz = await fetch(`${base}/healthz`);
      expect(healthz.status).toBe(200);
      expect(await healthz.json()).toMatchObject({ ok: true, nodeId: null, starting: true });
      expect((await fetch(`${base}/api/chats`)).status).toBe(503);
      expect(stdout).toEqual([]); // "listening on" means serving: not yet

      discovery.sendSignal("SIGCONT");
      await waitUntil(() => stdout.length > 0, { deadlineMs: 30_000, pollMs: 50 });
      expect(stdout[0]).toBe(`listening on ${base}`);
      await waitUntil(async () => (await fetch(`${base}/readyz`)).status === 200, {
        deadlineMs: 10_000,
        pollMs: 50,
      });
      expect(((await (await fetch(`${base}/healthz`)).json()) as { nodeId: number }).nodeId)
        .toBeGreaterThan(0);
    } finally {
      child.kill("SIGTERM");
      await new Promise((resolve) => child.once("exit", resolve));
      await discovery.stop();
    }
  });
});

describe("data files and metrics", () => {
  test("the database, its -wal (and -shm, if any) and the generated secret are mode 0600", async () => {
    const dir = tempDir();
    const node = await spawnNode({
      dbPath: join(dir, "node.db"),
      env: { DSATTER_DATA_DIR: dir, DSATTER_CLUSTER_SECRET: "" },
    });
    try {
      // With exclusive locking SQLite keeps the WAL index in memory: no -shm file is made.
      const names = ["node.db", "node.db-wal", "node.db-shm", "cluster-secret"]
        .filter((name) => name !== "node.db-shm" || existsSync(join(dir, name)));
      for (const name of names) {
        expect({ name, mode: statSync(join(dir, name)).mode & 0o777 }).toEqual({
          name,
          mode: 0o600,
        });
      }
      expect(readFileSync(join(dir, "cluster-secret"), "utf8").trim().length).toBe(64);
    } finally {
      await node.stop();
    }
  });

  test("/metrics: build info, commit and delivery latency histograms, rejects and closes by code", async () => {
    const node = await spawnNode();
    try {
      const client = await openClient(node.wsUrl);
      client.send({
        type: "newMessageFromClient",
        payload: { chatId: 11, sender: "m", text: "measured", clientMsgId: "m1" },
      });
      await client.next((f) => f.type === "clientMessageResponse");
      await client.next((f) => f.type === "newMessagesForClient");
      client.sendRaw("not json");
      await client.next((f) => f.type === "error");
      await client.close(1000);
      let text = "";
      await waitUntil(
        async () => {
          text = await (await fetch(`${node.url}/metrics`)).text();
          return text.includes('dsatter_client_closes_total{code="1000"} 1');
        },
        { deadlineMs: 10_000, pollMs: 50 },
      );
      expect(text).toContain(
        `dsatter_build_info{version="${packageJson.version}",runtime="bun ${Bun.version}"} 1`,
      );
      expect(text).toContain("# TYPE dsatter_commit_duration_seconds histogram");
      expect(text).toMatch(/dsatter_commit_duration_seconds_bucket\{le="\+Inf"\} [1-9]/);
      expect(text).toContain("# TYPE dsatter_delivery_latency_seconds histogram");
      expect(text).toContain("dsatter_delivery_latency_seconds_count 1");
      expect(text).toContain('dsatter_frames_rejected_total{code="bad_json"} 1');
      expect(text).toContain("dsatter_messages_stored_total 1");
    } finally {
      await node.stop();
    }
  });
});
