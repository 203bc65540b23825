import { describe, expect, test } from "bun:test";
import { encodeMessageId } from "../common/message_id.ts";
import type {
  ChaosHistory,
  NodeFinalState,
  ReaderEvent,
  SeenMessage,
  WriteRecord,
} from "./chaos_history.ts";
import { checkHistory } from "./history_check.ts";

const A = 1;
const B = 2;

function msg(nodeId: number, seq: number, sender = "w1", clientMsgId?: string): SeenMessage {
  return {
    id: encodeMessageId(nodeId, seq),
    sender,
    clientMsgId: clientMsgId ?? `${nodeId}-${seq}`,
  };
}

function write(nodeId: number, seq: number, clientMsgId = `${nodeId}-${seq}`): WriteRecord {
  return {
    sender: "w1",
    clientMsgId,
    chatId: 1,
    attempts: [{
      node: nodeId - 1,
      atMs: seq,
      outcome: "acked",
      messageId: encodeMessageId(nodeId, seq),
    }],
  };
}

/** A node holding A:1..2 and B:1, all visible, canonical order A1 B1 A2. */
function final(node: number, overrides: Partial<NodeFinalState> = {}): NodeFinalState {
  const messages = [msg(A, 1), msg(B, 1), msg(A, 2)].map((m) => ({
    messageId: m.id,
    nodeId: Number(BigInt(m.id) / 10n ** 12n),
    seq: Number(BigInt(m.id) % 10n ** 12n),
    sender: m.sender,
    clientMsgId: m.clientMsgId,
  }));
  return {
    node,
    nodeId: node + 1,
    vector: { "1": 2, "2": 1 },
    messages,
    rows: messages.map((m) => ({
      nodeId: m.nodeId,
      seq: m.seq,
      held: false,
      hidden: false,
      sender: m.sender,
      clientMsgId: m.clientMsgId,
    })),
    ...overrides,
  };
}

/** A reader that resumed once: since {} on node 0, live A:2, then since {1:2} on node 1. */
function cleanReaderEvents(): ReaderEvent[][] {
  return [
    [
      { t: "since", ref: "s1", vector: {} },
      {
        t: "reply",
        ref: "s1",
        messages: [msg(A, 1), msg(B, 1)],
        vector: { "1": 1, "2": 1 },
        more: false,
      },
      { t: "live", message: msg(A, 2) },
    ],
    [
      { t: "since", ref: "s2", vector: { "1": 2, "2": 1 } },
      { t: "reply", ref: "s2", messages: [], vector: { "1": 2, "2": 1 }, more: false },
    ],
  ];
}

function history(
  overrides: Partial<ChaosHistory> = {},
  events = cleanReaderEvents(),
  hello = true,
): ChaosHistory {
  return {
    seed: 1,
    nodeCount: 2,
    durationMs: 1000,
    writes: [write(A, 1), write(B, 1), write(A, 2)],
    readers: [{
      name: "r1",
      hello,
      connections: events.map((e, i) => ({ node: i, openedAtMs: i, events: e })),
    }],
    faults: [],
    diskFills: [],
    unexpectedExits: [],
    convergenceMs: 100,
    finals: [final(0), final(1)],
    ...overrides,
  };
}

