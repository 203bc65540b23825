/**
 * A real network partition. Each of three nodes runs in its own network
 * namespace: a "peer" veth on a shared bridge (the only way nodes reach each
 * other) and a "client" veth to the test's namespace (how the test's clients
 * reach each node). Taking node 3's peer veth down cuts it off from the other
 * two while clients keep chatting on both sides; after the link comes back up,
 * every node converges to the same history within two sync rounds of the
 * links being back. Needs root and `ip netns`; skips, saying why, without them.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import process from "node:process";
import type { ChatMessage } from "../../common/protocol.ts";
import { fullHistory, health, vectorOf, vectorTotal } from "../testing/peer_test_cluster.ts";
import { BUN_PATH, REPO_ROOT, TEST_CLUSTER_SECRET } from "../testing/spawn_node.ts";
import { openClient, type TestClient } from "../testing/ws_test_client.ts";
import { waitUntil } from "../../common/testing/wait_until.ts";

const SYNC_INTERVAL_MS = 1000;
const PEER_TIMEOUT_MS = 3000;
const PORT = 7000;
const CHAT = 99;

function ip(...args: string[]): void {
  execFileSync("ip", args, { stdio: ["ignore", "ignore", "pipe"] });
}

/** Why network namespaces cannot be used here, or null when they can. */
function namespacesUnavailable(): string | null {
  if (process.platform !== "linux") return "not Linux";
  if (process.getuid?.() !== 0) return "not running as root";
  const probe = `dsmprobe${process.pid % 100000}`;
  try {
    ip("netns", "add", probe);
    ip("netns", "del", probe);
    return null;
  } catch (error) {
    return `ip netns failed: ${String((error as Error).message).split("\n")[0]}`;
  }
}

const unavailable = namespacesUnavailable();
if (unavailable) console.warn(`mesh partition test SKIPPED: ${unavailable}`);

interface NetNode {
  index: number;
  namespace: string;
  peerAddress: string;
  clientAddress: string;
  /** Root-side end of the peer veth: down = partitioned. */
  peerVethRoot: string;
  wsUrl: string;
  url: string;
  child?: ChildProcess;
  output: string[];
}

/** A second octet N such that no route of this namespace uses 10.N.0.0/16 yet. */
function freeClientNet(): number {
  const routes = execFileSync("ip", ["-4", "route", "show"], { encoding: "utf8" });
  const candidates = Array.from({ length: 50 }, (_, i) => 200 + i).filter((n) =>
    !routes.includes(`10.${n}.`)
  );
  if (candidates.length === 0) throw new Error("Cannot find a free 10.N.0.0/16 for the test");
  return candidates[Math.floor(Math.random() * candidates.length)];
}

/** Builds the namespaces, veths and bridge; returns what to tear down. */
function buildNetwork(tag: string, clientNet: number): { nodes: NetNode[]; bridge: string } {
  const bridge = `dsb${tag}`;
  ip("link", "add", bridge, "type", "bridge");
  ip("link", "set", bridge, "up");
  const nodes: NetNode[] = [];
  for (let i = 1; i <= 3; i++) {
    const namespace = `dsm${tag}n${i}`;
    const peerAddress = `10.231.0.${i}`;
    const clientAddress = `10.${clientNet}.${i}.2`;
    const node: NetNode = {
      index: i,
      namespace,
      peerAddress,
      clientAddress,
      peerVethRoot: `dp${tag}${i}`,
      wsUrl: `ws://${clientAddress}:${PORT}/`,
      url: `http://${clientAddress}:${PORT}`,
      output: [],
    };
    nodes.push(node);
    ip("netns", "add", namespace);
    ip("-n", namespace, "link", "set", "lo", "up");
    // Peer network: veth into the namespace, root end on the bridge.
    ip("link", "add", node.peerVethRoot, "type", "veth", "peer", "name", `dq${tag}${i}`);
    ip("link", "set", `dq${tag}${i}`, "netns", namespace);
    ip("-n", namespace, "addr", "add", `${peerAddress}/24`, "dev", `dq${tag}${i}`);
    ip("-n", namespace, "link", "set", `dq${tag}${i}`, "up");
    ip("link", "set", node.peerVethRoot, "master", bridge);
    ip("link", "set", node.peerVethRoot, "up");
    // Client network: a point-to-point veth between the test's namespace and the node's.
    ip("link", "add", `dc${tag}${i}`, "type", "veth", "peer", "name", `dd${tag}${i}`);
    ip("link", "set", `dd${tag}${i}`, "netns", namespace);
    ip("addr", "add", `10.${clientNet}.${i}.1/24`, "dev", `dc${tag}${i}`);
    ip("link", "set", `dc${tag}${i}`, "up");
    ip("-n", namespace, "addr", "add", `${clientAddress}/24`, "dev", `dd${tag}${i}`);
    ip("-n", namespace, "link", "set", `dd${tag}${i}`, "up");
  }
  return { nodes, bridge };
}

