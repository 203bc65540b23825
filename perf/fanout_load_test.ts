/**
 * The generator's own checks, against a small WebSocket relay whose faults are
 * chosen by the test (the real node is loaded in perf_smoke_test.ts): a lost
 * message, a duplicated one and a two-message frame must each be reported,
 * never hidden, so the smoke run really fails on loss or duplicates.
 */

import { afterEach, describe, expect, test } from "bun:test";
import { runFanout } from "./fanout_load.ts";
import { parseMessageTag } from "./message_tag.ts";

interface Faults {
  drop?: number;
  duplicate?: number;
  pair?: number;
  /** Closes the sending connection with 1008 at this message index. */
  closeAt?: number;
}

const servers: { stop(force: boolean): void }[] = [];
afterEach(() => {
  for (const server of servers.splice(0)) server.stop(true);
});

/** Relays every newMessageFromClient to every connection, acking clientMsgId, with faults. */
function relay(faults: Faults = {}) {
  let seq = 0;
  let held: unknown;
  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    fetch(request, srv) {
      if (srv.upgrade(request)) return;
      return new Response("upgrade only", { status: 400 });
    },
    websocket: {
      open(ws) {
        ws.subscribe("all");
      },
      message(ws, raw) {
        const frame = JSON.parse(String(raw));
        if (frame.type === "subscribe") {
          ws.unsubscribe("all");
          return;
        }
        if (frame.type !== "newMessageFromClient") return;
        const { text, sender, chatId, clientMsgId } = frame.payload;
        const index = parseMessageTag(text)!.index;
        if (index === faults.closeAt) {
          ws.close(1008, "rate limit exceeded");
          return;
        }
        seq++;
        const message = {
          messageId: String(1e12 + seq),
          nodeId: 1,
          seq,
          chatId,
          text,
          sender,
          dateTime: new Date().toISOString(),
          lc: 0,
          ...(clientMsgId ? { clientMsgId } : {}),
        };
        if (clientMsgId) {
          ws.send(JSON.stringify({
            type: "clientMessageResponse",
            payload: { clientMsgId, messageId: message.messageId },
          }));
        }
        if (index === faults.drop) return;
        if (index === faults.pair) {
          held = message;
          return;
        }
        const payload = held !== undefined && index === faults.pair! + 1
          ? [held, message]
          : [message];
        const out = JSON.stringify({ type: "newMessagesForClient", payload, source: 1 });
        server.publish("all", out);
        if (index === faults.duplicate) server.publish("all", out);
      },
    },
  });
  servers.push(server);
  return `ws://127.0.0.1:${server.port}/`;
}

describe("runFanout()", () => {
  test("counts every message exactly once per receiver on a faithful relay", async () => {
    const url = relay();
    const result = await runFanout({
      pusherUrls: [url, url],
      receiverUrls: [url, url, url],
      messages: 2_000,
      windowPerPusher: 50,
      settleMs: 50,
    });
    expect(result.complete).toBe(true);
    expect([result.deliveries, result.duplicates, result.missing]).toEqual([6_000, 0, 0]);
    expect(result.acks).toBe(2_000);
    expect(result.latency.count).toBe(6_000);
  });

  test("reports a lost message, a duplicate and a two-message frame", async () => {
    const url = relay({ drop: 3, duplicate: 7, pair: 11 });
    const result = await runFanout({
      pusherUrls: [url],
      receiverUrls: [url, url],
      messages: 50,
      timeoutMs: 3_000,
      settleMs: 50,
    });
    expect(result.complete).toBe(false);
    expect(result.timedOut).toBe(true);
    expect(result.missing).toBe(2);
    expect(result.duplicates).toBe(2);
    expect(result.badFrames).toBe(2);
    expect(result.deliveries).toBe(2 * 49);
  });

  test("a pusher the node closes ends the run at once, reported", async () => {
    const url = relay({ closeAt: 40 });
    const result = await runFanout({
      pusherUrls: [url],
      receiverUrls: [url],
      messages: 1_000,
      timeoutMs: 60_000,
      settleMs: 0,
    });
    expect(result.complete).toBe(false);
    // Ended by the close, not by the deadline.
    expect(result.timedOut).toBe(false);
    expect(result.closedEarly).toEqual({ "pusher 1008": 1 });
    expect(result.deliveries).toBe(40);
  });

  test("with pushers listening (the original's shape) they are checked too", async () => {
    const url = relay();
    const result = await runFanout({
      pusherUrls: [url, url, url],
      receiverUrls: [url],
      messages: 300,
      ackEvery: 0,
      pushersListen: true,
      settleMs: 50,
    });
    expect(result.complete).toBe(true);
    expect(result.receivers).toBe(4);
    expect(result.deliveries).toBe(1_200);
    expect(result.acks).toBe(0);
  });

  test("seeds without receivers, ending on the last acknowledgement", async () => {
    const url = relay();
    const result = await runFanout({
      pusherUrls: [url, url],
      receiverUrls: [],
      messages: 1_001,
      ackEvery: 100,
      settleMs: 0,
    });
    expect(result.complete).toBe(true);
    // 501 and 500 messages: every 100th is acknowledged, and each pusher's last
    // (501, its own ack; 500, already a checkpoint).
    expect(result.acks).toBe(6 + 5);
  });

  test("at a fixed rate, sends are scheduled, not bunched", async () => {
    const url = relay();
    const result = await runFanout({
      pusherUrls: [url],
      receiverUrls: [url],
      messages: 100,
      ratePerSecond: 500,
      settleMs: 0,
    });
    expect(result.complete).toBe(true);
    // 100 messages at 500/s: the last is scheduled 198 ms after the first.
    expect(result.sendSeconds).toBeGreaterThanOrEqual(0.19);
  });

  test("rejects impossible options", async () => {
    await expect(runFanout({ pusherUrls: [], receiverUrls: ["ws://x/"], messages: 1 }))
      .rejects.toThrow(RangeError);
    await expect(runFanout({ pusherUrls: ["ws://x/"], receiverUrls: [], messages: 0 }))
      .rejects.toThrow(RangeError);
  });
});
