/**
 * The fuzzers' own reading of the contract: each body or frame is described as a
 * schema (field kinds with the ranges PROTOCOL.md gives), and checkValue() says
 * what the contract expects of any JSON value: accepted, refused, or either
 * (where the contract is silent and a lenient answer is as good as a refusal).
 * Written from the contract, not from the product's validators, so that a
 * disagreement between the two shows up as a fuzz failure.
 *
 * Invariant: checkValue() never throws and looks at own properties only.
 * @module
 */

/** What the contract expects of an input. */
export type Verdict = "ok" | "bad" | "either";

export type Schema =
  /** A string of minChars..maxChars code points, no lone surrogate. */
  | { kind: "text"; minChars: number; maxChars: number; blank?: Verdict }
  /** Any string (the contract says only "string"); outside min..max chars: `outside`. */
  | { kind: "string"; minChars: number; maxChars: number; outside: Verdict }
  /** A JSON number that is an integer in min..max (safe integers only). */
  | { kind: "int"; min: number; max: number }
  | { kind: "bool" }
  /** One of these strings exactly. */
  | { kind: "enum"; values: readonly string[] }
  | { kind: "array"; items: Schema; maxItems: number; overMax?: Verdict }
  | { kind: "nullable"; inner: Schema }
  /** Named fields; keys not named are ignored (original clients send extra ones). */
  | { kind: "object"; fields: Record<string, FieldSpec> }
  /** A version vector {"<nodeId>": seq}: canonical decimal keys, integer values >= 0. */
  | { kind: "vector" }
  /** A messageId: the decimal digits of nodeId * 10^12 + seq, seq >= 1. */
  | { kind: "messageId"; canonical: Verdict }
  /** "YYYY-MM-DDTHH:MM:SS.sssZ", a real instant. */
  | { kind: "dateTime" }
  /** A host name or IP literal a client can dial, no port. */
  | { kind: "host"; maxChars: number }
  /** Anything: the contract does not look at it. */
  | { kind: "any" };

export interface FieldSpec {
  schema: Schema;
  optional?: boolean;
  /** The verdict when an optional field is null (the contract only says "absent"). */
  nullVerdict?: Verdict;
  /** Not in the contract (an extension): refusing a bad value is right, so is ignoring it. */
  extension?: boolean;
}

/** The worse of two verdicts: bad beats either beats ok. */
export function worse(a: Verdict, b: Verdict): Verdict {
  if (a === "bad" || b === "bad") return "bad";
  if (a === "either" || b === "either") return "either";
  return "ok";
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** An own property, never one from the prototype chain (`{"__proto__": ...}` included). */
export function ownField(record: Record<string, unknown>, key: string): unknown {
  return Object.prototype.hasOwnProperty.call(record, key) ? record[key] : undefined;
}

function codePoints(text: string): number {
  let count = 0;
  for (const _ of text) count++;
  return count;
}

function isWellFormed(text: string): boolean {
  return !/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(text);
}

const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})\.(\d{3})Z$/;

function isRealDateTime(text: string): boolean {
  const match = DATE_TIME.exec(text);
  if (!match) return false;
  const date = new Date(text);
  return !Number.isNaN(date.getTime()) && date.toISOString() === text;
}

