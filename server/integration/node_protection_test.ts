/**
 * Bad input, floods and slow readers against real node processes: each class of
 * bad frame gets its error and the connection stays open, a frame over 64 KiB
 * closes with 1009, a flood closes with 1008, a reader that stops reading is
 * dropped while the others get every message; other clients never notice.
 */
import { describe, expect, setDefaultTimeout, test } from "bun:test";
import { spawnNode } from "../testing/spawn_node.ts";
import { useTestNode } from "../testing/node_fixture.ts";
import { openStalledConnection } from "../testing/raw_client_upgrade.ts";
import { readMetric } from "../testing/node_metrics.ts";
import { isMessageFrame, type ReceivedFrame } from "../testing/ws_test_client.ts";
import { waitUntil } from "../../common/testing/wait_until.ts";

// Real node processes on a shared, loaded machine: generous deadlines (hooks too).
setDefaultTimeout(60_000);

const fixture = useTestNode();
const client = fixture.client;

const isError = (code: string, ref?: string) => (frame: ReceivedFrame) =>
  frame.type === "error" && (frame.payload as { code: string }).code === code &&
  (ref === undefined || frame.ref === ref);

describe("protection", () => {
  test("every bad-input class gets its error frame; the connection and the others stay open", async () => {
    const [bad, bystander] = [await client(), await client()];
    const cases: Array<[string | Uint8Array, string, string?]> = [
      ["{not json", "bad_json"],
      ["[1,2,3]", "bad_frame"],
      ['"just a string"', "bad_frame"],
      [new Uint8Array([1, 2, 3]), "bad_frame"],
      [JSON.stringify({ payload: {} }), "bad_frame"],
      [JSON.stringify({ type: "noSuchType", payload: {}, ref: "u" }), "unknown_type", "u"],
      [
        JSON.stringify({
          type: "newMessageFromClient",
          payload: { text: "", sender: "a", chatId: 11 },
          ref: "e",
        }),
        "bad_frame",
        "e",
      ],
      [
        JSON.stringify({
          type: "newMessageFromClient",
          payload: { text: "x".repeat(4001), sender: "a", chatId: 11 },
        }),
        "bad_frame",
      ],
      [
        JSON.stringify({
          type: "newMessageFromClient",
          payload: { text: "t", sender: "a", chatId: -1 },
        }),
        "bad_frame",
      ],
      [
        JSON.stringify({ type: "newMessageFromClient", payload: { text: 5, sender: "a" } }),
        "bad_frame",
      ],
      [JSON.stringify({ type: "clientSyncRequest", payload: { limit: 5000 } }), "bad_frame"],
      [JSON.stringify({ type: "subscribe", payload: { chatIds: ["x"] } }), "bad_frame"],
      [JSON.stringify({ type: "hello", payload: { name: "n".repeat(65) } }), "bad_frame"],
      [JSON.stringify({ type: "createChat", payload: {} }), "bad_frame"],
    ];
    for (const [data, code, ref] of cases) {
      bad.sendRaw(data);
      const error = await bad.next(isError(code));
      expect(typeof (error.payload as { message: string }).message).toBe("string");
      if (ref) expect(error.ref).toBe(ref);
      expect(error.source).toBe(fixture.node.nodeId);
    }
    bad.send({
      type: "newMessageFromClient",
      payload: { text: "still alive", sender: "bad", chatId: 11 },
    });
    await bad.next(isMessageFrame("still alive"));
    await bystander.next(isMessageFrame("still alive"));
    expect(bystander.frames.every((f) => f.type === "newMessagesForClient")).toBe(true);
  });

  test("a frame over 64 KiB closes that connection with 1009, nobody else's", async () => {
    const [big, bystander] = [await client(), await client()];
    big.sendRaw(JSON.stringify({ type: "listChats", payload: { pad: "x".repeat(70 * 1024) } }));
    expect((await big.closed).code).toBe(1009);
    bystander.send({ type: "listChats", payload: {}, ref: "ok" });
    const list = await bystander.next((f) => f.type === "chatList");
    expect(list.ref).toBe("ok");
  });

  test("a client flooding past --rate-limit gets rate_limited, then is closed with 1008", async () => {
    const limited = await spawnNode({ extraArgs: ["--rate-limit", "5"] });
    try {
      const [flooder, calm] = [await client(limited.wsUrl), await client(limited.wsUrl)];
      for (let i = 0; i < 400; i++) flooder.send({ type: "listChats", payload: {}, ref: `f${i}` });
      const refused = await flooder.next(isError("rate_limited"));
      // The error echoes the ref of the frame it refused, as every error does.
      expect(refused.ref).toMatch(/^f[0-9]+$/);
      expect((await flooder.closed).code).toBe(1008);
      calm.send({ type: "listChats", payload: {}, ref: "calm" });
      expect((await calm.next((f) => f.type === "chatList")).ref).toBe("calm");
    } finally {
      await limited.stop();
    }
  });

  test("the default limit accepts 1,000 frames a second with a 10,000 burst", async () => {
    const honest = await client();
    for (let i = 0; i < 5000; i++) honest.send({ type: "presence", payload: {} });
    await waitUntil(() => honest.frames.filter((f) => f.type === "presenceList").length === 5000);
    expect(honest.frames.some(isError("rate_limited"))).toBe(false);
  });

  test("--idle-timeout: a client that answers no ping is closed; a live idle one stays", async () => {
    const idle = await spawnNode({ extraArgs: ["--idle-timeout", "2"] });
    const silent = await openStalledConnection(idle.port);
    try {
      const alive = await client(idle.wsUrl);
      const clientsOpen = async () =>
        (await (await fetch(`${idle.url}/healthz`)).json()).clients as number;
      expect(await clientsOpen()).toBe(2);
      const started = Date.now();
      await waitUntil(async () => (await clientsOpen()) === 1, { deadlineMs: 20_000, pollMs: 100 });
      expect(Date.now() - started).toBeGreaterThanOrEqual(1500);
      alive.send({ type: "listChats", payload: {}, ref: "still" });
      expect((await alive.next((f) => f.type === "chatList")).ref).toBe("still");
      expect(alive.ws.readyState).toBe(WebSocket.OPEN);
    } finally {
      silent.destroy();
      await idle.stop();
    }
  });

  test("a reader that stops reading is dropped; the others get every message", async () => {
    const [sender, reader] = [await client(), await client()];
    const openClients = async () =>
      (await (await fetch(`${fixture.node.url}/healthz`)).json()).clients as number;
    const baseline = await openClients();
    const slow = await openStalledConnection(fixture.node.port);
    try {
      const before = await readMetric(fixture.node.url, "dsatter_clients_dropped_total");
      const dropped = async () =>
        (await readMetric(fixture.node.url, "dsatter_clients_dropped_total")) > before;
      // Paced: the live reader keeps up (a window of 100 frames, ~400 KB), the stalled one
      // cannot, until its buffer passes the limit (4 MiB plus what the kernel holds).
      const text = "y".repeat(3900);
      let sent = 0;
      while (!(await dropped())) {
        expect(sent).toBeLessThan(40_000);
        for (let i = 0; i < 100; i++, sent++) {
          sender.send({
            type: "newMessageFromClient",
            payload: { text, sender: "flood", chatId: 11 },
          });
        }
        await waitUntil(
          () => reader.frames.filter(isMessageFrame(text)).length === sent,
          { deadlineMs: 30_000, pollMs: 5 },
        );
      }
      expect(reader.ws.readyState).toBe(WebSocket.OPEN);
      expect(reader.frames.filter(isMessageFrame(text)).length).toBe(sent);
      // The dropped connection is really gone (not lingering in its close handshake).
      await waitUntil(async () => (await openClients()) === baseline, {
        deadlineMs: 20_000,
        pollMs: 100,
      });
    } finally {
      slow.destroy();
    }
  }, 120_000);
});
