/**
 * PROTOCOL.md sections 4 and 6 for the node HTTP fuzzer: `POST
 * /api/chats/:chatId/messages` bodies and paths, and the query strings of the
 * GET routes, with the statuses the contract allows (201 stored, 400 bad input,
 * 413 past 64 KiB, 415 for a Content-Type that is not application/json, 409
 * for a clientMsgId the sender used for another text (docs/SERVER.md); never
 * 5xx). Where the contract is silent (a malformed path id: 400 or 404; an
 * unknown `before`: 404 or an empty page) both answers pass. The REST routes under
 * tokens and private chats (section 6) are the access surface's (access_rest_cases.ts).
 *
 * Invariant: a case marked refused is one the contract says stores nothing.
 * @module
 */

import { type HttpCase, rawRequest } from "./http_case.ts";
import { type FuzzBody, fuzzBody } from "./http_body.ts";
import type { SeededRandom } from "../chaos/seeded_random.ts";
import { checkObject, type FieldSpec, type Verdict } from "./value_schema.ts";

export const NODE_BODY_MAX_BYTES = 64 * 1024;

export const POST_FIELDS: Record<string, FieldSpec> = {
  text: { schema: { kind: "text", minChars: 1, maxChars: 4000 } },
  sender: { schema: { kind: "text", minChars: 1, maxChars: 64 } },
  clientMsgId: {
    schema: { kind: "text", minChars: 1, maxChars: 64 },
    optional: true,
    nullVerdict: "either",
  },
};

const GOOD_CHAT_IDS = ["0", "11", "12", "424242", "9007199254740991"];
const BAD_CHAT_IDS = [
  "-1",
  "01",
  "1e3",
  "abc",
  "9007199254740993",
  "%31",
  "1.0",
  "%00",
  "11%2F12",
  "",
  "😀",
  "0x10",
];
const JSON_TYPES = ["application/json", "application/json; charset=utf-8", "Application/JSON"];
const OTHER_TYPES = [
  "text/plain",
  "application/x-www-form-urlencoded",
  "multipart/form-data; boundary=x",
  "application/jsonx",
  "",
];

/** Expected statuses of a POST body at a valid path, as if its Content-Type were JSON. */
function postStatuses(body: FuzzBody): { statuses: number[]; stores: boolean } {
  if (body.value.kind === "too large") return { statuses: [413], stores: false };
  if (body.value.kind !== "json") return { statuses: [400], stores: false };
  const verdict: Verdict = checkObject(POST_FIELDS, body.value.value);
  if (verdict === "bad") return { statuses: [400], stores: false };
  const statuses = verdict === "ok" && !body.value.lenient ? [201] : [400, 201];
  // 409: a clientMsgId that already names another text of the sender (docs/SERVER.md).
  const value = body.value.value as Record<string, unknown>;
  if (typeof value?.clientMsgId === "string") statuses.push(409);
  return { statuses, stores: true };
}

function queryValue(
  random: SeededRandom,
  good: string[],
  bad: string[],
): { text: string; good: boolean } {
  return random.chance(0.6)
    ? { text: random.pick(good), good: true }
    : { text: random.pick(bad), good: false };
}

export class NodeHttpCaseSource {
  #random: SeededRandom;
  /** messageIds the node acknowledged, for `before=`. */
  #knownMessageIds: string[] = [];

  constructor(random: SeededRandom) {
    this.#random = random;
  }

  next(options: { refusedOnly: boolean }): HttpCase {
    for (;;) {
      const random = this.#random;
      const roll = random.next();
      const testCase = roll < 0.55
        ? this.#post()
        : roll < 0.8
        ? this.#getMessages()
        : roll < 0.9
        ? this.#getSearch()
        : this.#getOther();
      if (!options.refusedOnly || testCase.refused) return testCase;
    }
  }

