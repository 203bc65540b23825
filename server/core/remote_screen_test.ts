import { expect, test } from "bun:test";
import { testMessage } from "../../common/testing/message_fixture.ts";
import type { ChatMessage } from "../../common/protocol.ts";
import { NOTHING_REFUSED, screenRemote } from "./remote_screen.ts";

const NOW = Date.UTC(2026, 5, 1, 12, 0, 0);

function at(nodeId: number, seq: number, offsetMs: number): ChatMessage {
  return testMessage(nodeId, seq, { dateTime: new Date(NOW + offsetMs).toISOString() });
}

const rules = { nodeId: 5, nextSeq: 3, wallClockMs: NOW, maxAheadMs: 60_000 };

test("screenRemote() takes what is at most 60 s ahead, and this node's own seqs below its next", () => {
  const batch = [at(7, 1, -3_600_000), at(7, 2, 60_000), at(5, 2, 0), at(8, 1, 30_000)];
  const { accepted, outcome } = screenRemote(batch, rules);
  expect(accepted).toEqual(batch);
  expect(outcome).toBe(NOTHING_REFUSED);
});

test("screenRemote() refuses a message ahead of the clock, saying how long until it passes", () => {
  const { accepted, outcome } = screenRemote(
    [at(7, 1, 0), at(7, 2, 60_001), at(7, 3, 90_000)],
    rules,
  );
  expect(accepted.map((m) => m.seq)).toEqual([1]);
  expect(outcome.refused).toEqual([
    { nodeId: 7, seq: 2, reason: "clock_ahead", waitMs: 1 },
    { nodeId: 7, seq: 3, reason: "clock_ahead", waitMs: 30_000 },
  ]);
  const year2999 = { ...at(7, 4, 0), dateTime: "2999-01-01T00:00:00.000Z" };
  expect(screenRemote([year2999], rules).outcome.refused[0].reason).toBe("clock_ahead");
});

test("screenRemote() refuses this node's own id at or past its next seq, and malformed ones", () => {
  const malformed = { ...at(7, 1, 0), lc: -1 };
  const { accepted, outcome } = screenRemote([at(5, 3, 0), at(5, 99, 0), malformed], rules);
  expect(accepted).toEqual([]);
  expect(outcome.refused.map((r) => [r.nodeId, r.seq, r.reason])).toEqual([
    [5, 3, "own_seq"],
    [5, 99, "own_seq"],
    [7, 1, "malformed"],
  ]);
});
