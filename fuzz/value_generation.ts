/**
 * Values for the fuzzers, driven by the same schemas the oracle reads: a valid
 * value of a schema (edges included: shortest, longest, non-ASCII), and one
 * mutation of a value at a random place in it (wrong types, numbers JSON cannot
 * hold exactly, -0, NaN-ish strings, lone surrogates, deep nesting, long
 * strings, a field dropped or added).
 *
 * Invariant: generation is a pure function of the SeededRandom's sequence.
 * @module
 */

import { deepNesting, RawJson } from "./json_text.ts";
import type { SeededRandom } from "../chaos/seeded_random.ts";
import { isPlainObject, type Schema } from "./value_schema.ts";

const WORDS = ["hi", "héllo", "中文", "😀 ok", "a b", "x", "ünï", "שלום", "\u200b", "tab\tx"];
const HOSTS = ["127.0.0.1", "10.0.0.7", "node-1.example", "localhost", "192.168.1.20"];

function textOf(random: SeededRandom, chars: number): string {
  const points: string[] = [];
  while (points.length < chars) points.push(...random.pick(WORDS));
  return points.slice(0, chars).join("");
}

/** A random instant between 2001 and 2099, as the contract writes it. */
function dateTimeOf(random: SeededRandom): string {
  return new Date(random.int(978_307_200_000, 4_070_908_800_000)).toISOString();
}

/** A valid value of the schema. */
export function validValue(schema: Schema, random: SeededRandom): unknown {
  switch (schema.kind) {
    case "any":
      return random.pick([null, 1, "x", [], {}, { a: [1] }]);
    case "string":
    case "text": {
      const max = Math.min(schema.maxChars, 40);
      const length = random.chance(0.1) ? schema.maxChars : random.int(schema.minChars, max);
      const text = textOf(random, length);
      const blankOk = schema.kind === "string" || schema.blank === "ok";
      return text.trim() === "" && !blankOk ? "x".repeat(length) : text;
    }
    case "int": {
      if (random.chance(0.1)) return random.pick([schema.min, schema.max]);
      return random.int(schema.min, Math.min(schema.max, schema.min + 1000));
    }
    case "bool":
      return random.chance(0.5);
    case "enum":
      return random.pick(schema.values);
    case "nullable":
      return random.chance(0.2) ? null : validValue(schema.inner, random);
    case "array":
      return Array.from(
        { length: random.int(0, Math.min(3, schema.maxItems)) },
        () => validValue(schema.items, random),
      );
    case "object": {
      const value: Record<string, unknown> = {};
      for (const [key, spec] of Object.entries(schema.fields)) {
        if (spec.optional && random.chance(0.5)) continue;
        value[key] = validValue(spec.schema, random);
      }
      return value;
    }
    case "vector": {
      const vector: Record<string, number> = {};
      for (let i = random.int(0, 3); i > 0; i--) {
        vector[String(random.int(1, 9_999_999))] = random.int(0, 500);
      }
      return vector;
    }
    case "messageId":
      return String(
        BigInt(random.int(1, 9_999_999)) * 1_000_000_000_000n + BigInt(random.int(1, 99)),
      );
    case "dateTime":
      return dateTimeOf(random);
    case "host":
      return random.pick(HOSTS);
  }
}

/** Values that break parsers: wrong types, edge numbers, strange strings, nesting. */
export function nastyValue(random: SeededRandom): unknown {
  switch (random.int(0, 5)) {
    case 0:
      return random.pick([0, -1, 1.5, 1e308, -1e308, 2 ** 53, 2 ** 53 + 2, 4_294_967_296, 1e-7]);
    case 1:
      return new RawJson(
        random.pick(["-0", "1e999", "-1e999", "9007199254740993", "1E400", "0.0e0", "1.0"]),
      );
    case 2:
      return random.pick(["", " ", "NaN", "Infinity", "-Infinity", "null", "0", "-0", "1e999"]);
    case 3:
      return random.pick([
        "\ud800",
        "a\udc00b",
        "\u0000",
        "'; DROP TABLE messages;--",
        "<script>alert(1)</script>",
        "%s%n%x",
        "\u202eevil",
        "😀".repeat(17),
      ]);
    case 4:
      return random.pick([null, true, false, [], {}, [null], { "": "" }, [[[]]], { type: "x" }]);
    default:
      return deepNesting(random.int(2, 5000), random.chance(0.5) ? "array" : "object");
  }
}