function tearDownNetwork(tag: string, bridge: string): void {
  for (let i = 1; i <= 3; i++) {
    for (const args of [["netns", "del", `dsm${tag}n${i}`], ["link", "del", `dc${tag}${i}`]]) {
      try {
        ip(...args);
      } catch { /* already gone */ }
    }
    try {
      ip("link", "del", `dp${tag}${i}`);
    } catch { /* gone with its namespace */ }
  }
  try {
    ip("link", "del", bridge);
  } catch { /* already gone */ }
}

/** Starts a node inside its namespace with a static peer list; resolves once it listens. */
function startNode(node: NetNode, all: NetNode[], dir: string): Promise<void> {
  const peers = all.filter((n) => n !== node).map((n) => `http://${n.peerAddress}:${PORT}`);
  const child = spawn("ip", [
    "netns",
    "exec",
    node.namespace,
    BUN_PATH,
    "server/main.ts",
    "--host",
    "0.0.0.0",
    "--port",
    String(PORT),
    "--advertise",
    node.peerAddress,
    "--db",
    join(dir, `node-${node.index}.db`),
    "--peers",
    peers.join(","),
  ], {
    cwd: REPO_ROOT,
    env: {
      ...process.env,
      DSATTER_CLUSTER_SECRET: TEST_CLUSTER_SECRET,
      DSATTER_DATA_DIR: dir,
      DSATTER_SYNC_INTERVAL_MS: String(SYNC_INTERVAL_MS),
      DSATTER_PEER_TIMEOUT_MS: String(PEER_TIMEOUT_MS),
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  node.child = child;
  createInterface({ input: child.stderr! }).on("line", (line) => node.output.push(`err ${line}`));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`Cannot start node ${node.index}: ${node.output.join("\n")}`)),
      20_000,
    );
    createInterface({ input: child.stdout! }).on("line", (line) => {
      node.output.push(line);
      if (line.startsWith("listening on ")) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once("exit", () => reject(new Error(`node ${node.index} exited: ${node.output}`)));
  });
}

async function stopNode(node: NetNode): Promise<void> {
  const child = node.child;
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once("exit", resolve));
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
  await exited;
  clearTimeout(timer);
}

async function peersOf(node: NetNode): Promise<number | null> {
  return (await health(node).catch(() => null))?.peers ?? null;
}

function send(client: TestClient, sender: string, count: number): void {
  for (let i = 0; i < count; i++) {
    client.send({
      type: "newMessageFromClient",
      payload: { chatId: CHAT, sender, text: `${sender} ${i}`, clientMsgId: `${sender}-${i}` },
    });
  }
}

function acked(client: TestClient): number {
  return client.frames.filter((f) => f.type === "clientMessageResponse").length;
}

function liveTexts(client: TestClient): string[] {
  return client.frames.filter((f) => f.type === "newMessagesForClient").map((f) =>
    (f.payload as ChatMessage[])[0].text
  );
}

