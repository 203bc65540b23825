import { describe, expect, test } from "bun:test";
import type { ClientEntry } from "../../common/discovery_protocol.ts";
import { type Logger, silentLogger } from "../../common/logger.ts";
import type { ChatMessage } from "../../common/protocol.ts";
import { ChatNode } from "../core/chat_node.ts";
import { ALL_CHATS_TOPIC } from "../core/delivery_topics.ts";
import { MetricsRegistry, registerNodeMetrics } from "../observability/metrics_registry.ts";
import { MemoryMessageStore } from "../store/memory_message_store.ts";
import { handleApiRequest, type HttpApiContext } from "./http_api.ts";
import { createUserAuth } from "./user_auth.ts";

const NODE_ID = 3;

function setup(overrides: Partial<HttpApiContext> = {}) {
  const registry = new MetricsRegistry();
  const metrics = registerNodeMetrics(registry);
  const published: Array<{ topic: string; text: string }> = [];
  const node = new ChatNode({
    store: new MemoryMessageStore(),
    nodeId: NODE_ID,
    metrics,
    publisher: { publish: (topic, text) => published.push({ topic, text }) },
  });
  const context: HttpApiContext = {
    node,
    registry,
    metrics,
    auth: createUserAuth({ mode: "off" }),
    logger: silentLogger,
    clientCount: () => 4,
    peerCount: () => 2,
    // Discovery's entries carry more than the two keys /api/clients answers with.
    peerClients: () => [{ address: "[::1]", clientport: 3002, load: 7 } as ClientEntry],
    ...overrides,
  };
  /** The API's answer, undefined when the path is not an API route. */
  const route = (path: string, init?: RequestInit) =>
    handleApiRequest(new Request(`http://node${path}`, init), context);
  const call = async (path: string, init?: RequestInit) => {
    const response = await route(path, init);
    if (!response) throw new Error(`${path} is not an API route`);
    return response;
  };
  const post = (path: string, body: BodyInit) =>
    call(path, { method: "POST", body, headers: { "content-type": "application/json" } });
  return { node, published, route, call, post };
}

