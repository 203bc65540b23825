/**
 * The hub and client sessions over a real ChatNode (memory store) and a fake
 * Bun pub/sub: what each connection receives when it resumes with `since` on a
 * node that has not caught up with what the client got elsewhere.
 */
import { afterEach, describe, expect, test } from "bun:test";
import type { ChatMessage } from "../../common/protocol.ts";
import { toWireMessage } from "../../common/wire_message.ts";
import { storedMessage } from "../store/message_store_conformance.ts";
import { ChatNode } from "../core/chat_node.ts";
import { silentLogger } from "../../common/logger.ts";
import { MetricsRegistry, registerNodeMetrics } from "../observability/metrics_registry.ts";
import { MemoryMessageStore } from "../store/memory_message_store.ts";
import { ClientHub, type HubSocket } from "./client_hub.ts";
import { ClientSession } from "./client_session.ts";

/** Bun's pub/sub as the hub sees it: topic -> subscribed sockets. */
class FakePubSub {
  topics = new Map<string, Set<FakeSocket>>();
  publish(topic: string, text: string, except?: FakeSocket): void {
    for (const socket of this.topics.get(topic) ?? []) if (socket !== except) socket.send(text);
  }
}

class FakeSocket implements HubSocket {
  frames: Array<{ type: string; payload: unknown; vector?: Record<string, number> }> = [];
  readyState = 1;
  /** What getBufferedAmount() answers (a reader that fell behind). */
  buffered = 0;
  closedWith: number | undefined;
  terminated = false;
  constructor(private pubsub: FakePubSub) {}
  send(text: string): number {
    this.frames.push(JSON.parse(text));
    return text.length;
  }
  subscribe(topic: string): void {
    const set = this.pubsub.topics.get(topic) ?? new Set();
    set.add(this);
    this.pubsub.topics.set(topic, set);
  }
  unsubscribe(topic: string): void {
    this.pubsub.topics.get(topic)?.delete(this);
  }
  publish(topic: string, text: string): unknown {
    this.pubsub.publish(topic, text, this);
    return 0;
  }
  bunTopics(): string[] {
    return [...this.pubsub.topics].filter(([, set]) => set.has(this)).map(([topic]) => topic)
      .sort();
  }
  /** "origin/seq" of every live message frame, in arrival order. */
  live(): string[] {
    return this.frames.filter((f) => f.type === "newMessagesForClient").map((f) => {
      const m = (f.payload as ChatMessage[])[0];
      return `${m.nodeId}/${m.seq}`;
    });
  }
  close(code?: number): void {
    this.readyState = 3;
    this.closedWith = code;
  }
  terminate(): void {
    this.readyState = 3;
    this.terminated = true;
  }
  ping(): unknown {
    return 0;
  }
  getBufferedAmount(): number {
    return this.buffered;
  }
}

const hubs: ClientHub[] = [];
afterEach(() => {
  for (const hub of hubs.splice(0)) hub.close();
});

function setup(limits: { slowReaderBytes?: number; bufferBudgetBytes?: number } = {}) {
  const pubsub = new FakePubSub();
  const metrics = registerNodeMetrics(new MetricsRegistry());
  const hub: ClientHub = new ClientHub({
    publishToTopic: (topic, text) => pubsub.publish(topic, text),
    metrics,
    logger: silentLogger,
    ...limits,
    committedSeq: (origin) => node.committedSeq(origin),
  });
  const node = new ChatNode({
    store: new MemoryMessageStore(),
    nodeId: 5,
    metrics,
    publisher: {
      publish: (topic, text) => hub.publish(topic, text),
      publishMessage: (message, frame) => hub.publishMessage(message, frame),
      subscriberCount: (topic) => hub.topicCount(topic),
    },
  });
  hubs.push(hub);
  const context = {
    node,
    metrics,
    logger: silentLogger,
    rateLimit: { perSecond: 1000, burst: 10_000, strikesBeforeClose: 100 },
  };
  function connect() {
    const socket = new FakeSocket(pubsub);
    const client = hub.add(socket);
    const session = new ClientSession(hub.socketOf(client), context);
    client.session = session;
    session.open();
    const send = async (frame: unknown) => {
      session.handle(JSON.stringify(frame));
      await settle();
    };
    return { socket, client, session, send };
  }
  return { node, hub, connect, metrics };
}