describe("checkHistory()", () => {
  test("checkHistory() passes a clean history and counts its operations", () => {
    const verdict = checkHistory(history());
    expect(verdict.failures).toEqual([]);
    expect(verdict.ok).toBe(true);
    expect(verdict.store.acked).toBe(3);
    expect(verdict.readerTotals.received).toBe(3);
    expect(verdict.operations.readerConnections).toBe(2);
  });

  const storeCases: Array<[string, Partial<ChaosHistory>, string]> = [
    [
      "an acknowledged send missing on a node",
      { finals: [final(0), final(1, { messages: final(1).messages.slice(0, 2) })] },
      "acknowledged sends lost",
    ],
    [
      "an acked messageId past a node's vector",
      { finals: [final(0), final(1, { vector: { "1": 1, "2": 1 } })] },
      "acknowledged sends lost",
    ],
    [
      "a send visible twice on a node",
      {
        finals: [final(0), {
          ...final(1),
          messages: [...final(1).messages, { ...final(1).messages[0], messageId: "2000000000002" }],
        }],
      },
      "duplicates in a node's history",
    ],
    [
      "two nodes in a different order",
      { finals: [final(0), final(1, { messages: final(1).messages.toReversed() })] },
      "nodes in a different order",
    ],
    [
      "a gap in an origin's seqs",
      {
        finals: [
          final(0),
          final(1, { rows: final(1).rows!.filter((r) => r.seq !== 1 || r.nodeId !== A) }),
        ],
      },
      "per-origin seq gaps",
    ],
    [
      "a row still held",
      {
        finals: [
          final(0),
          final(1, { rows: final(1).rows!.map((r) => ({ ...r, held: r.nodeId === B })) }),
        ],
      },
      "per-origin seq gaps",
    ],
    ["no convergence", { convergenceMs: undefined }, "did not converge"],
    [
      "a node that exited on its own",
      { unexpectedExits: [{ node: 1, atMs: 5, code: 1, signal: null }] },
      "exited on its own",
    ],
  ];
  for (const [name, overrides, expected] of storeCases) {
    test(`checkHistory() fails on ${name}`, () => {
      const verdict = checkHistory(history(overrides));
      expect(verdict.ok).toBe(false);
      expect(verdict.failures.join("\n")).toContain(expected);
    });
  }

  test("checkHistory() accepts a hidden copy whose send stays visible, not an orphan one", () => {
    const hiddenCopy = {
      nodeId: B,
      seq: 2,
      held: false,
      hidden: true,
      sender: "w1",
      clientMsgId: "1-1",
    };
    const withCopy = final(0, {
      vector: { "1": 2, "2": 2 },
      rows: [...final(0).rows!, hiddenCopy],
    });
    const twin = final(1, { vector: { "1": 2, "2": 2 }, rows: [...final(1).rows!, hiddenCopy] });
    expect(checkHistory(history({ finals: [withCopy, twin] })).failures).toEqual([]);
    const orphan = { ...hiddenCopy, clientMsgId: "nobody" };
    const bad = final(1, { vector: { "1": 2, "2": 2 }, rows: [...final(1).rows!, orphan] });
    const verdict = checkHistory(history({ finals: [withCopy, bad] }));
    expect(verdict.failures.join("\n")).toContain("hidden copies with no visible send");
  });
});

