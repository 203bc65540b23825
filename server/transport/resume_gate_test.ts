import { describe, expect, test } from "bun:test";
import { ResumeGate } from "./resume_gate.ts";

/** A node that has origin 1 up to 10 and origin 2 up to 4. */
const marks = new Map([[1, 10], [2, 4]]);
const committed = (origin: number) => marks.get(origin) ?? 0;

function vector(entries: Array<[number, number]>): Map<number, number> {
  return new Map(entries);
}

describe("ResumeGate", () => {
  test("claim() keeps only what lies above the node's marks", () => {
    const cases: Array<[string, Array<[number, number]>, boolean]> = [
      ["a vector below the node", [[1, 5], [2, 4]], false],
      ["an empty vector", [], false],
      ["one origin above", [[1, 5], [2, 9]], true],
      ["an origin the node has never heard of", [[7, 1]], true],
    ];
    for (const [name, entries, open] of cases) {
      const gate = new ResumeGate();
      expect({ name, open: gate.claim(vector(entries), undefined, committed) }).toEqual({
        name,
        open,
      });
    }
  });

  test("covers() is true at and below an open claim of the message's origin, all chats", () => {
    const gate = new ResumeGate();
    gate.claim(vector([[1, 3], [2, 9]]), undefined, committed);
    const cases: Array<[number, number, boolean]> = [
      [2, 5, true],
      [2, 9, true],
      [2, 10, false],
      [1, 3, false], // origin 1 was not above the node: nothing to skip
      [3, 1, false],
    ];
    for (const [nodeId, seq, expected] of cases) {
      expect({ nodeId, seq, covered: gate.covers({ nodeId, seq, chatId: 11 }) })
        .toEqual({ nodeId, seq, covered: expected });
    }
  });

  test("covers() applies a chat-filtered claim to that chat only", () => {
    const gate = new ResumeGate();
    gate.claim(vector([[2, 9]]), 5, committed);
    expect(gate.covers({ nodeId: 2, seq: 7, chatId: 5 })).toBe(true);
    expect(gate.covers({ nodeId: 2, seq: 7, chatId: 6 })).toBe(false);
  });

  test("claim() twice keeps the higher claim of each origin", () => {
    const gate = new ResumeGate();
    gate.claim(vector([[2, 9]]), undefined, committed);
    gate.claim(vector([[2, 6], [3, 2]]), undefined, committed);
    expect(gate.covers({ nodeId: 2, seq: 9, chatId: 1 })).toBe(true);
    expect(gate.covers({ nodeId: 3, seq: 2, chatId: 1 })).toBe(true);
  });

  test("settle() drops claims the node reached and closes when none is left", () => {
    const gate = new ResumeGate();
    const moving = new Map([[2, 4], [3, 0]]);
    const now = (origin: number) => moving.get(origin) ?? 0;
    gate.claim(vector([[2, 9], [3, 2]]), undefined, now);
    moving.set(2, 8);
    expect(gate.settle(now)).toBe(true);
    moving.set(2, 9);
    expect(gate.settle(now)).toBe(true);
    expect(gate.covers({ nodeId: 2, seq: 9, chatId: 1 })).toBe(false); // claim gone
    expect(gate.covers({ nodeId: 3, seq: 2, chatId: 1 })).toBe(true);
    moving.set(3, 5);
    expect(gate.settle(now)).toBe(false);
    expect(gate.open).toBe(false);
  });
});