/** Lets group commits (setImmediate) and reply outboxes (microtasks) run. */
async function settle(): Promise<void> {
  for (let i = 0; i < 3; i++) await new Promise((resolve) => setImmediate(resolve));
}

function remote(nodeId: number, seq: number, chatId = 11): ChatMessage {
  return toWireMessage(storedMessage(nodeId, seq, { chatId, sender: "bob" }));
}

describe("ClientHub resume gate", () => {
  test("a since ahead of the node: the messages it covered never arrive live, the rest once", async () => {
    const { node, hub, connect } = setup();
    await node.acceptRemote([remote(7, 1), remote(7, 2)]);
    const resumed = connect();
    const steady = connect();
    await resumed.send({ type: "clientSyncRequest", payload: { since: { "7": 5 } } });
    const reply = resumed.socket.frames.find((f) => f.type === "clientSyncReply")!;
    expect(reply.payload).toEqual([]);
    expect(reply.vector).toEqual({ "7": 5 });
    expect(hub.holdsTopic(resumed.client, "all")).toBe(true);
    expect(resumed.socket.bunTopics()).toEqual([]);

    // The node catches up (anti-entropy after a heal): 7/3..7/5 the client already has.
    await node.acceptRemote([remote(7, 3), remote(7, 4), remote(7, 5), remote(7, 6)]);
    expect(resumed.socket.live()).toEqual(["7/6"]);
    expect(steady.socket.live()).toEqual(["7/3", "7/4", "7/5", "7/6"]);
    // Caught up: back on pub/sub, and nothing arrives twice from then on.
    expect(hub.holdsTopic(resumed.client, "all")).toBe(false);
    expect(resumed.socket.bunTopics()).toEqual(["all"]);
    await node.acceptRemote([remote(7, 7)]);
    await node.sendLocal({ text: "mine", sender: "ann", chatId: 11 });
    expect(resumed.socket.live()).toEqual(["7/6", "7/7", "5/1"]);
    expect(steady.socket.live()).toEqual(["7/3", "7/4", "7/5", "7/6", "7/7", "5/1"]);
  });

  test("a since the node has already reached stays on pub/sub and gets the rest once", async () => {
    const { node, hub, connect } = setup();
    await node.acceptRemote([remote(7, 1), remote(7, 2)]);
    const client = connect();
    await client.send({ type: "clientSyncRequest", payload: { since: { "7": 1 } } });
    expect(hub.holdsTopic(client.client, "all")).toBe(false);
    const reply = client.socket.frames.find((f) => f.type === "clientSyncReply")!;
    expect((reply.payload as ChatMessage[]).map((m) => m.seq)).toEqual([2]);
    await node.acceptRemote([remote(7, 3)]);
    expect(client.socket.live()).toEqual(["7/3"]);
  });

  test("a held connection keeps its chat filter, its subscribe changes and its hello events", async () => {
    const { node, hub, connect } = setup();
    const held = connect();
    const other = connect();
    await held.send({ type: "hello", payload: { name: "ann" } });
    await held.send({ type: "clientSyncRequest", payload: { since: { "7": 2 } } });
    await held.send({ type: "subscribe", payload: { chatIds: [12] } });
    expect(held.socket.bunTopics()).toEqual(["hello"]);
    await node.acceptRemote([
      remote(7, 1, 12),
      remote(7, 2, 12),
      remote(7, 3, 11),
      remote(7, 4, 12),
    ]);
    expect(held.socket.live()).toEqual(["7/4"]);
    expect(held.socket.bunTopics()).toEqual(["chat:12", "hello"]);
    expect(hub.topicCount("chat:12")).toBe(1);
    await other.send({ type: "createChat", payload: { name: "room" } });
    expect(held.socket.frames.some((f) => f.type === "chatCreated")).toBe(true);
  });

  test("a chat-filtered since skips only that chat's covered messages", async () => {
    const { node, connect } = setup();
    const client = connect();
    await client.send({ type: "clientSyncRequest", payload: { chatId: 12, since: { "7": 3 } } });
    await node.acceptRemote([
      remote(7, 1, 12),
      remote(7, 2, 11),
      remote(7, 3, 12),
      remote(7, 4, 12),
    ]);
    expect(client.socket.live()).toEqual(["7/2", "7/4"]);
  });

  test("a held connection that closes is forgotten and stays off every topic", async () => {
    const { node, hub, connect } = setup();
    const client = connect();
    await client.send({ type: "clientSyncRequest", payload: { since: { "7": 2 } } });
    client.session.close(1000, "bye");
    hub.remove(client.client);
    expect(client.socket.bunTopics()).toEqual([]);
    expect(hub.topicCount("all")).toBe(0);
    await node.acceptRemote([remote(7, 1), remote(7, 2), remote(7, 3)]);
    expect(client.socket.live()).toEqual([]);
  });
});

