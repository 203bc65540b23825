import { expect, test } from "bun:test";
import type { LogFields, Logger } from "../../common/logger.ts";
import { RefusalTally } from "./refusal_tally.ts";

function recordingLogger(lines: Array<{ event: string; fields?: LogFields }>): Logger {
  const record = (event: string, fields?: LogFields) => lines.push({ event, fields });
  return { debug: record, info: record, warn: record, error: record };
}

test("RefusalTally logs the first refusal at once, then one line per period with counts", () => {
  let now = 0;
  const lines: Array<{ event: string; fields?: LogFields }> = [];
  const tally = new RefusalTally({
    log: recordingLogger(lines),
    event: "peer messages refused",
    fields: () => ({ peer: 7 }),
    periodMs: 10_000,
    clock: { nowMs: () => now },
  });
  tally.add("clock_ahead", { aheadMs: 5 });
  expect(lines).toEqual([{
    event: "peer messages refused",
    fields: { peer: 7, clock_ahead: 1, aheadMs: 5 },
  }]);
  for (let i = 0; i < 500; i++) {
    now += 10;
    tally.add(i % 2 ? "own_seq" : "clock_ahead", { at: i });
  }
  expect(lines.length).toBe(1);
  now = 10_000;
  tally.add("clock_ahead", { at: 500 });
  expect(lines.length).toBe(2);
  expect(lines[1].fields).toEqual({ peer: 7, clock_ahead: 251, own_seq: 250, at: 500 });
  tally.add("own_seq");
  tally.flush();
  expect(lines[2].fields).toEqual({ peer: 7, own_seq: 1 });
  tally.flush();
  expect(lines.length).toBe(3);
});
