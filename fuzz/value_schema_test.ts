import { expect, test } from "bun:test";
import { checkObject, checkValue, type Schema } from "./value_schema.ts";

const cases: [string, Schema, unknown, string][] = [
  ["text in range", { kind: "text", minChars: 1, maxChars: 3 }, "abc", "ok"],
  ["text counts code points", { kind: "text", minChars: 1, maxChars: 3 }, "😀😀😀", "ok"],
  ["text too long", { kind: "text", minChars: 1, maxChars: 3 }, "abcd", "bad"],
  ["text with a lone surrogate", { kind: "text", minChars: 1, maxChars: 3 }, "a\ud800", "bad"],
  [
    "blank text where blank is either",
    { kind: "text", minChars: 1, maxChars: 3, blank: "either" },
    "  ",
    "either",
  ],
  ["int", { kind: "int", min: 0, max: 10 }, 10, "ok"],
  ["-0 is 0", { kind: "int", min: 0, max: 10 }, -0, "ok"],
  ["int past safe", { kind: "int", min: 0, max: Number.MAX_SAFE_INTEGER }, 2 ** 53, "bad"],
  ["float", { kind: "int", min: 0, max: 10 }, 1.5, "bad"],
  ["numeric string", { kind: "int", min: 0, max: 10 }, "1", "bad"],
  ["vector", { kind: "vector" }, { "1": 3, "22": 0 }, "ok"],
  ["vector with a leading zero", { kind: "vector" }, { "01": 3 }, "either"],
  ["vector with a negative seq", { kind: "vector" }, { "1": -1 }, "bad"],
  ["canonical messageId", { kind: "messageId", canonical: "bad" }, "3000000000001", "ok"],
  [
    "messageId with leading zeros",
    { kind: "messageId", canonical: "bad" },
    "03000000000001",
    "bad",
  ],
  ["messageId of seq 0", { kind: "messageId", canonical: "either" }, "3000000000000", "bad"],
  ["real dateTime", { kind: "dateTime" }, "2026-02-28T23:59:59.999Z", "ok"],
  ["February 30th", { kind: "dateTime" }, "2026-02-30T00:00:00.000Z", "bad"],
  ["an IPv4 host", { kind: "host", maxChars: 255 }, "10.0.0.1", "ok"],
  ["a host with a port", { kind: "host", maxChars: 255 }, "node:80", "bad"],
  ["an IPv6 host, for a full parser to judge", { kind: "host", maxChars: 255 }, "::1", "either"],
  ["nullable null", { kind: "nullable", inner: { kind: "bool" } }, null, "ok"],
  [
    "array over its bound",
    { kind: "array", items: { kind: "bool" }, maxItems: 1, overMax: "either" },
    [true, false],
    "either",
  ],
];

for (const [what, schema, value, verdict] of cases) {
  test(`checkValue(): ${what} is ${verdict}`, () => {
    expect(checkValue(schema, value)).toBe(verdict as "ok");
  });
}

test("checkObject() reads own fields only and ignores unnamed keys", () => {
  const fields = { name: { schema: { kind: "text", minChars: 1, maxChars: 5 } as Schema } };
  expect(checkObject(fields, { name: "ann", extra: 1 })).toBe("ok");
  expect(checkObject(fields, JSON.parse('{"__proto__": {"name": "ann"}}'))).toBe("bad");
  expect(checkObject(fields, [])).toBe("bad");
});

test("checkObject(): null for an optional field takes its nullVerdict; an extension's bad value is either", () => {
  const fields = {
    id: {
      schema: { kind: "int", min: 1, max: 9 } as Schema,
      optional: true,
      nullVerdict: "either" as const,
    },
    region: { schema: { kind: "bool" } as Schema, optional: true, extension: true },
  };
  expect(checkObject(fields, { id: null })).toBe("either");
  expect(checkObject(fields, { region: "eu" })).toBe("either");
  expect(checkObject(fields, { id: 0 })).toBe("bad");
});