describe("checkHistory() readers", () => {
  function readerVerdict(events: ReaderEvent[][], hello = true) {
    return checkHistory(history({}, events, hello));
  }

  test("checkHistory() counts a live delivery that the since vector covered", () => {
    const events = cleanReaderEvents();
    events[1].push({ t: "live", message: msg(A, 2) });
    const verdict = readerVerdict(events);
    expect(verdict.readerTotals.liveCovered).toBe(1);
    expect(verdict.failures.join("\n")).toContain("already covered");
  });

  test("checkHistory() allows a live frame that crossed the since request covering it", () => {
    const events = cleanReaderEvents();
    events[1].splice(1, 0, { t: "live", message: msg(A, 2) });
    const verdict = readerVerdict(events);
    expect(verdict.readerTotals.liveCovered).toBe(0);
    expect(verdict.readerTotals.resumeOverlap).toBe(1);
    expect(verdict.ok).toBe(true);
  });

  test("checkHistory() counts the same message live twice on one connection", () => {
    const events = cleanReaderEvents();
    events[0].push({ t: "live", message: msg(A, 2) });
    expect(readerVerdict(events).readerTotals.liveCovered).toBe(1);
  });

  test("checkHistory() counts a since reply that repeats what its request covered", () => {
    const events = cleanReaderEvents();
    events[1][1] = {
      t: "reply",
      ref: "s2",
      messages: [msg(A, 2)],
      vector: { "1": 2, "2": 1 },
      more: false,
    };
    const verdict = readerVerdict(events);
    expect(verdict.readerTotals.replyCovered).toBe(1);
    expect(verdict.ok).toBe(false);
  });

  test("checkHistory() allows a live frame before the reply that lists it, and a re-read after a cut page", () => {
    const overlap: ReaderEvent[][] = [[
      { t: "since", ref: "s1", vector: {} },
      { t: "live", message: msg(A, 2) },
      {
        t: "reply",
        ref: "s1",
        messages: [msg(A, 1), msg(B, 1), msg(A, 2)],
        vector: { "1": 2, "2": 1 },
        more: false,
      },
    ]];
    const verdict = readerVerdict(overlap);
    expect(verdict.readerTotals.resumeOverlap).toBe(1);
    expect(verdict.ok).toBe(true);
    const reRead: ReaderEvent[][] = [
      [
        { t: "since", ref: "s1", vector: {} },
        { t: "reply", ref: "s1", messages: [msg(A, 1)], vector: { "1": 1 }, more: true },
        { t: "live", message: msg(A, 2) },
      ],
      [
        { t: "since", ref: "s2", vector: { "1": 1 } },
        {
          t: "reply",
          ref: "s2",
          messages: [msg(B, 1), msg(A, 2)],
          vector: { "1": 2, "2": 1 },
          more: false,
        },
      ],
    ];
    const second = readerVerdict(reRead);
    expect(second.readerTotals.reRead).toBe(1);
    expect(second.ok).toBe(true);
  });

  test("checkHistory() counts a message the reader never received", () => {
    const events = cleanReaderEvents();
    events[0].pop();
    const verdict = readerVerdict(events);
    expect(verdict.readerTotals.missed).toBe(1);
    expect(verdict.failures.join("\n")).toContain("never received");
  });

  /** The reader got w1's send 1-1 as A:1 and, on its second connection, again as B:2. */
  function shownTwice(): ReaderEvent[][] {
    const events = cleanReaderEvents();
    events[1].push({
      t: "live",
      message: { id: encodeMessageId(B, 2), sender: "w1", clientMsgId: "1-1" },
    });
    return events;
  }
  const retraction: ReaderEvent = {
    t: "updated",
    id: encodeMessageId(B, 2),
    duplicateOf: encodeMessageId(A, 1),
  };

  test("checkHistory() fails on a send a hello reader saw under two messageIds, unretracted", () => {
    const verdict = readerVerdict(shownTwice());
    expect(verdict.readerTotals.unretractedSendDuplicates).toBe(1);
    expect(verdict.ok).toBe(false);
    expect(verdict.failures.join("\n")).toContain("saw twice, unretracted");
    // A messageUpdated without duplicateOf (an edit) retracts nothing.
    const edited = shownTwice();
    edited[1].push({ t: "updated", id: encodeMessageId(B, 2) });
    expect(readerVerdict(edited).readerTotals.unretractedSendDuplicates).toBe(1);
  });

  test("checkHistory() does not count a copy retracted by duplicateOf, on any connection", () => {
    const after = shownTwice();
    after[1].push(retraction);
    const before = shownTwice();
    before[0].push(retraction); // heard on the first connection, before the copy came
    for (const events of [after, before]) {
      const verdict = readerVerdict(events);
      expect(verdict.readerTotals.unretractedSendDuplicates).toBe(0);
      expect(verdict.failures).toEqual([]);
    }
  });

  test("checkHistory() counts an original-style reader's twice-shown send apart, allowed", () => {
    const verdict = readerVerdict(shownTwice(), false);
    expect(verdict.readerTotals.unretractedSendDuplicates).toBe(0);
    expect(verdict.readerTotals.originalShownTwice).toBe(1);
    expect(verdict.failures).toEqual([]);
  });
});

describe("checkHistory() disk fills", () => {
  const fill = {
    fault: 3,
    node: 1,
    filledAtMs: 10,
    freedAtMs: 20,
    refusals: { storage_full: 2 } as Record<string, number>,
    ackedWhileFull: [],
    recoveredAfterMs: 50,
    exitedWhileFull: false,
  };

  test("checkHistory() passes a fill that refused writes and recovered", () => {
    const verdict = checkHistory(history({ diskFills: [fill] }));
    expect(verdict.ok).toBe(true);
    expect(verdict.disk).toEqual({ fills: 1, refusals: { storage_full: 2 }, recovered: 1 });
  });

  const bad: Array<[string, Partial<typeof fill> & { recoveredAfterMs?: number }, string]> = [
    ["no storage refusal", { refusals: { rate_limited: 1 } }, "no write was refused"],
    ["no recovery", { recoveredAfterMs: undefined }, "no write was acknowledged after"],
    ["an exit while full", { exitedWhileFull: true }, "exited while its disk was full"],
  ];
  for (const [name, change, expected] of bad) {
    test(`checkHistory() fails a fill with ${name}`, () => {
      const verdict = checkHistory(history({ diskFills: [{ ...fill, ...change }] }));
      expect(verdict.failures.join("\n")).toContain(expected);
    });
  }
});
