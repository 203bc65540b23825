import { expect, test } from "bun:test";
import { deepNesting, mutateJsonText, RawJson, toJsonText } from "./json_text.ts";
import { createSeededRandom } from "../chaos/seeded_random.ts";

test("toJsonText() writes raw tokens verbatim and the rest as JSON.stringify does", () => {
  const value = {
    a: new RawJson("-0"),
    b: [new RawJson("1e999"), "x\u0000"],
    c: new RawJson("9007199254740993"),
  };
  const text = toJsonText(value);
  expect(text).toBe('{"a":-0,"b":[1e999,"x\\u0000"],"c":9007199254740993}');
  const parsed = JSON.parse(text);
  expect(Object.is(parsed.a, -0)).toBe(true);
  expect(parsed.b[0]).toBe(Infinity);
  expect(toJsonText({ plain: [1, "two"] })).toBe(JSON.stringify({ plain: [1, "two"] }));
});

test("deepNesting() nests as deep as asked", () => {
  expect(deepNesting(3, "array").text).toBe("[[[]]]");
  expect(JSON.parse(deepNesting(3, "object").text)).toEqual({ a: { a: { a: 0 } } });
});

test("mutateJsonText() is a pure function of the seed", () => {
  const run = () => {
    const random = createSeededRandom(11);
    return Array.from(
      { length: 30 },
      () => mutateJsonText('{"type":"hello","payload":{"name":"a"}}', random),
    );
  };
  expect(run()).toEqual(run());
  expect(new Set(run()).size).toBeGreaterThan(10);
});
