import { describe, expect, test } from "bun:test";
import { epochNowMs, formatMessageTag, newRunId, parseMessageTag } from "./message_tag.ts";

describe("formatMessageTag() / parseMessageTag()", () => {
  test("round-trip to the microsecond", () => {
    const tag = { runId: newRunId(), index: 199_999, sentAtMs: 1764064000123.456 };
    expect(parseMessageTag(formatMessageTag(tag))).toEqual(tag);
  });

  test("a live send time survives within a microsecond", () => {
    const sentAtMs = epochNowMs();
    const parsed = parseMessageTag(formatMessageTag({ runId: "r1", index: 0, sentAtMs }));
    expect(Math.abs(parsed!.sentAtMs - sentAtMs)).toBeLessThan(0.001);
  });

  test("other texts are not perf messages", () => {
    for (
      const text of [
        "hello",
        "perf",
        "perf r1",
        "perf r1 2",
        "perf r1 x 3",
        "perf r1 -1 3",
        "perf  1 2",
      ]
    ) {
      expect(parseMessageTag(text)).toBeUndefined();
    }
  });

  test("run ids differ", () => {
    expect(newRunId()).not.toBe(newRunId());
  });
});
