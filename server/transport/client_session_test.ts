import { describe, expect, test } from "bun:test";
import { CloseCode } from "../../common/errors.ts";
import { silentLogger } from "../../common/logger.ts";
import type { ChatMessage } from "../../common/protocol.ts";
import { waitUntil } from "../../common/testing/wait_until.ts";
import { ChatNode } from "../core/chat_node.ts";
import { ALL_CHATS_TOPIC, chatTopic, HELLO_TOPIC } from "../core/delivery_topics.ts";
import { MetricsRegistry, registerNodeMetrics } from "../observability/metrics_registry.ts";
import { MemoryMessageStore } from "../store/memory_message_store.ts";
import { FakeSocket, type SentFrame } from "../testing/fake_socket.ts";
import { ClientSession, type RateLimit } from "./client_session.ts";

const NODE_ID = 7;
/** Generous: no test here runs into it unless it means to. */
const ROOMY: RateLimit = { perSecond: 1000, burst: 1000, strikesBeforeClose: 3 };

function setup(rateLimit: RateLimit = ROOMY) {
  const published: Array<{ topic: string; text: string }> = [];
  const registry = new MetricsRegistry();
  const metrics = registerNodeMetrics(registry);
  const node = new ChatNode({
    store: new MemoryMessageStore(),
    nodeId: NODE_ID,
    metrics,
    publisher: { publish: (topic, text) => published.push({ topic, text }) },
  });
  const socket = new FakeSocket();
  const session = new ClientSession(socket, { node, metrics, logger: silentLogger, rateLimit });
  session.open();
  /** Hands the session one frame, as the client would send it. */
  const send = (frame: unknown) => session.handle(JSON.stringify(frame));
  /** Sends a frame and resolves with the next frame the session sends back. */
  async function exchange(frame: unknown): Promise<SentFrame> {
    const count = socket.frames.length + 1;
    send(frame);
    await waitUntil(() => socket.frames.length >= count, { what: "the session's reply" });
    return socket.frames[count - 1];
  }
  return { node, socket, session, published, registry, send, exchange };
}