/** Clearly dialable, clearly not, or a string only a full host parser can judge. */
function hostVerdict(text: string, maxChars: number): Verdict {
  if (text.trim() === "" || text.length > maxChars) return "bad";
  if (/[\s/@?#]/.test(text.trim())) return "bad";
  if (/^[0-9a-f:.]*:[0-9a-f:.]*$/i.test(text) || text.startsWith("[")) return "either"; // IPv6
  if (/^[a-z0-9.-]+:\d+$/i.test(text)) return "bad"; // a port
  if (
    /^(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/.test(text)
  ) {
    return text === "0.0.0.0" ? "either" : "ok";
  }
  if (/^[a-z](?:[a-z0-9-]{0,20}[a-z0-9])?(?:\.[a-z](?:[a-z0-9-]{0,20}[a-z0-9])?)*$/.test(text)) {
    return "ok";
  }
  return "either";
}

function messageIdVerdict(value: string, canonical: Verdict): Verdict {
  if (!/^[0-9]+$/.test(value)) return "bad";
  const digits = value.replace(/^0+(?=.)/, "");
  if (digits.length > 28) return "bad";
  const number = BigInt(digits);
  if (number % 1_000_000_000_000n === 0n) return "bad"; // seq 0
  if (number / 1_000_000_000_000n > BigInt(Number.MAX_SAFE_INTEGER)) return "bad";
  return digits === value ? "ok" : canonical;
}

/** What the contract expects of `value` under `schema`. */
export function checkValue(schema: Schema, value: unknown): Verdict {
  switch (schema.kind) {
    case "any":
      return "ok";
    case "text": {
      if (typeof value !== "string" || !isWellFormed(value)) return "bad";
      const length = codePoints(value);
      if (length < schema.minChars || length > schema.maxChars) return "bad";
      return value.trim() === "" ? schema.blank ?? "ok" : "ok";
    }
    case "string": {
      if (typeof value !== "string") return "bad";
      const length = codePoints(value);
      const inside = length >= schema.minChars && length <= schema.maxChars;
      return worse(inside ? "ok" : schema.outside, isWellFormed(value) ? "ok" : "either");
    }
    case "int":
      return Number.isSafeInteger(value) && (value as number) >= schema.min &&
          (value as number) <= schema.max
        ? "ok"
        : "bad";
    case "bool":
      return typeof value === "boolean" ? "ok" : "bad";
    case "enum":
      return typeof value === "string" && schema.values.includes(value) ? "ok" : "bad";
    case "nullable":
      return value === null ? "ok" : checkValue(schema.inner, value);
    case "array": {
      if (!Array.isArray(value)) return "bad";
      let verdict: Verdict = value.length > schema.maxItems ? schema.overMax ?? "bad" : "ok";
      for (const item of value) {
        verdict = worse(verdict, checkValue(schema.items, item));
        if (verdict === "bad") return "bad";
      }
      return verdict;
    }
    case "object":
      return checkObject(schema.fields, value);
    case "vector": {
      if (!isPlainObject(value)) return "bad";
      let verdict: Verdict = "ok";
      for (const [key, seq] of Object.entries(value)) {
        if (!/^[0-9]+$/.test(key)) return "bad";
        if (!Number.isSafeInteger(seq) || (seq as number) < 0) return "bad";
        if (!/^(0|[1-9][0-9]{0,15})$/.test(key) || !Number.isSafeInteger(Number(key))) {
          verdict = "either"; // leading zeros, or an id past 2^53: the contract does not say
        }
      }
      return verdict;
    }
    case "messageId":
      return typeof value === "string" ? messageIdVerdict(value, schema.canonical) : "bad";
    case "dateTime":
      return typeof value === "string" && isRealDateTime(value) ? "ok" : "bad";
    case "host":
      return typeof value === "string" ? hostVerdict(value, schema.maxChars) : "bad";
  }
}

/** Every named field checked; unnamed keys ignored. */
export function checkObject(fields: Record<string, FieldSpec>, value: unknown): Verdict {
  if (!isPlainObject(value)) return "bad";
  let verdict: Verdict = "ok";
  for (const [key, spec] of Object.entries(fields)) {
    const field = ownField(value, key);
    if (field === undefined) {
      if (!spec.optional) return "bad";
      continue;
    }
    if (field === null && spec.optional && spec.nullVerdict !== undefined) {
      verdict = worse(verdict, spec.nullVerdict);
      continue;
    }
    const fieldVerdict = checkValue(spec.schema, field);
    verdict = worse(verdict, spec.extension && fieldVerdict === "bad" ? "either" : fieldVerdict);
    if (verdict === "bad") return "bad";
  }
  return verdict;
}
