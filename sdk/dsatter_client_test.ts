/**
 * DSatterClient driven by fake sockets and fake time: the test plays the
 * nodes (sdk/testing/fake_dialer.ts), so failover, resume, resend, the
 * liveness probe and the rate-limit retry are seen step by step, with no
 * sleep and no process. The same client against a real cluster:
 * sdk/integration/dsatter_client_cluster_test.ts.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import type { ChatMessage } from "../common/protocol.ts";
import { encodeMessageId } from "../common/message_id.ts";
import type { DSatterClientEvents, EventKind } from "./client_events.ts";
import { DSatterClient, type DSatterClientOptions } from "./dsatter_client.ts";
import { createFakeDialer, type FakeConnection } from "./testing/fake_dialer.ts";
import { createFakeTimers } from "./testing/fake_timers.ts";
import { testMessage } from "./testing/test_message.ts";

function msg(nodeId: number, seq: number, extra: Partial<ChatMessage> = {}): ChatMessage {
  return testMessage(nodeId, seq, { sender: "bob", ...extra });
}

function setup(options: Partial<DSatterClientOptions> = {}) {
  const dialer = createFakeDialer();
  const timers = createFakeTimers();
  const peers = { activeNodes: [{ address: "c.test", clientport: 3 }] };
  let ids = 0;
  const client = new DSatterClient({
    name: "ann",
    nodes: ["ws://a.test:1/", "ws://b.test:2/"],
    dial: dialer.dial,
    timers,
    fetch: (() => Promise.resolve(Response.json(peers))) as unknown as typeof fetch,
    random: () => 0.5,
    newClientMsgId: () => `id${++ids}`,
    ...options,
  });
  const seen: { kind: EventKind; event: unknown }[] = [];
  const kinds: EventKind[] = ["message", "ack", "rejected", "state", "presence", "chats", "error"];
  for (const kind of kinds) client.on(kind, (event) => seen.push({ kind, event }));
  const events = <K extends EventKind>(kind: K) =>
    seen.filter((e) => e.kind === kind).map((e) => e.event as DSatterClientEvents[K]);
  const texts = (kind: "message") => events(kind).map((e) => `${e.origin}:${e.message.text}`);
  return { client, dialer, timers, events, texts };
}

/** The node answers a hello with its welcome, and the lists the client asks for on ready. */
function greet(connection: FakeConnection, nodeId: number, vector: Record<string, number>) {
  connection.deliver({ type: "welcome", payload: { nodeId, vector }, source: nodeId });
}

test("DSatterClient fails over, resumes with since, resends with the same clientMsgId, shows each message once", async () => {
  const { client, dialer, timers, events, texts } = setup();
  client.start();
  await timers.settle();
  const a = dialer.connections[0];
  assert.deepEqual(a.sentFrames(), [{ type: "hello", payload: { name: "ann" } }]);
  greet(a, 1, { "1": 2 });
  assert.deepEqual(client.state, {
    kind: "online",
    url: "ws://a.test:1/",
    nodeId: 1,
    resumed: false,
    missed: 0,
  });
  assert.deepEqual(a.sentFrames().slice(1).map((f) => f.type), ["listChats", "presence"]);
  a.deliver({ type: "newMessagesForClient", payload: [msg(1, 3)], source: 1 });
  const sent = client.send("hi");
  assert.equal(a.lastSent("newMessageFromClient").payload.clientMsgId, "id1");
  await timers.settle(); // the node list of a (asked once online) names c

  a.drop();
  await timers.advance(300); // backoff: b is next, a (just lost) last
  const b = dialer.connections[1];
  assert.equal(b.url, "ws://b.test:2/");
  assert.deepEqual(b.sentFrames().map((f) => f.type), [
    "hello",
    "clientSyncRequest",
    "newMessageFromClient",
  ]);
  assert.deepEqual(b.lastSent("clientSyncRequest").payload, { since: { "1": 3 }, limit: 1000 });
  assert.equal(b.lastSent("newMessageFromClient").payload.clientMsgId, "id1");
  greet(b, 2, { "1": 3, "2": 1 });
  const resume = b.lastSent("clientSyncRequest");
  b.deliver({
    type: "clientSyncReply",
    payload: [msg(1, 3), msg(2, 1)],
    vector: { "1": 3, "2": 1 },
    ref: resume.ref,
  });
  assert.deepEqual(client.state, {
    kind: "online",
    url: "ws://b.test:2/",
    nodeId: 2,
    resumed: true,
    missed: 1,
  });
  b.deliver({
    type: "clientMessageResponse",
    payload: { clientMsgId: "id1", messageId: encodeMessageId(2, 2) },
    ref: "id1",
  });
  assert.deepEqual(await sent, { clientMsgId: "id1", messageId: encodeMessageId(2, 2) });
  assert.equal(events("ack").length, 1);
  const mine = {
    sender: "ann",
    clientMsgId: "id1",
    text: "hi",
    dateTime: "2026-01-01T00:00:09.000Z",
  };
  b.deliver({ type: "newMessagesForClient", payload: [msg(2, 2, mine)] });
  b.deliver({ type: "newMessagesForClient", payload: [msg(1, 4, mine)] }); // a copy a accepted before
  assert.deepEqual(texts("message"), ["live:m1.3", "missed:m2.1", "live:hi"]);
  assert.deepEqual(
    client.timeline(11).entries().map((e) => e.kind === "message" && e.message.text),
    ["m2.1", "m1.3", "hi"],
  );
  assert.deepEqual(dialer.dialled, ["ws://a.test:1/", "ws://b.test:2/"]);
  await client.close();
  assert.equal(b.closeInfo?.by, "client");
  assert.deepEqual(client.state, { kind: "closed" });
});

