import { describe, expect, test } from "bun:test";
import { ContiguityTracker } from "../../common/contiguity_tracker.ts";
import { encodeMessageId } from "../../common/message_id.ts";
import { testMessage } from "../../common/testing/message_fixture.ts";
import { parsePeerFrame, PeerFrameType } from "../../common/peer_protocol.ts";
import type { ChatMessage } from "../../common/protocol.ts";
import { encodeVector } from "../../common/version_vector.ts";
import { type AntiEntropyNode, AntiEntropySession } from "./anti_entropy.ts";
import { CatchUpBaton } from "./catch_up_baton.ts";
import { waitUntil } from "../../common/testing/wait_until.ts";
import { NOTHING_REFUSED } from "../core/remote_screen.ts";

const message = (nodeId: number, seq: number): ChatMessage =>
  testMessage(nodeId, seq, {
    chatId: 1,
    text: `t${seq}`,
    dateTime: "2026-11-25T10:00:00.000Z",
    lc: seq,
  });

/** A memory node whose stores take a while, counting how many overlap. */
function memoryNode(storeDelayMs: number) {
  const held = new Map<string, ChatMessage>();
  const tracker = new ContiguityTracker();
  const stats = { concurrentStores: 0, maxConcurrentStores: 0 };
  const node: AntiEntropyNode = {
    vector: () => encodeVector(tracker.vector()),
    readAfter(origin, afterSeq, limit) {
      const out: ChatMessage[] = [];
      for (let s = afterSeq + 1; s <= tracker.mark(origin) && out.length < limit; s++) {
        out.push(held.get(encodeMessageId(origin, s))!);
      }
      return out;
    },
    async acceptRemote(messages) {
      stats.concurrentStores++;
      stats.maxConcurrentStores = Math.max(stats.maxConcurrentStores, stats.concurrentStores);
      await new Promise((resolve) => setTimeout(resolve, storeDelayMs));
      for (const m of messages) {
        held.set(m.messageId, m);
        tracker.add(m.nodeId, m.seq);
      }
      stats.concurrentStores--;
      return NOTHING_REFUSED;
    },
  };
  return { node, tracker, held, stats };
}

/** A source node holding seq 1..count of origin 7. */
function seededNode(count: number) {
  const source = memoryNode(0);
  for (let s = 1; s <= count; s++) source.held.set(encodeMessageId(7, s), message(7, s));
  for (let s = 1; s <= count; s++) source.tracker.add(7, s);
  return source;
}

/** A link between a sink session and a server session on source, counting what it served. */
function link(sink: AntiEntropyNode, source: AntiEntropyNode, baton: CatchUpBaton) {
  const stats = { served: 0, caughtUp: 0, cut: false };
  const server = new AntiEntropySession({
    node: source,
    send: (text) => {
      setTimeout(() => {
        const frame = parsePeerFrame(text);
        if (stats.cut || !frame.ok || frame.value.type !== PeerFrameType.syncReply) return;
        stats.served += frame.value.payload.messages.length;
        void client.handleReply(frame.value.payload);
      }, 1);
    },
  });
  const client: AntiEntropySession = new AntiEntropySession({
    node: sink,
    baton,
    send: (text) => {
      setTimeout(() => {
        const frame = parsePeerFrame(text);
        if (stats.cut || !frame.ok || frame.value.type !== PeerFrameType.syncRequest) return;
        server.handleRequest(frame.value.payload);
      }, 1);
    },
    onCaughtUp: (count) => stats.caughtUp += count,
  });
  return { client, stats };
}