/** Values just past a schema's edges. */
function edgeValue(schema: Schema, random: SeededRandom): unknown {
  switch (schema.kind) {
    case "string":
    case "text":
      return random.pick([
        "",
        "x".repeat(schema.maxChars + 1),
        "é".repeat(schema.maxChars),
        "😀".repeat(schema.maxChars),
        "😀".repeat(schema.maxChars + 1),
        " ".repeat(Math.max(1, schema.minChars)),
      ]);
    case "int":
      return random.pick([schema.min - 1, schema.max + 1, schema.min + 0.5, -0, 2 ** 53]);
    case "array":
      return Array.from({ length: schema.maxItems + 1 }, (_, i) => i);
    case "messageId":
      return random.pick(["0", "1000000000000", "0001000000000001", "-1", "1e12", "12a"]);
    case "dateTime":
      return random.pick([
        "2024-13-01T00:00:00.000Z",
        "2024-02-30T10:00:00.000Z",
        "2024-01-01T24:00:00.000Z",
        "2024-01-01T00:00:00Z",
        "2024-01-01 00:00:00.000Z",
        "+002024-01-01T00:00:00.000Z",
      ]);
    case "host":
      return random.pick(["", "a b", "host:80", "http://x", "x".repeat(300), "0.0.0.0", "::1"]);
    case "vector":
      return random.pick([{ "01": 1 }, { "-1": 1 }, { "1": -1 }, { "1": 1.5 }, { x: 1 }, []]);
    default:
      return nastyValue(random);
  }
}

interface Place {
  path: (string | number)[];
  schema: Schema | undefined;
}

/** Every place in a value, with the schema that applies there (undefined: none). */
function placesOf(value: unknown, schema: Schema | undefined, path: Place["path"] = []): Place[] {
  const places: Place[] = [{ path, schema }];
  const inner = schema?.kind === "nullable" ? schema.inner : schema;
  if (Array.isArray(value)) {
    const items = inner?.kind === "array" ? inner.items : undefined;
    value.forEach((item, i) => places.push(...placesOf(item, items, [...path, i])));
  } else if (isPlainObject(value)) {
    for (const [key, item] of Object.entries(value)) {
      const fieldSchema = inner?.kind === "object" ? inner.fields[key]?.schema : undefined;
      places.push(...placesOf(item, fieldSchema, [...path, key]));
    }
  }
  return places;
}

function cloneJson(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(cloneJson);
  if (isPlainObject(value)) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, cloneJson(v)]));
  }
  return value;
}

/** One mutation of a (valid) value at a random place; returns a new value. */
export function mutateValue(value: unknown, schema: Schema, random: SeededRandom): unknown {
  const root = cloneJson(value);
  const places = placesOf(root, schema);
  const place = random.pick(places);
  const current = place.path.reduce<unknown>(
    (node, key) => (node as Record<string | number, unknown>)[key],
    root,
  );
  let replacement: unknown;
  let remove = false;
  switch (random.int(0, 6)) {
    case 0:
    case 1:
      replacement = nastyValue(random);
      break;
    case 2:
      replacement = place.schema ? edgeValue(place.schema, random) : nastyValue(random);
      break;
    case 3:
      remove = place.path.length > 0;
      replacement = random.pick([undefined, null]);
      break;
    case 4: // an extra field, or the value wrapped
      if (isPlainObject(current)) {
        replacement = {
          ...current,
          [random.pick(["extra", "__proto__", "constructor", "id", "held", "hidden", "type"])]:
            nastyValue(random),
        };
      } else replacement = random.chance(0.5) ? [current] : { value: current };
      break;
    case 5: // the same value as another JSON type
      replacement = typeof current === "string" ? Number(current) || [current] : String(current);
      break;
    default:
      replacement = current !== null && typeof current === "object"
        ? random.pick([[], {}, "", 0])
        : random.pick(["x", 1, true, null]);
  }
  if (place.path.length === 0) return remove ? undefined : replacement;
  const parent = place.path.slice(0, -1).reduce<unknown>(
    (node, key) => (node as Record<string | number, unknown>)[key],
    root,
  ) as Record<string | number, unknown>;
  const key = place.path[place.path.length - 1];
  if (remove && !Array.isArray(parent)) delete parent[key];
  else {Object.defineProperty(parent, key, {
      value: replacement,
      enumerable: true,
      writable: true,
      configurable: true,
    });}
  return root;
}