test("DSatterClient sends a rate_limited message again on the same node 1-2 s later", async () => {
  const { client, dialer, timers } = setup();
  client.start();
  await timers.settle();
  const a = dialer.connections[0];
  greet(a, 1, {});
  const sent = client.send("again");
  a.deliver({ type: "error", payload: { code: "rate_limited", message: "slow down" }, ref: "id1" });
  await timers.advance(1_500);
  const sends = a.sentFrames().filter((f) => f.type === "newMessageFromClient");
  assert.deepEqual(sends.map((f) => f.ref), ["id1", "id1"]);
  a.deliver({ type: "error", payload: { code: "bad_frame", message: "no" }, ref: "id1" });
  await assert.rejects(sent, /^Error: Cannot send message: the node refused it \(bad_frame: no\)$/);
  const row = client.timeline(11).entries()[0];
  assert.equal(row.kind === "pending" && row.pending.failure, "bad_frame: no");
  await client.close();
});

test("DSatterClient leaves a node that stops answering and goes on to the next", async () => {
  const { client, dialer, timers, events } = setup();
  client.start();
  await timers.settle();
  const a = dialer.connections[0];
  greet(a, 1, {});
  a.deliver({ type: "chatList", payload: [], ref: a.lastSent("listChats").ref });
  a.deliver({
    type: "presenceList",
    payload: [{ name: "bob", nodeId: 1 }],
    ref: a.lastSent("presence").ref,
  });
  assert.deepEqual(client.people(), ["bob"]);
  await timers.advance(15_000);
  assert.deepEqual(a.sentFrames().at(-1), {
    type: "presence",
    payload: { chatId: 0 },
    ref: "liveness",
  });
  await timers.advance(10_000);
  assert.equal(a.closeInfo?.code, 4900);
  const offline = events("state").find((s) => s.kind === "offline");
  assert.deepEqual(offline, {
    kind: "offline",
    url: "ws://a.test:1/",
    reason: "lost the connection to ws://a.test:1/ (no answer for 10 s)",
    retryInMs: 225,
    closeCode: 4900,
  });
  await timers.advance(225);
  assert.equal(dialer.connections.at(-1)?.url, "ws://b.test:2/");
  await client.close();
});

test("DSatterClient restores sends of an earlier life and rejects what is unacked at close", async () => {
  const { client, dialer, timers, events } = setup();
  client.restore([{ clientMsgId: "old1", chatId: 12, text: "kept", sender: "ann", queuedAtMs: 5 }]);
  assert.deepEqual(client.timeline(12).unacknowledged().map((s) => s.clientMsgId), ["old1"]);
  client.start();
  await timers.settle();
  assert.equal(dialer.connections[0].lastSent("newMessageFromClient").ref, "old1");
  const sent = client.send("never acked", { chatId: 12 });
  await client.close();
  await assert.rejects(sent, /the client closed before a node acknowledged it/);
  await assert.rejects(client.send("late"), /^Error: Cannot send message: the client is closed$/);
  assert.equal(events("ack").length, 0);
  assert.throws(() => new DSatterClient({ name: "x" }), TypeError);
  assert.throws(() => new DSatterClient({ name: "", nodes: ["ws://a/"] }), RangeError);
});