describe("ClientHub buffer budget", () => {
  test("past the budget, the readers furthest behind are cut off first, until 9/10 of it", () => {
    const { hub, connect, metrics } = setup({ slowReaderBytes: 10_000, bufferBudgetBytes: 1000 });
    const [far, middle, near, honest] = [connect(), connect(), connect(), connect()];
    far.socket.buffered = 700;
    middle.socket.buffered = 300;
    near.socket.buffered = 100;
    hub.checkReaders();
    expect([far, middle, near, honest].map((c) => c.socket.terminated)).toEqual([
      true,
      false,
      false,
      false,
    ]);
    expect(hub.bufferedBytes).toBe(400);
    expect(metrics.droppedOverBudget.value()).toBe(1);
    expect(far.session.closing).toBe(true);
  });

  test("within the budget nobody is dropped, however many readers are behind", () => {
    const { hub, connect } = setup({ slowReaderBytes: 10_000, bufferBudgetBytes: 1000 });
    const clients = Array.from({ length: 10 }, () => connect());
    for (const client of clients) client.socket.buffered = 99;
    hub.checkReaders();
    expect(clients.some((c) => c.session.closing)).toBe(false);
    expect(hub.bufferedBytes).toBe(990);
  });

  test("a slow reader is closed with 4000 while lingering queues fit half the budget, then cut off", () => {
    const { hub, connect } = setup({ slowReaderBytes: 100, bufferBudgetBytes: 1000 });
    const [first, second, third] = [connect(), connect(), connect()];
    first.socket.buffered = 300;
    hub.dropIfSlow(first.client);
    expect([first.socket.closedWith, first.socket.terminated]).toEqual([4000, false]);
    hub.remove(first.client); // Bun's close event; its queue lingers in Bun meanwhile
    second.socket.buffered = 300;
    hub.dropIfSlow(second.client);
    expect([second.socket.closedWith, second.socket.terminated]).toEqual([undefined, true]);
    third.socket.buffered = 50;
    hub.checkReaders();
    expect(hub.bufferedBytes).toBe(350); // the lingering 300 counts
  });

  test("a publication that could pass the budget is measured at once, not 50 ms later", async () => {
    const { node, hub, connect } = setup({ slowReaderBytes: 1_000_000, bufferBudgetBytes: 30_000 });
    const reader = connect();
    reader.socket.buffered = 29_000;
    hub.checkReaders(); // within the budget: 1,000 bytes of headroom left
    expect(reader.session.closing).toBe(false);
    reader.socket.buffered = 33_000; // what the next publication will queue
    const sent = node.sendLocal({ text: "x".repeat(4000), sender: "ann", chatId: 11 });
    await sent;
    expect(reader.socket.terminated).toBe(true); // in the publishing turn
    expect(hub.bufferedBytes).toBe(0);
  });
});
