/**
 * The SDK against a real cluster: one discovery and three Bun nodes, each a
 * process with its own database, and DSatterClient instances in this process
 * talking to them over real WebSockets. It runs under Deno and under Bun (both
 * test runners load it), so the one SDK is proven in both runtimes:
 * - a message sent on one node reaches a client on another, once;
 * - the node one client is on is killed while the other keeps sending: that
 *   client fails over, resumes, and ends with every message exactly once, in
 *   the same canonical order as the other; its own send made while offline is
 *   acknowledged and shows once everywhere;
 * - the example program (sdk/examples/chat_tail.ts) sends through the cluster.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { spawnDiscovery, type SpawnedDiscovery } from "../../discovery/testing/spawn_discovery.ts";
import {
  BUN_PATH,
  type SpawnedNode,
  spawnNode,
  TEST_CLUSTER_SECRET,
} from "../../server/testing/spawn_node.ts";
import { waitUntil } from "../../common/testing/wait_until.ts";
import type { ChatMessage } from "../../common/protocol.ts";
import { DSatterClient } from "../mod.ts";

const DEADLINE_MS = 30_000;
let discovery: SpawnedDiscovery | undefined;
const nodes: SpawnedNode[] = [];
const clients: DSatterClient[] = [];

async function peersOf(node: SpawnedNode): Promise<number> {
  try {
    const response = await fetch(`${node.url}/healthz`, { signal: AbortSignal.timeout(3_000) });
    return ((await response.json()) as { peers: number }).peers;
  } catch {
    return -1;
  }
}

before(async () => {
  discovery = await spawnDiscovery({ clusterSecret: TEST_CLUSTER_SECRET, ttlSeconds: 3 });
  for (let index = 0; index < 3; index++) {
    nodes.push(await spawnNode({ extraArgs: ["--discovery", discovery.url] }));
  }
  await waitUntil(async () => (await Promise.all(nodes.map(peersOf))).every((p) => p >= 2), {
    deadlineMs: 45_000,
  });
});

after(async () => {
  await Promise.allSettled(clients.map((client) => client.close()));
  await Promise.allSettled(nodes.map((node) => node.stop()));
  await discovery?.stop();
});

function open(options: ConstructorParameters<typeof DSatterClient>[0]): DSatterClient {
  const client = new DSatterClient(options);
  clients.push(client);
  return client.start();
}

/** Every message the client was told, in arrival order, and counts by text. */
function record(client: DSatterClient, chatId: number) {
  const received: ChatMessage[] = [];
  client.on("message", ({ message }) => {
    if (message.chatId === chatId) received.push(message);
  });
  const count = (text: string) => received.filter((m) => m.text === text).length;
  return { received, count };
}

function timelineTexts(client: DSatterClient, chatId: number): string[] {
  return client.timeline(chatId).entries().flatMap((entry) =>
    entry.kind === "message" ? [entry.message.text] : []
  );
}

function nodeOf(client: DSatterClient): SpawnedNode {
  const state = client.state;
  assert.equal(state.kind, "online");
  const node = nodes.find((n) => state.kind === "online" && n.wsUrl === state.url);
  assert.ok(node, `the client is on one of the cluster's nodes (${JSON.stringify(state)})`);
  return node;
}

test("DSatterClient: a message sent through one node reaches a client on another, once", async () => {
  const ann = open({ name: "ann", discovery: discovery!.url });
  await ann.whenOnline();
  const other = nodes.find((node) => node !== nodeOf(ann))!;
  const bob = open({ name: "bob", nodes: [other.wsUrl] });
  const bobSees = record(bob, 301);
  await bob.whenOnline();
  const ack = await ann.send("hello bob", { chatId: 301 });
  assert.match(ack.messageId, /^[0-9]+$/);
  await waitUntil(() => bobSees.count("hello bob") === 1, { deadlineMs: DEADLINE_MS });
  assert.equal(bobSees.received[0].messageId, ack.messageId);
  await waitUntil(() => bob.people().includes("ann"), { deadlineMs: DEADLINE_MS });
});

test("DSatterClient fails over when its node dies and ends with every message exactly once", async () => {
  const chatId = 302;
  const follower = open({ name: "fol", discovery: discovery!.url });
  const seen = record(follower, chatId);
  await follower.whenOnline();
  const victim = nodeOf(follower);
  const survivor = nodes.find((node) => node !== victim && node.child.exitCode === null)!;
  const sender = open({ name: "sender", nodes: [survivor.wsUrl] });
  const senderSees = record(sender, chatId);
  await sender.whenOnline();

  const expected: string[] = [];
  for (let i = 1; i <= 5; i++) {
    expected.push(`before ${i}`);
    await sender.send(`before ${i}`, { chatId });
  }
  await waitUntil(() => seen.count("before 5") === 1, { deadlineMs: DEADLINE_MS });

  await victim.kill("SIGKILL");
  const offline = follower.send("typed while offline", { chatId });
  expected.push("typed while offline");
  for (let i = 1; i <= 5; i++) {
    expected.push(`during ${i}`);
    await sender.send(`during ${i}`, { chatId });
  }
  await offline; // acknowledged by the node it failed over to
  const online = await follower.whenOnline();
  assert.notEqual(online.url, victim.wsUrl);

  for (const [who, sees] of [["follower", seen], ["sender", senderSees]] as const) {
    await waitUntil(() => expected.every((text) => sees.count(text) === 1), {
      deadlineMs: DEADLINE_MS,
    })
      .catch(() => {
        const got = sees.received.map((m) => m.text).join(", ");
        throw new Error(`Cannot see every message once on the ${who}; got: ${got}`);
      });
    assert.equal(sees.received.length, expected.length, `${who}: nothing twice`);
  }
  const order = timelineTexts(sender, chatId);
  assert.deepEqual([...order].sort(), [...expected].sort());
  assert.deepEqual(timelineTexts(follower, chatId), order);
});

test("the SDK example program sends through the cluster and exits once acknowledged", async () => {
  const chatId = 303;
  const live = nodes.find((node) =>
    node.child.exitCode === null && node.child.signalCode === null
  )!;
  const listener = open({ name: "listener", nodes: [live.wsUrl], follow: chatId });
  const heard = record(listener, chatId);
  await listener.whenOnline();
  const example = fileURLToPath(new URL("../examples/chat_tail.ts", import.meta.url));
  const runtime = "Deno" in globalThis
    ? [process.execPath, "run", "-A", example]
    : [BUN_PATH, example];
  const args = [
    "--discovery",
    discovery!.url,
    "--chat",
    String(chatId),
    "--say",
    "from the example",
  ];
  const { code, stdout, stderr } = await run(runtime[0], [...runtime.slice(1), ...args]);
  assert.equal(code, 0, stderr);
  assert.match(stderr, /^online on node [0-9]+ \(ws:\/\/127\.0\.0\.1:[0-9]+\/\)$/m);
  assert.match(stdout, /^acknowledged as [0-9]+$/m);
  await waitUntil(() => heard.count("from the example") === 1, { deadlineMs: DEADLINE_MS });
});

interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a program to its end (killed past the deadline): its exit code and output. */
function run(command: string, args: string[]): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => stdout += chunk);
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => stderr += chunk);
    const timer = setTimeout(() => child.kill("SIGKILL"), DEADLINE_MS);
    child.once("error", reject);
    child.once("exit", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}