describe("AntiEntropySession", () => {
  test("AntiEntropySession chains pages with one request in flight and one page storing", async () => {
    const source = memoryNode(0);
    for (let s = 1; s <= 5000; s++) source.held.set(encodeMessageId(7, s), message(7, s));
    for (let s = 1; s <= 5000; s++) source.tracker.add(7, s);
    for (let s = 1; s <= 300; s++) source.held.set(encodeMessageId(8, s), message(8, s));
    for (let s = 1; s <= 300; s++) source.tracker.add(8, s);
    const sink = memoryNode(3);
    let inFlight = 0;
    let maxInFlight = 0;
    let caughtUp = 0;
    const server = new AntiEntropySession({
      node: source.node,
      send: (text) => {
        inFlight--;
        setTimeout(() => {
          const frame = parsePeerFrame(text);
          if (frame.ok && frame.value.type === PeerFrameType.syncReply) {
            void client.handleReply(frame.value.payload);
          }
        }, 1);
      },
    });
    const client: AntiEntropySession = new AntiEntropySession({
      node: sink.node,
      send: (text) => {
        inFlight++;
        maxInFlight = Math.max(maxInFlight, inFlight);
        setTimeout(() => {
          const frame = parsePeerFrame(text);
          if (frame.ok && frame.value.type === PeerFrameType.syncRequest) {
            server.handleRequest(frame.value.payload);
          }
        }, 1);
      },
      onCaughtUp: (count) => caughtUp = count,
    });
    client.request();
    await waitUntil(() => caughtUp > 0, { deadlineMs: 20_000, pollMs: 5 });
    expect(caughtUp).toBe(5300);
    expect(sink.tracker.mark(7)).toBe(5000);
    expect(sink.tracker.mark(8)).toBe(300);
    expect(maxInFlight).toBe(1);
    expect(sink.stats.maxConcurrentStores).toBe(1);
    expect(client.busy).toBe(false);
  });

  test("AntiEntropySession sessions sharing a baton fetch a backlog from one peer, not both", async () => {
    const sink = memoryNode(1);
    const baton = new CatchUpBaton();
    const one = link(sink.node, seededNode(5000).node, baton);
    const two = link(sink.node, seededNode(5000).node, baton);
    baton.onReleasedAfterContention(() => {
      one.client.request();
      two.client.request();
    });
    one.client.request();
    two.client.request();
    await waitUntil(() => sink.tracker.mark(7) === 5000 && !one.client.busy && !two.client.busy);
    const served = one.stats.served + two.stats.served;
    // Without the baton each peer serves all 5000; with it the second stops after its first page.
    expect(served).toBeLessThan(6000);
    expect(Math.min(one.stats.served, two.stats.served)).toBeLessThan(1000);
  });

  test("AntiEntropySession tells both nodes of every page with more to come, not of the last", async () => {
    const sink = memoryNode(1);
    const source = seededNode(5000);
    const notes = { sink: 0, source: 0 };
    sink.node.noteCatchUp = () => notes.sink++;
    source.node.noteCatchUp = () => notes.source++;
    const one = link(sink.node, source.node, new CatchUpBaton());
    one.client.request();
    await waitUntil(() => sink.tracker.mark(7) === 5000 && !one.client.busy);
    const pages = notes.source + 1; // every page served but the last said `more`
    expect(pages).toBeGreaterThan(2);
    expect(notes.sink).toBe(pages - 1);
    // A round with nothing more to fetch is no catch-up.
    one.client.request();
    await waitUntil(() => !one.client.busy);
    expect(notes).toEqual({ sink: pages - 1, source: pages - 1 });
  });
});

describe("AntiEntropySession hand-over and bad replies", () => {
  test("AntiEntropySession hands the rest of a catch-up to another peer when the holder's link closes", async () => {
    const sink = memoryNode(1);
    const baton = new CatchUpBaton();
    const one = link(sink.node, seededNode(5000).node, baton);
    const two = link(sink.node, seededNode(5000).node, baton);
    baton.onReleasedAfterContention(() => two.client.request());
    one.client.request();
    await waitUntil(() => sink.tracker.mark(7) > 0);
    one.stats.cut = true; // the link stalls mid-chain: one holds the baton, nothing more comes
    expect(baton.heldBy(one.client)).toBe(true);
    two.client.request(); // yields after its first page: one holds the baton
    await waitUntil(() => two.stats.served > 0 && !two.client.busy);
    expect(sink.tracker.mark(7)).toBeLessThan(5000);
    one.client.close();
    await waitUntil(() => sink.tracker.mark(7) === 5000);
    expect(two.stats.served).toBeGreaterThan(0);
  });

  test("AntiEntropySession ignores a reply to a request it is not waiting for", async () => {
    const sink = memoryNode(0);
    const session = new AntiEntropySession({ node: sink.node, send: () => {} });
    await session.handleReply({ requestId: 99, messages: [message(1, 1)], more: false });
    expect(sink.tracker.mark(1)).toBe(0);
  });

  test("AntiEntropySession takes packed pages spanning frames, one store per page", async () => {
    const source = seededNode(20_000);
    const sink = memoryNode(1);
    const stores: number[] = [];
    const accept = sink.node.acceptRemote;
    sink.node.acceptRemote = (messages) => {
      stores.push(messages.length);
      return accept(messages);
    };
    const frames = { replies: 0, packed: 0 };
    let caughtUp = 0;
    const server = new AntiEntropySession({
      node: source.node,
      send: (text) => {
        frames.replies++;
        if (text.includes('"runs":')) frames.packed++;
        setTimeout(() => {
          const frame = parsePeerFrame(text);
          if (frame.ok && frame.value.type === PeerFrameType.syncReply) {
            void client.handleReplyPart(frame.value.payload);
          }
        }, 1);
      },
    });
    const client: AntiEntropySession = new AntiEntropySession({
      node: sink.node,
      packedPageBytes: 256 * 1024,
      send: (text) => {
        setTimeout(() => {
          const frame = parsePeerFrame(text);
          if (frame.ok && frame.value.type === PeerFrameType.syncRequest) {
            expect(frame.value.payload).toMatchObject({ packed: 1, pageBytes: 256 * 1024 });
            server.handleRequest(frame.value.payload);
          }
        }, 1);
      },
      onCaughtUp: (count) => caughtUp = count,
    });
    client.request();
    await waitUntil(() => caughtUp > 0, { deadlineMs: 20_000, pollMs: 5 });
    expect(sink.tracker.mark(7)).toBe(20_000);
    expect(frames.packed).toBe(frames.replies);
    // Pages of ~256 KiB (several frames each): a few stores, not one per 60 KiB frame.
    expect(stores.length).toBeLessThan(frames.replies / 2);
    expect(stores.reduce((a, b) => a + b, 0)).toBe(20_000);
  });
});

