/**
 * What a client connection is charged for, against real node processes: strikes
 * that decay (a client alternating at twice its limit is closed with 1008, one
 * at exactly the documented limit is never refused), frames that cost more than
 * one token (`subscribe` per 100 ids), chat creation quotas, renames reaching
 * presence at most once a second, `listChats` pages, and a second message under
 * a known (sender, clientMsgId) with another text (refused as a conflict).
 */
import { describe, expect, setDefaultTimeout, test } from "bun:test";
import { useTestNodes } from "../testing/nodes_fixture.ts";
import { type ReceivedFrame, type TestClient } from "../testing/ws_test_client.ts";
import { waitUntil } from "../../common/testing/wait_until.ts";
import { readMetric } from "../testing/node_metrics.ts";

setDefaultTimeout(60_000);

const { node, client } = useTestNodes();

const isError = (code: string) => (frame: ReceivedFrame) =>
  frame.type === "error" && (frame.payload as { code: string }).code === code;
const errorsOf = (c: TestClient, code: string) => c.frames.filter(isError(code)).length;

describe("strikes", () => {
  test("a client alternating at twice --rate-limit is closed with 1008 (strikes decay, never reset)", async () => {
    const limited = await node(["--rate-limit", "20"]); // 20/s, bursts of 200
    const flooder = await client(limited.wsUrl);
    for (let i = 0; i < 200; i++) flooder.send({ type: "presence", payload: {} });
    // Then 40 frames a second, evenly: every other one is refused, the others accepted.
    const timer = setInterval(() => flooder.send({ type: "presence", payload: {} }), 25);
    try {
      const closed = await Promise.race([
        flooder.closed,
        new Promise<null>((resolve) => setTimeout(() => resolve(null), 40_000)),
      ]);
      expect(closed?.code).toBe(1008);
      const answered = flooder.frames.filter((f) => f.type === "presenceList").length;
      expect(answered).toBeGreaterThan(200); // it was alternating, not just refused
    } finally {
      clearInterval(timer);
    }
  });

  test("a client at exactly the documented limit (bursts of 10,000, then 1,000/s) is never refused", async () => {
    const open = await node();
    const honest = await client(open.wsUrl);
    for (let i = 0; i < 10_000; i++) honest.send({ type: "presence", payload: {} });
    const answers = () => honest.frames.filter((f) => f.type === "presenceList").length;
    await waitUntil(() => answers() === 10_000, { deadlineMs: 30_000, pollMs: 10 });
    // Sustained: never more than 1,000 per elapsed second since the burst was taken.
    const startedMs = performance.now();
    let sent = 0;
    while (sent < 5000) {
      const allowed = Math.min(5000, Math.floor(performance.now() - startedMs));
      for (; sent < allowed; sent++) honest.send({ type: "presence", payload: {} });
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    await waitUntil(() => answers() === 15_000 || errorsOf(honest, "rate_limited") > 0, {
      deadlineMs: 30_000,
      pollMs: 10,
    });
    expect(errorsOf(honest, "rate_limited")).toBe(0);
    expect(answers()).toBe(15_000);
    expect(honest.ws.readyState).toBe(WebSocket.OPEN);
  });
});

describe("frames that cost more", () => {
  test("subscribe is charged one token per 100 chat ids", async () => {
    const limited = await node(["--rate-limit", "5"]); // bursts of 50
    const subscriber = await client(limited.wsUrl);
    const chatIds = Array.from({ length: 5000 }, (_, i) => i); // 50 tokens: the whole burst
    subscriber.send({ type: "subscribe", payload: { chatIds } });
    subscriber.send({ type: "presence", payload: {}, ref: "after" });
    const refused = await subscriber.next(isError("rate_limited"));
    expect(refused.ref).toBe("after");
    // A subscribe of up to 100 ids costs one token, like any frame.
    const small = await client(limited.wsUrl);
    for (let i = 0; i < 49; i++) {
      small.send({ type: "subscribe", payload: { chatIds: chatIds.slice(0, 100) } });
    }
    small.send({ type: "presence", payload: {}, ref: "fits" });
    expect((await small.next((f) => f.type === "presenceList")).ref).toBe("fits");
    expect(errorsOf(small, "rate_limited")).toBe(0);
  });

  test("search costs ten tokens", async () => {
    const limited = await node(["--rate-limit", "5"]); // bursts of 50
    const searcher = await client(limited.wsUrl);
    for (let i = 0; i < 5; i++) {
      searcher.send({ type: "search", payload: { q: "anything" }, ref: `s${i}` });
    }
    searcher.send({ type: "presence", payload: {}, ref: "after" });
    expect((await searcher.next(isError("rate_limited"))).ref).toBe("after");
    expect(searcher.frames.filter((f) => f.type === "searchResults").length).toBe(5);
  });

  test("createChat: a quota per connection and one per node, a minute each", async () => {
    const quota = await node(["--chats-per-minute", "2", "--node-chats-per-minute", "3"]);
    const [a, b] = [await client(quota.wsUrl), await client(quota.wsUrl)];
    const create = async (c: TestClient, ref: string) => {
      c.send({ type: "createChat", payload: { name: ref }, ref });
      return await c.next((f) => f.ref === ref);
    };
    expect((await create(a, "a1")).type).toBe("chatCreated");
    expect((await create(a, "a2")).type).toBe("chatCreated");
    const perConnection = await create(a, "a3");
    expect((perConnection.payload as { code: string }).code).toBe("rate_limited");
    expect((perConnection.payload as { message: string }).message).toMatch(/per connection/);
    expect((await create(b, "b1")).type).toBe("chatCreated");
    const perNode = await create(b, "b2");
    expect((perNode.payload as { code: string }).code).toBe("rate_limited");
    expect(await readMetric(quota.url, 'dsatter_chat_creations_refused_total{scope="node"}'))
      .toBe(1);
    const chats = await (await fetch(`${quota.url}/api/chats`)).json();
    expect(chats.length).toBe(3);
  });

  test("renames reach presence at most once a second: the last name wins", async () => {
    const open = await node();
    const watcher = await client(open.wsUrl);
    watcher.send({ type: "hello", payload: { name: "watcher" } });
    await watcher.next((f) => f.type === "welcome");
    const renamer = await client(open.wsUrl);
    for (let i = 0; i < 10; i++) renamer.send({ type: "hello", payload: { name: `r${i}` } });
    await waitUntil(() => renamer.frames.filter((f) => f.type === "welcome").length === 10);
    const events = () =>
      watcher.frames.filter((f) => f.type === "presence").map((f) =>
        f.payload as { name: string; online: boolean }
      );
    await waitUntil(() => events().some((e) => e.name === "r9" && e.online), {
      deadlineMs: 10_000,
      pollMs: 20,
    });
    const names = new Set(events().map((e) => e.name));
    expect([...names].filter((name) => name.startsWith("r")).sort()).toEqual(["r0", "r9"]);
    renamer.send({ type: "presence", payload: {}, ref: "who" });
    const list = await renamer.next((f) => f.ref === "who");
    expect((list.payload as { name: string }[]).map((e) => e.name).sort()).toEqual([
      "r9",
      "watcher",
    ]);
  });

  test("listChats pages by chat id with limit and after; the reply says more", async () => {
    const open = await node(["--chats-per-minute", "100"]);
    const lister = await client(open.wsUrl);
    for (let i = 0; i < 5; i++) {
      lister.send({ type: "createChat", payload: { name: `c${i}` }, ref: `c${i}` });
      await lister.next((f) => f.ref === `c${i}`);
    }
    const page = async (payload: Record<string, number>, ref: string) => {
      lister.send({ type: "listChats", payload, ref });
      return await lister.next((f) => f.ref === ref);
    };
    const all = await page({}, "all");
    const ids = (all.payload as { chatId: number }[]).map((c) => c.chatId);
    expect(ids.length).toBe(5);
    expect(all.more).toBeUndefined();
    const first = await page({ limit: 2 }, "p1");
    expect((first.payload as { chatId: number }[]).map((c) => c.chatId)).toEqual(ids.slice(0, 2));
    expect(first.more).toBe(true);
    const last = await page({ limit: 2, after: ids[3] }, "p3");
    expect((last.payload as { chatId: number }[]).map((c) => c.chatId)).toEqual([ids[4]]);
    expect(last.more).toBeUndefined();
  });

  test("listChats {} from a client that never said hello gets every chat, past one page", async () => {
    const open = await node(["--chats-per-minute", "2000", "--node-chats-per-minute", "2000"]);
    const creator = await client(open.wsUrl);
    const created = 1001;
    for (let i = 0; i < created; i++) {
      creator.send({ type: "createChat", payload: { name: `c${i}` }, ref: `c${i}` });
    }
    await creator.next((f) => f.ref === `c${created - 1}`);
    expect(errorsOf(creator, "rate_limited")).toBe(0);
    const original = await client(open.wsUrl);
    original.send({ type: "listChats", payload: {} });
    const list = await original.next((f) => f.type === "chatList");
    expect((list.payload as unknown[]).length).toBeGreaterThanOrEqual(created);
    expect(list.more).toBeUndefined();
    original.send({ type: "listChats", payload: { limit: 1000 }, ref: "page" });
    const page = await original.next((f) => f.ref === "page");
    expect((page.payload as unknown[]).length).toBe(1000);
    expect(page.more).toBe(true);
  });
});

describe("a second message under a known (sender, clientMsgId)", () => {
  test("with another text it is refused (WebSocket conflict, REST 409); the first stays", async () => {
    const open = await node();
    const sender = await client(open.wsUrl);
    const send = (text: string, ref: string) =>
      sender.send({
        type: "newMessageFromClient",
        payload: { text, sender: "ann", chatId: 11, clientMsgId: "k1" },
        ref,
      });
    send("the real one", "first");
    const ack = await sender.next((f) => f.type === "clientMessageResponse");
    send("a forgery", "forged");
    const refused = await sender.next((f) => f.ref === "forged");
    expect((refused.payload as { code: string }).code).toBe("conflict");
    const rest = await fetch(`${open.url}/api/chats/11/messages`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ text: "another forgery", sender: "ann", clientMsgId: "k1" }),
    });
    expect(rest.status).toBe(409);
    send("the real one", "retry"); // a true retry is acknowledged again
    const again = await sender.next((f) => f.type === "clientMessageResponse");
    expect(again.payload).toEqual(ack.payload);
    const history = await (await fetch(`${open.url}/api/chats/11/messages`)).json();
    expect(history.map((m: { text: string }) => m.text)).toEqual(["the real one"]);
  });
});
