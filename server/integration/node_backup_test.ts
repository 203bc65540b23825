/**
 * Online backup and restore, as docs/OPERATIONS.md tells an operator to do it:
 * `bun run server backup` against a node that keeps taking writes, then
 * `bun run server restore` into a new database, and a new node started on it
 * holds every message acknowledged before the backup began (and takes a new
 * node id). Also: the admin route refuses a wrong secret, restore never
 * overwrites a database.
 */
import { afterAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fullHistory } from "../testing/peer_test_cluster.ts";
import { BUN_PATH, REPO_ROOT, spawnNode, TEST_CLUSTER_SECRET } from "../testing/spawn_node.ts";
import { openClient, type TestClient } from "../testing/ws_test_client.ts";
import { MIGRATIONS } from "../store/schema_migrations.ts";

setDefaultTimeout(90_000);

const CHAT = 808;
const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "dsatter-backup-"));
  dirs.push(dir);
  return dir;
}
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** `bun server/main.ts ARGS` to its end. */
function runServerCommand(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(BUN_PATH, ["server/main.ts", ...args], {
      cwd: REPO_ROOT,
      env: { ...process.env, DSATTER_CLUSTER_SECRET: TEST_CLUSTER_SECRET, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout!.on("data", (chunk) => stdout += chunk);
    child.stderr!.on("data", (chunk) => stderr += chunk);
    const timer = setTimeout(() => child.kill("SIGKILL"), 60_000);
    child.once("exit", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** Sends messages one after another until stopped; records each acked text in order. */
function keepWriting(client: TestClient): { acked: string[]; stop: () => Promise<void> } {
  const acked: string[] = [];
  let running = true;
  const loop = (async () => {
    for (let i = 0; running; i++) {
      const text = `w${i}`;
      client.send({
        type: "newMessageFromClient",
        payload: { chatId: CHAT, sender: "writer", text, clientMsgId: text },
      });
      await client.next((f) =>
        f.type === "clientMessageResponse" &&
        (f.payload as { clientMsgId: string }).clientMsgId === text
      );
      acked.push(text);
    }
  })();
  return {
    acked,
    stop: async () => {
      running = false;
      await loop;
    },
  };
}

describe("backup and restore", () => {
  test("a backup taken while writing restores into a new node holding every earlier ack", async () => {
    const dir = tempDir();
    const node = await spawnNode({ dbPath: join(dir, "node.db") });
    const backupPath = join(dir, "backup.db");
    let ackedBeforeBackup: string[] = [];
    try {
      const client = await openClient(node.wsUrl);
      client.send({ type: "subscribe", payload: { chatIds: [] } });
      const writer = keepWriting(client);
      while (writer.acked.length < 200) await new Promise((resolve) => setTimeout(resolve, 20));
      ackedBeforeBackup = [...writer.acked];
      const backup = await runServerCommand(["backup", "--node", node.url, "--out", backupPath]);
      const countAtBackupEnd = writer.acked.length;
      await writer.stop();
      await client.close();
      expect(backup.code).toBe(0);
      expect(backup.stdout).toMatch(
        new RegExp(
          `^backup of node ${node.nodeId} written to .*backup\\.db \\(\\d+ bytes, \\d+ messages, schema ${
            MIGRATIONS.at(-1)!.version
          }\\)`,
        ),
      );
      expect(statSync(backupPath).mode & 0o777).toBe(0o600);
      expect(countAtBackupEnd).toBeGreaterThanOrEqual(ackedBeforeBackup.length);
      // The node kept serving: nothing was refused while the copy was made.
      expect((await fetch(`${node.url}/readyz`)).status).toBe(200);
    } finally {
      expect(await node.stop()).toBe(0);
    }

    const restoredPath = join(dir, "restored.db");
    const restore = await runServerCommand(["restore", "--from", backupPath, "--db", restoredPath]);
    expect(restore.code).toBe(0);
    expect(restore.stdout).toContain(`into ${restoredPath} (backup of node ${node.nodeId})`);
    expect(statSync(restoredPath).mode & 0o777).toBe(0o600);

    const restored = await spawnNode({ dbPath: restoredPath });
    try {
      expect(restored.nodeId).toBeDefined();
      expect(restored.nodeId).not.toBe(node.nodeId);
      const history = (await fullHistory(restored, CHAT)).map((m) => m.text);
      const missing = ackedBeforeBackup.filter((text) => !history.includes(text));
      expect(missing).toEqual([]);
    } finally {
      await restored.stop();
    }
  });

  test("the admin route needs the cluster secret; restore and backup never overwrite", async () => {
    const dir = tempDir();
    const node = await spawnNode({ dbPath: join(dir, "node.db") });
    try {
      const anonymous = await fetch(`${node.url}/admin/backup`, { method: "POST" });
      expect(anonymous.status).toBe(401);
      const wrong = await runServerCommand(
        ["backup", "--node", node.url, "--out", join(dir, "x.db")],
        { DSATTER_CLUSTER_SECRET: "not-the-cluster-secret-0123456789" },
      );
      expect(wrong.code).toBe(1);
      expect(wrong.stderr).toContain("answered 401");
      expect(existsSync(join(dir, "x.db"))).toBe(false);
      expect(existsSync(join(dir, "x.db.partial"))).toBe(false);
      const get = await fetch(`${node.url}/admin/backup`, {
        headers: { authorization: `Bearer ${TEST_CLUSTER_SECRET}` },
      });
      expect(get.status).toBe(405);

      const out = join(dir, "b.db");
      expect((await runServerCommand(["backup", "--node", node.url, "--out", out])).code).toBe(0);
      const again = await runServerCommand(["backup", "--node", node.url, "--out", out]);
      expect(again.code).toBe(1);
      expect(again.stderr).toContain("already exists");
      const onto = await runServerCommand(["restore", "--from", out, "--db", node.dbPath]);
      expect(onto.code).toBe(1);
      expect(onto.stderr).toContain(`Cannot restore: ${node.dbPath} already exists`);
      expect((await runServerCommand(["restore", "--from", out])).code).toBe(2);
    } finally {
      await node.stop();
    }
  });
});