  #post(): HttpCase {
    const random = this.#random;
    const badPath = random.chance(0.1);
    const chatId = badPath ? random.pick(BAD_CHAT_IDS) : random.pick(GOOD_CHAT_IDS.slice(0, 4));
    const base: Record<string, unknown> = { text: `fuzz ${random.int(0, 1e9)}`, sender: "fuzzer" };
    if (random.chance(0.5)) base.clientMsgId = `h-${random.int(0, 1e12)}`;
    const body = fuzzBody(
      base,
      { kind: "object", fields: POST_FIELDS },
      random,
      NODE_BODY_MAX_BYTES,
    );
    const jsonType = random.chance(0.9);
    const contentType = jsonType ? random.pick(JSON_TYPES) : random.pick(OTHER_TYPES);
    let { statuses, stores } = postStatuses(body);
    if (badPath) {
      statuses = [400, 404, 405]; // a path that is no chat's: the contract does not say which
      stores = false;
    }
    // Section 6: a POST that is not application/json gets 415, whatever its body (the type is
    // judged before the body is read); a path that is no route at all may be a 404 instead.
    if (!jsonType) statuses = badPath ? [415, 404] : [415];
    const path = `/api/chats/${chatId}/messages`;
    const headers: Record<string, string> = contentType === ""
      ? {}
      : { "content-type": contentType };
    const refused = !stores || statuses.every((status) => status >= 400);
    if (random.chance(0.01)) {
      const declaredLength = random.pick<number | "chunked">([
        body.bytes.length + 50,
        0,
        "chunked",
      ]);
      const bytes = rawRequest({
        method: "POST",
        path,
        host: "localhost",
        headers,
        body: declaredLength === "chunked"
          ? Uint8Array.from([0x71, 0x0d, 0x0a, ...body.bytes])
          : body.bytes,
        declaredLength,
      });
      const endAfterWrite = typeof declaredLength === "number" &&
        declaredLength > body.bytes.length;
      return {
        label: "POST raw",
        method: "POST",
        path,
        headers,
        statuses: [],
        refused: true,
        raw: { bytes, endAfterWrite },
      };
    }
    return {
      label: `POST ${badPath ? "bad path" : body.label}${jsonType ? "" : " (not JSON type)"}`,
      method: "POST",
      path,
      headers,
      body: body.bytes,
      statuses,
      refused,
      onAccepted: (answer) => {
        const messageId = (answer as { messageId?: unknown }).messageId;
        if (typeof messageId === "string" && this.#knownMessageIds.length < 1000) {
          this.#knownMessageIds.push(messageId);
        }
      },
    };
  }

  #getMessages(): HttpCase {
    const random = this.#random;
    const chat = queryValue(random, GOOD_CHAT_IDS, BAD_CHAT_IDS);
    const limit = queryValue(random, ["1", "100", "1000", ""], [
      "0",
      "1001",
      "-1",
      "abc",
      "1e3",
      "99999999999999999999",
      "%00",
      "5%20",
    ]);
    const known = this.#knownMessageIds.length > 0
      ? random.pick(this.#knownMessageIds)
      : "11000000000001";
    const before = queryValue(random, [known, ""], [
      "abc",
      "-5",
      "1.5",
      "%FF",
      "x".repeat(5000),
      "1".repeat(41),
    ]);
    const parts: string[] = [];
    if (random.chance(0.7)) parts.push(`limit=${limit.text}`);
    if (random.chance(0.5)) parts.push(`before=${before.text}`);
    if (random.chance(0.05)) {
      parts.push(random.pick(["limit=5&limit=abc", "x=1", "&&&", "before", "%"]));
    }
    const query = parts.join("&");
    const usesLimit = query.includes("limit=");
    const usesBefore = query.includes("before=");
    let statuses = [200, 404]; // 404: an unknown `before` (the contract is silent; so is an empty page)
    const strange = query.includes("limit=5&") || query === "before" || query.endsWith("%");
    if (!chat.good) statuses = [400, 404];
    else if ((usesLimit && !limit.good) || (usesBefore && !before.good)) statuses = [400, 404];
    if (strange) statuses = [200, 400, 404];
    return {
      label: `GET messages${chat.good ? "" : " bad path"}`,
      method: "GET",
      path: `/api/chats/${chat.text}/messages${query ? "?" + query : ""}`,
      headers: {},
      statuses,
      refused: true,
    };
  }

  /** `GET /api/search` (section 7): q 1..200 characters, chatId, limit 1..100, before. */
  #getSearch(): HttpCase {
    const random = this.#random;
    // Invalid UTF-8 percent-encoded: URL decoding turns it into U+FFFD, a search for that finds
    // nothing; refusing it would be as right (the contract is silent), so both pass.
    const odd = random.chance(0.05);
    const q = odd
      ? { text: random.pick(["%ED%A0%80", "%FF", "%C3%28"]), good: true }
      : queryValue(random, ["hello", "fuzz", "%C3%BCn%C3%AF", "%E4%B8%AD%E6%96%87", "a"], [
        "",
        "x".repeat(201),
      ]);
    const limit = queryValue(random, ["1", "100", ""], ["0", "101", "abc", "-1"]);
    const chat = queryValue(random, ["11", "0", ""], ["-1", "x", "01"]);
    const known = this.#knownMessageIds.length > 0
      ? random.pick(this.#knownMessageIds)
      : "11000000000001";
    const before = queryValue(random, [known], ["abc", "0", "-5"]);
    const parts: string[] = [];
    if (random.chance(0.9)) parts.push(`q=${q.text}`);
    if (random.chance(0.4)) parts.push(`limit=${limit.text}`);
    if (random.chance(0.4)) parts.push(`chatId=${chat.text}`);
    if (random.chance(0.2)) parts.push(`before=${before.text}`);
    const has = (name: string) => parts.some((part) => part.startsWith(`${name}=`));
    const good = has("q") && q.good && (!has("limit") || limit.good) &&
      (!has("chatId") || chat.good) &&
      (!has("before") || before.good);
    // A well-formed `before` this node does not hold: 400 (the contract is silent).
    const statuses = !good ? [400] : has("before") || odd ? [200, 400] : [200];
    return {
      label: `GET search${good ? "" : " bad query"}`,
      method: "GET",
      path: `/api/search?${parts.join("&")}`,
      headers: {},
      statuses,
      refused: true,
    };
  }

  #getOther(): HttpCase {
    const random = this.#random;
    const path = random.pick(["/healthz", "/metrics", "/api/chats", "/api/chats/"]);
    const query = random.pick([
      "",
      "?x=1",
      "?limit=abc",
      "?%FF",
      "?" + "a".repeat(3000),
      "?before=1&before=2",
    ]);
    return {
      label: "GET other",
      method: "GET",
      path: path + query,
      headers: {},
      statuses: [200],
      refused: true,
    };
  }
}