describe("handleApiRequest()", () => {
  test("GET /healthz counts clients and peers", async () => {
    const { call } = setup();
    const response = await call("/healthz");
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ ok: true, nodeId: NODE_ID, peers: 2, clients: 4 });
  });

  test("GET /metrics is Prometheus text", async () => {
    const { call } = setup();
    const response = await call("/metrics");
    expect(response.headers.get("content-type")).toStartWith("text/plain; version=0.0.4");
    expect(await response.text()).toMatch(/^dsatter_messages_stored_total 0$/m);
  });

  test("GET /api/clients lists the other nodes with exactly address and clientport", async () => {
    const { call } = setup();
    const body = await (await call("/api/clients")).text();
    expect(body).toBe('{"activeNodes":[{"address":"[::1]","clientport":3002}]}');
  });

  test("POST a message: 201 with the stored message once durable, fanned out, then listed", async () => {
    const { post, call, published } = setup();
    const response = await post(
      "/api/chats/12/messages",
      JSON.stringify({ text: "héllo ❤️", sender: "ann", clientMsgId: "r-1" }),
    );
    expect(response.status).toBe(201);
    const message = await response.json() as ChatMessage;
    expect(message).toMatchObject({
      messageId: "3000000000001",
      nodeId: NODE_ID,
      seq: 1,
      chatId: 12,
      text: "héllo ❤️",
      sender: "ann",
      clientMsgId: "r-1",
    });
    expect(published.filter((entry) => entry.topic === ALL_CHATS_TOPIC)).toHaveLength(1);
    const listed = await (await call("/api/chats/12/messages")).json();
    expect(listed).toEqual([message]);
    const chats = await (await call("/api/chats")).json();
    expect(chats).toEqual([{ chatId: 12, name: "chat 12", lastMessageAt: message.dateTime }]);
  });

  test("POST the same (sender, clientMsgId) again: the first message, not a second one", async () => {
    const { post, call } = setup();
    const body = JSON.stringify({ text: "once", sender: "ann", clientMsgId: "same" });
    const first = await (await post("/api/chats/12/messages", body)).json();
    const again = await post("/api/chats/12/messages", body);
    expect(again.status).toBe(201);
    expect(await again.json()).toEqual(first);
    expect(await (await call("/api/chats/12/messages")).json()).toHaveLength(1);
  });

  test("bad bodies get 400 or 413 with {error} and store nothing", async () => {
    const { post, call } = setup();
    const notUtf8 = new Uint8Array([
      ...new TextEncoder().encode('{"text":"'),
      0xc3, // a lead byte without its continuation
      ...new TextEncoder().encode('","sender":"a"}'),
    ]);
    const cases: Array<[string, BodyInit, number]> = [
      ["not UTF-8", notUtf8, 400],
      ["not JSON", "{nope", 400],
      ["empty", "", 400],
      ["an array", "[]", 400],
      ["empty text", JSON.stringify({ text: "", sender: "a" }), 400],
      ["no sender", JSON.stringify({ text: "t" }), 400],
      ["4001 characters", JSON.stringify({ text: "x".repeat(4001), sender: "a" }), 400],
      ["a lone surrogate", '{"text":"\\ud800","sender":"a"}', 400],
      ["over 64 KiB", JSON.stringify({ text: "t".repeat(70_000), sender: "a" }), 413],
    ];
    for (const [name, body, status] of cases) {
      const response = await post("/api/chats/12/messages", body);
      expect({ name, status: response.status }).toEqual({ name, status });
      expect(typeof (await response.json()).error).toBe("string");
    }
    expect(await (await call("/api/chats/12/messages")).json()).toEqual([]);
  });

  test("GET messages checks its chat id and query", async () => {
    const { call } = setup();
    const cases: Array<[string, number]> = [
      ["/api/chats/abc/messages", 400],
      ["/api/chats/-1/messages", 400],
      ["/api/chats/12/messages?limit=0", 400],
      ["/api/chats/12/messages?limit=1001", 400],
      ["/api/chats/12/messages?limit=x", 400],
      ["/api/chats/12/messages?before=abc", 400],
      ["/api/chats/12/messages?before=99000000000001", 404],
      ["/api/chats/12/messages?limit=1000", 200],
    ];
    for (const [path, status] of cases) {
      expect({ path, status: (await call(path)).status }).toEqual({ path, status });
    }
  });

  test("GET messages pages with before and limit, saying when there is more", async () => {
    const { node, call } = setup();
    for (const text of ["a", "b", "c"]) await node.sendLocal({ text, sender: "ann", chatId: 12 });
    const newest = await call("/api/chats/12/messages?limit=2");
    const page = await newest.json() as ChatMessage[];
    expect(page.map((m) => m.text)).toEqual(["b", "c"]);
    expect(newest.headers.get("x-more")).toBe("true");
    const older = await call(`/api/chats/12/messages?before=${page[0].messageId}`);
    expect((await older.json() as ChatMessage[]).map((m) => m.text)).toEqual(["a"]);
    expect(older.headers.get("x-more")).toBe("false");
  });

  test("a known path with the wrong method gets 405 with Allow", async () => {
    const { call } = setup();
    const cases: Array<[string, string, string]> = [
      ["POST", "/healthz", "GET, HEAD"],
      ["DELETE", "/metrics", "GET, HEAD"],
      ["PUT", "/api/clients", "GET, HEAD"],
      ["POST", "/api/chats", "GET, HEAD"],
      ["DELETE", "/api/chats/12/messages", "GET, HEAD, POST"],
    ];
    for (const [method, path, allow] of cases) {
      const response = await call(path, { method });
      expect({ path, status: response.status, allow: response.headers.get("allow") })
        .toEqual({ path, status: 405, allow });
    }
  });

  test("a path that is not the API's is left to the other routes", async () => {
    const { route } = setup();
    for (const path of ["/", "/app.js", "/api/nope", "/api/chats/1/other"]) {
      expect(await route(path)).toBeUndefined();
    }
  });

  test("a failure inside a route answers 503/500 with no details, and is logged", async () => {
    const errors: string[] = [];
    const logger: Logger = { ...silentLogger, error: (event) => errors.push(event) };
    const { node, call, post } = setup({ logger });
    node.sendLocal = () => Promise.reject(new Error("disk full at /var/secret"));
    const refused = await post(
      "/api/chats/12/messages",
      JSON.stringify({ text: "t", sender: "a" }),
    );
    expect(refused.status).toBe(503);
    node.access.chatsFor = () => {
      throw new Error("disk full at /var/secret");
    };
    const broken = await call("/api/chats");
    expect(broken.status).toBe(500);
    for (const response of [refused, broken]) {
      expect(await response.text()).not.toContain("/var/secret");
    }
    expect(errors).toEqual(["message not stored", "http request failed"]);
  });
});