describe("AntiEntropySession page bounds", () => {
  test("AntiEntropySession drops page frames of another request, and a page past its bounds", async () => {
    const sink = memoryNode(0);
    const sent: string[] = [];
    const session = new AntiEntropySession({ node: sink.node, send: (t) => sent.push(t) });
    session.request();
    const request = parsePeerFrame(sent[0]);
    if (!request.ok || request.value.type !== PeerFrameType.syncRequest) {
      throw new Error("no request");
    }
    const requestId = request.value.payload.requestId;
    await session.handleReplyPart({
      requestId: requestId + 1,
      messages: [message(1, 1)],
      more: false,
      last: false,
    });
    await session.handleReplyPart({
      requestId: requestId + 1,
      messages: [message(1, 2)],
      more: false,
    });
    expect(sink.tracker.mark(1)).toBe(0);
    for (let part = 0; part < 70; part++) {
      await session.handleReplyPart({
        requestId,
        messages: [message(1, part + 1)],
        more: false,
        last: false,
      });
    }
    await session.handleReplyPart({ requestId, messages: [], more: false });
    expect(sink.tracker.mark(1)).toBe(0); // 70 frames: past the bound, the page was dropped
    expect(session.busy).toBe(false); // and its request abandoned: the next round asks again
  });
});

describe("AntiEntropySession skips", () => {
  test("AntiEntropySession skips an origin the node refused, until its message would pass", () => {
    let now = 1_000_000;
    const requests: Array<{ skip?: number[] }> = [];
    const session = new AntiEntropySession({
      node: memoryNode(0).node,
      clock: { nowMs: () => now },
      send: (text) => {
        const frame = parsePeerFrame(text);
        if (frame.ok && frame.value.type === PeerFrameType.syncRequest) {
          requests.push(frame.value.payload);
        }
      },
    });
    session.noteRefused({
      refused: [
        { nodeId: 7, seq: 3, reason: "clock_ahead", waitMs: 5_000 },
        { nodeId: 8, seq: 1, reason: "clock_ahead", waitMs: 10 * 365 * 86_400_000 },
        { nodeId: 9, seq: 4, reason: "own_seq" },
      ],
    });
    expect([7, 8, 9, 10].map((origin) => session.isDeferred(origin))).toEqual([
      true,
      true,
      true,
      false,
    ]);
    session.request();
    expect(requests[0].skip).toEqual([7, 8, 9]);
    now += 5_000; // origin 7's message passes now
    expect([7, 8, 9].map((origin) => session.isDeferred(origin))).toEqual([false, true, true]);
    now += 55_000; // a year-long wait is capped: asked again within a minute
    expect([8, 9].map((origin) => session.isDeferred(origin))).toEqual([false, false]);
    session.close();
  });

  test("AntiEntropySession serves a request without the origins it asks to skip", () => {
    const source = seededNode(3);
    const replies: Array<{ messages: { nodeId: number }[]; more: boolean }> = [];
    const server = new AntiEntropySession({
      node: source.node,
      send: (text) => {
        const frame = parsePeerFrame(text);
        if (frame.ok && frame.value.type === PeerFrameType.syncReply) {
          replies.push(frame.value.payload);
        }
      },
    });
    server.handleRequest({ requestId: 1, vector: {}, skip: [7] });
    server.handleRequest({ requestId: 2, vector: {} });
    expect(replies.map((r) => r.messages.length)).toEqual([0, 3]);
  });

  test("AntiEntropySession caps the origin its ownCap names, and only that one", () => {
    const source = seededNode(3);
    const replies: Array<{ messages: { nodeId: number; seq: number }[]; more: boolean }> = [];
    let cap: { origin: number; seq: number } | undefined = { origin: 7, seq: 1 };
    const server = new AntiEntropySession({
      node: source.node,
      ownCap: () => cap,
      send: (text) => {
        const frame = parsePeerFrame(text);
        if (frame.ok && frame.value.type === PeerFrameType.syncReply) {
          replies.push(frame.value.payload);
        }
      },
    });
    server.handleRequest({ requestId: 1, vector: {} });
    cap = { origin: 5, seq: 0 }; // another origin: nothing of 7 is held back
    server.handleRequest({ requestId: 2, vector: {} });
    cap = undefined;
    server.handleRequest({ requestId: 3, vector: {} });
    expect(replies.map((r) => r.messages.map((m) => `${m.nodeId}:${m.seq}`))).toEqual([
      ["7:1"],
      ["7:1", "7:2", "7:3"],
      ["7:1", "7:2", "7:3"],
    ]);
    expect(replies.map((r) => r.more)).toEqual([false, false, false]);
  });
});