describe("mesh partition (network namespaces)", () => {
  const clients: TestClient[] = [];
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.close().catch(() => null)));
  });

  test.skipIf(unavailable !== null)(
    "a node cut off by a real partition converges within two sync rounds after healing",
    async () => {
      const tag = (process.pid % 0xffff).toString(16).padStart(4, "0");
      const clientNet = freeClientNet();
      const dir = mkdtempSync(join(tmpdir(), "dsatter-partition-"));
      let network: { nodes: NetNode[]; bridge: string } | undefined;
      try {
        tearDownNetwork(tag, `dsb${tag}`); // leftovers of a killed earlier run with this tag
        network = buildNetwork(tag, clientNet);
        const nodes = network.nodes;
        await Promise.all(nodes.map((node) => startNode(node, nodes, dir)));
        await waitUntil(
          async () => {
            const peers = await Promise.all(nodes.map(peersOf));
            return peers.every((p) => p === 2);
          },
          { deadlineMs: 30_000, pollMs: 100 },
        );

        const [a, b, c] = await Promise.all(nodes.map((node) => openClient(node.wsUrl)));
        clients.push(a, b, c);
        for (const client of [a, b, c]) {
          client.send({ type: "subscribe", payload: { chatIds: [CHAT] } });
        }
        send(a, "before", 10);
        await waitUntil(() => [a, b, c].every((cl) => liveTexts(cl).length >= 10), {
          deadlineMs: 20_000,
          pollMs: 20,
        });

        // Cut node 3 off the peer network; its clients still reach it.
        ip("link", "set", nodes[2].peerVethRoot, "down");
        send(a, "north-a", 25);
        send(b, "north-b", 25);
        send(c, "south", 25);
        await waitUntil(() => acked(a) === 35 && acked(b) === 25 && acked(c) === 25, {
          deadlineMs: 20_000,
          pollMs: 20,
        });
        // Each side keeps chatting: the north pair sees both its writers, node 3 sees its own.
        await waitUntil(() => liveTexts(a).length >= 60 && liveTexts(b).length >= 60, {
          deadlineMs: 20_000,
          pollMs: 20,
        });
        await waitUntil(() => liveTexts(c).length >= 35, { deadlineMs: 20_000, pollMs: 20 });
        // The partition is real: links time out on both sides.
        await waitUntil(
          async () => {
            const peers = await Promise.all(nodes.map(peersOf));
            return peers[0] === 1 && peers[1] === 1 && peers[2] === 0;
          },
          { deadlineMs: 30_000, pollMs: 100 },
        );
        expect(liveTexts(c).some((t) => t.startsWith("north"))).toBe(false);
        send(c, "south-late", 5);
        send(a, "north-late", 5);
        await waitUntil(() => acked(a) === 40 && acked(c) === 30, {
          deadlineMs: 20_000,
          pollMs: 20,
        });

        // Heal, then wait for the links to come back.
        const healedAt = Date.now();
        ip("link", "set", nodes[2].peerVethRoot, "up");
        await waitUntil(
          async () => {
            const peers = await Promise.all(nodes.map(peersOf));
            return peers.every((p) => p === 2);
          },
          { deadlineMs: 30_000, pollMs: 50 },
        );
        const relinkedAt = Date.now();
        const expectedTotal = 10 + 25 + 25 + 25 + 5 + 5;
        let convergedAt = 0;
        await waitUntil(
          async () => {
            const vectors = await Promise.all(nodes.map((node) => vectorOf(node)));
            const same = vectors.every((v) => JSON.stringify(v) === JSON.stringify(vectors[0]));
            if (same && vectorTotal(vectors[0]) === expectedTotal) convergedAt = Date.now();
            return convergedAt > 0;
          },
          { deadlineMs: 30_000, pollMs: 50 },
        );
        console.log(
          `partition healed: relinked in ${relinkedAt - healedAt} ms, ` +
            `converged ${convergedAt - relinkedAt} ms after relinking`,
        );
        // Two sync rounds, plus slack for a loaded machine's probes.
        expect(convergedAt - relinkedAt).toBeLessThanOrEqual(2 * SYNC_INTERVAL_MS + 4000);

        const histories = await Promise.all(nodes.map((node) => fullHistory(node, CHAT)));
        const reference = histories[0].map((m) => m.messageId);
        expect(reference.length).toBe(expectedTotal);
        for (const history of histories) expect(history.map((m) => m.messageId)).toEqual(reference);
        // Clients on each side got the other side's messages live after healing, once each.
        await waitUntil(
          () => [a, b, c].every((cl) => liveTexts(cl).length === expectedTotal),
          { deadlineMs: 20_000, pollMs: 20 },
        );
        for (const client of [a, b, c]) {
          expect(new Set(liveTexts(client)).size).toBe(expectedTotal);
        }
      } finally {
        await Promise.all((network?.nodes ?? []).map(stopNode));
        tearDownNetwork(tag, `dsb${tag}`); // also after a half-built network

        rmSync(dir, { recursive: true, force: true });
      }
    },
    150_000,
  );
});