describe("ClientSession", () => {
  test("open() listens to every chat; a connection that says nothing is sent nothing", async () => {
    const { socket } = setup();
    expect([...socket.topics]).toEqual([ALL_CHATS_TOPIC]);
    await Promise.resolve();
    expect(socket.frames).toEqual([]);
  });

  test("handle() acks a message with clientMsgId once it is stored, echoing ref and source", async () => {
    const { exchange, node } = setup();
    const ack = await exchange({
      type: "newMessageFromClient",
      payload: { text: "hi", sender: "ann", chatId: 11, clientMsgId: "c-1" },
      ref: "r1",
    });
    expect(ack).toEqual({
      type: "clientMessageResponse",
      payload: { clientMsgId: "c-1", messageId: "7000000000001" },
      source: NODE_ID,
      ref: "r1",
    });
    const history = node.history({ chatId: 11, limit: 10 });
    expect(history.ok && history.messages.map((m) => m.text)).toEqual(["hi"]);
  });

  test("handle() sends no ack for a message without clientMsgId (the original protocol)", async () => {
    const { send, exchange, socket, registry } = setup();
    send({ type: "newMessageFromClient", payload: { text: "a", sender: "b", chatId: 3 } });
    // Counted as acknowledged: an ack frame, if there were one, would be queued by now.
    await waitUntil(() => /^dsatter_messages_acked_total 1$/m.test(registry.render()));
    const list = await exchange({ type: "listChats", payload: {}, ref: "after" });
    expect(list.ref).toBe("after");
    expect(socket.frames.map((frame) => frame.type)).toEqual(["chatList"]);
  });

  test("handle() answers bad input with an error frame and keeps the connection", async () => {
    const cases: Array<[string | Uint8Array, string, string | undefined]> = [
      ["{not json", "bad_json", undefined],
      [new Uint8Array([1, 2, 3]), "bad_frame", undefined],
      ['"a string"', "bad_frame", undefined],
      ['{"type":"fly","payload":{},"ref":"u"}', "unknown_type", "u"],
      ['{"type":"hello","payload":{"name":""},"ref":"h"}', "bad_frame", "h"],
      ['{"type":"subscribe","payload":{"chatIds":[-1]}}', "bad_frame", undefined],
    ];
    for (const [frame, code, ref] of cases) {
      const { session, socket, registry } = setup();
      session.handle(frame);
      await waitUntil(() => socket.frames.length === 1);
      const [error] = socket.frames;
      expect(error.type).toBe("error");
      expect((error.payload as { code: string }).code).toBe(code);
      expect(error.ref).toBe(ref);
      expect(error.source).toBe(NODE_ID);
      expect(socket.closedWith).toBeUndefined();
      expect(registry.render()).toContain(`dsatter_frames_rejected_total{code="${code}"} 1`);
    }
  });

  test("handle() refuses frames past the rate limit, then closes with 1008", async () => {
    // Two frames at once, no refill to speak of, and two refusals in a row before the close.
    const { session, socket } = setup({ perSecond: 0.001, burst: 2, strikesBeforeClose: 2 });
    const list = (ref: string) => JSON.stringify({ type: "listChats", payload: {}, ref });
    for (const ref of ["1", "2", "3", "4"]) session.handle(list(ref));
    await waitUntil(() => socket.frames.length === 4);
    expect(socket.frames.map((frame) => [frame.type, frame.ref])).toEqual([
      ["chatList", "1"],
      ["chatList", "2"],
      ["error", "3"],
      ["error", "4"],
    ]);
    expect((socket.frames[2].payload as { code: string }).code).toBe("rate_limited");
    expect(socket.closedWith).toBeUndefined();
    session.handle(list("5"));
    expect(socket.closedWith?.code).toBe(CloseCode.policyViolation);
    expect(socket.topics.size).toBe(0); // nothing more is queued for it
  });

  test("hello answers welcome first, then joins presence and the hello topic", async () => {
    const { exchange, socket, node, published } = setup();
    const welcome = await exchange({ type: "hello", payload: { name: "ann" }, ref: "w" });
    expect(welcome).toEqual({
      type: "welcome",
      payload: { nodeId: NODE_ID, vector: {}, updates: {} },
      source: NODE_ID,
      ref: "w",
    });
    expect(socket.topics.has(HELLO_TOPIC)).toBe(true);
    expect(node.presence.list()).toEqual([{ name: "ann", nodeId: NODE_ID }]);
    const online = published.find((entry) => entry.topic === HELLO_TOPIC);
    expect(JSON.parse(online!.text).payload).toEqual({
      name: "ann",
      nodeId: NODE_ID,
      online: true,
    });
  });

  test("closed() leaves presence", async () => {
    const { exchange, session, node } = setup();
    await exchange({ type: "hello", payload: { name: "ann" } });
    session.closed();
    expect(node.presence.list()).toEqual([]);
  });

  test("subscribe moves the connection between every chat and named chats", () => {
    const { send, socket } = setup();
    send({ type: "subscribe", payload: { chatIds: [5, 6] } });
    expect([...socket.topics].sort()).toEqual([chatTopic(5), chatTopic(6)]);
    send({ type: "subscribe", payload: { chatIds: [6] } });
    expect([...socket.topics]).toEqual([chatTopic(6)]);
    send({ type: "subscribe", payload: { chatIds: null } });
    expect([...socket.topics]).toEqual([ALL_CHATS_TOPIC]);
    expect(socket.frames).toEqual([]); // subscribe has no answer
  });

  test("clientSyncRequest answers history, `since` with its vector, and unknown `before`", async () => {
    const { exchange, node } = setup();
    for (const text of ["one", "two", "three"]) {
      await node.sendLocal({ text, sender: "ann", chatId: 11 });
    }
    const latest = await exchange({ type: "clientSyncRequest", payload: [], ref: "l" });
    expect((latest.payload as ChatMessage[]).map((m) => m.text)).toEqual(["one", "two", "three"]);
    expect(latest.more).toBeUndefined();

    const since = await exchange({
      type: "clientSyncRequest",
      payload: { since: { [NODE_ID]: 1 }, limit: 1 },
      ref: "s",
    });
    expect((since.payload as ChatMessage[]).map((m) => m.text)).toEqual(["two"]);
    expect(since.more).toBe(true);
    expect(since.vector).toEqual({ [NODE_ID]: 2 });

    const unknown = await exchange({
      type: "clientSyncRequest",
      payload: { before: "99000000000001" },
      ref: "b",
    });
    expect(unknown.type).toBe("error");
    expect((unknown.payload as { code: string }).code).toBe("not_found");
    expect(unknown.ref).toBe("b");
  });

  test("createChat answers chatCreated and tells the other hello connections", async () => {
    const { exchange, socket } = setup();
    const created = await exchange({ type: "createChat", payload: { name: "Plans" }, ref: "c" });
    expect(created.type).toBe("chatCreated");
    expect(created.ref).toBe("c");
    const { chatId, name } = created.payload as { chatId: number; name: string };
    expect(name).toBe("Plans");
    expect(socket.published.map(({ topic, text }) => [topic, JSON.parse(text).payload])).toEqual([
      [HELLO_TOPIC, { chatId, name: "Plans" }],
    ]);
    const list = await exchange({ type: "listChats", payload: {} });
    expect(list.payload).toEqual([{ chatId, name: "Plans" }]);
  });

  test("presence lists the hello names of a chat", async () => {
    const { exchange } = setup();
    await exchange({ type: "hello", payload: { name: "ann" } });
    const list = await exchange({ type: "presence", payload: { chatId: 11 }, ref: "p" });
    expect(list).toMatchObject({
      type: "presenceList",
      payload: [{ name: "ann", nodeId: NODE_ID }],
    });
  });

  test("a failure inside one frame costs that frame only", async () => {
    const { exchange, node, socket } = setup();
    node.access.chatPageFor = () => {
      throw new Error("disk on fire");
    };
    const error = await exchange({ type: "listChats", payload: {}, ref: "x" });
    expect(error).toMatchObject({ type: "error", payload: { code: "internal" }, ref: "x" });
    expect(JSON.stringify(error)).not.toContain("disk on fire"); // no internals leak
    const welcome = await exchange({ type: "hello", payload: { name: "ann" } });
    expect(welcome.type).toBe("welcome");
    expect(socket.closedWith).toBeUndefined();
  });

  test("close() sends what was already answered, then closes and drops every topic", async () => {
    const { session, socket, node } = setup();
    await node.sendLocal({ text: "x", sender: "ann", chatId: 11 });
    session.handle(JSON.stringify({ type: "listChats", payload: {}, ref: "before" }));
    session.close(CloseCode.slowReader, "slow reader");
    expect(socket.frames.map((frame) => frame.ref)).toEqual(["before"]);
    expect(socket.closedWith).toEqual({ code: CloseCode.slowReader, reason: "slow reader" });
    expect(socket.topics.size).toBe(0);
    session.handle(JSON.stringify({ type: "listChats", payload: {}, ref: "after" }));
    await Promise.resolve();
    expect(socket.frames.length).toBe(1); // a closing connection handles nothing more
    session.closed();
  });
});
