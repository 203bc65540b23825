/**
 * PROTOCOL.md sections 3, 6 and 7 for the client-frame fuzzer: the schema of every frame a
 * client sends, a valid example of each, and expectFrame(): what the node must
 * answer to any text frame (the error codes it may use, or the reply type, the
 * ref it must echo, whether the reply waits for a commit).
 *
 * Invariant: derived from the contract alone; where the contract is silent the
 * expectation is "either" (the lenient answer and bad_frame are both right).
 * @module
 */

import type { SeededRandom } from "../chaos/seeded_random.ts";
import { validValue } from "./value_generation.ts";
import {
  checkObject,
  type FieldSpec,
  isPlainObject,
  ownField,
  type Schema,
  type Verdict,
  worse,
} from "./value_schema.ts";

const SAFE = Number.MAX_SAFE_INTEGER;
const chatId: Schema = { kind: "int", min: 0, max: SAFE };

export const CLIENT_PAYLOADS: Record<string, Record<string, FieldSpec>> = {
  newMessageFromClient: {
    text: { schema: { kind: "text", minChars: 1, maxChars: 4000 } },
    sender: { schema: { kind: "text", minChars: 1, maxChars: 64 } },
    chatId: { schema: chatId },
    clientMsgId: {
      schema: { kind: "text", minChars: 1, maxChars: 64 },
      optional: true,
      nullVerdict: "either",
    },
  },
  clientSyncRequest: {
    chatId: { schema: chatId, optional: true },
    since: { schema: { kind: "vector" }, optional: true },
    before: { schema: { kind: "messageId", canonical: "either" }, optional: true },
    limit: { schema: { kind: "int", min: 1, max: 1000 }, optional: true },
  },
  hello: { name: { schema: { kind: "text", minChars: 1, maxChars: 64 } } },
  subscribe: {
    chatIds: {
      schema: {
        kind: "nullable",
        inner: { kind: "array", items: chatId, maxItems: 10_000, overMax: "either" },
      },
    },
  },
  createChat: {
    name: { schema: { kind: "text", minChars: 1, maxChars: 100, blank: "either" } },
    // Section 6: members (token names) only with private: true (payloadVerdict checks that).
    private: { schema: { kind: "bool" }, optional: true },
    members: {
      schema: {
        kind: "array",
        items: { kind: "text", minChars: 1, maxChars: 64, blank: "either" },
        maxItems: 1000,
      },
      optional: true,
    },
  },
  listChats: {},
  presence: { chatId: { schema: chatId, optional: true } },
  // Section 7 (hello clients only).
  editMessage: {
    messageId: { schema: { kind: "messageId", canonical: "either" } },
    text: { schema: { kind: "text", minChars: 1, maxChars: 4000 } },
  },
  deleteMessage: { messageId: { schema: { kind: "messageId", canonical: "either" } } },
  typing: { chatId: { schema: chatId } },
  search: {
    q: { schema: { kind: "text", minChars: 1, maxChars: 200 } },
    chatId: { schema: chatId, optional: true, nullVerdict: "either" },
    limit: { schema: { kind: "int", min: 1, max: 100 }, optional: true, nullVerdict: "either" },
    // Not in the contract: the nodes page search results with it.
    before: {
      schema: { kind: "messageId", canonical: "either" },
      optional: true,
      nullVerdict: "either",
      extension: true,
    },
  },
};

/**
 * The reply each accepted type gets (undefined: none), whether it waits for a commit,
 * the errors a valid frame may still get (it names no message, or not one of the
 * sender's), and whether it needs a `hello` first (else `forbidden`).
 */
const REPLIES: Record<
  string,
  { reply?: string; async: boolean; answerCodes?: string[]; needsHello?: boolean }
> = {
  // `conflict`: its clientMsgId already names another chat or text of the sender
  // (docs/SERVER.md); `rate_limited` on createChat: the chat quotas (docs/SECURITY.md).
  newMessageFromClient: { reply: "clientMessageResponse", async: true, answerCodes: ["conflict"] },
  clientSyncRequest: { reply: "clientSyncReply", async: false },
  hello: { reply: "welcome", async: false },
  subscribe: { async: false },
  createChat: { reply: "chatCreated", async: true, answerCodes: ["rate_limited"] },
  listChats: { reply: "chatList", async: false },
  presence: { reply: "presenceList", async: false },
  editMessage: {
    reply: "messageUpdated",
    async: true,
    answerCodes: ["not_found", "forbidden"],
    needsHello: true,
  },
  deleteMessage: {
    reply: "messageUpdated",
    async: true,
    answerCodes: ["not_found", "forbidden"],
    needsHello: true,
  },
  typing: { async: false, needsHello: true },
  search: { reply: "searchResults", async: false, answerCodes: ["not_found"] },
};

export const CLIENT_FRAME_TYPES = Object.keys(CLIENT_PAYLOADS);

export interface FrameExpectation {
  /** ok: the reply (or nothing); bad: an error; either: one of them. */
  verdict: Verdict;
  /** Codes an error may carry when the frame is refused. */
  errorCodes: string[];
  /** Codes an error may carry although the frame is valid (not_found, forbidden). */
  answerCodes: string[];
  /** Valid, it is answered only on a connection that said hello (else `forbidden`). */
  needsHello: boolean;
  /** The frame's type when it is a known one. */
  type?: string;
  /** Reply type when accepted; undefined when an accepted frame gets no reply. */
  reply?: string;
  /** The reply comes after a commit (not in order with the other replies). */
  async: boolean;
  /** The ref every reply and error must echo; undefined: none. */
  ref?: string;
  /** Accepted, it stores something (a message or a chat). */
  stores: boolean;
}

/** The payload verdict of a known type, with the leniencies the contract leaves open. */
function payloadVerdict(type: string, payload: unknown): Verdict {
  const fields = CLIENT_PAYLOADS[type];
  if (type === "clientSyncRequest") {
    if (Array.isArray(payload)) return payload.length === 0 ? "ok" : "bad";
    if (payload === undefined || payload === null) return "either";
    const verdict = checkObject(fields, payload);
    const both = isPlainObject(payload) && ownField(payload, "since") !== undefined &&
      ownField(payload, "before") !== undefined;
    return both ? worse(verdict, "either") : verdict;
  }
  if (type === "createChat" && isPlainObject(payload)) {
    const membersWithoutPrivate = ownField(payload, "members") !== undefined &&
      ownField(payload, "private") !== true;
    return membersWithoutPrivate ? "bad" : checkObject(fields, payload);
  }
  if (type === "listChats" || type === "presence") {
    if (payload === undefined || payload === null || Array.isArray(payload)) return "either";
  }
  return checkObject(fields, payload);
}

/**
 * The expectation on a connection that has not said hello: a valid section 7 edit,
 * delete or typing frame is refused with `forbidden` there.
 */
export function withoutHello(expect: FrameExpectation): FrameExpectation {
  if (!expect.needsHello || expect.verdict === "bad") return expect;
  return {
    ...expect,
    verdict: "bad",
    errorCodes: [...expect.errorCodes, "forbidden"],
    answerCodes: [],
    async: false,
  };
}

/** What the node must answer to one text frame (already within the size limit). */
export function expectFrame(text: string): FrameExpectation {
  const refused = (codes: string[], ref?: string): FrameExpectation => ({
    verdict: "bad",
    errorCodes: codes,
    answerCodes: [],
    needsHello: false,
    async: false,
    ref,
    stores: false,
  });
  let frame: unknown;
  try {
    frame = JSON.parse(text);
  } catch {
    return refused(["bad_json"]);
  }
  if (!isPlainObject(frame)) return refused(["bad_frame"]);
  const codes = new Set<string>();
  const rawRef = ownField(frame, "ref");
  const ref = typeof rawRef === "string" ? rawRef : undefined;
  if (rawRef !== undefined && ref === undefined) codes.add("bad_frame");
  const type = ownField(frame, "type");
  if (typeof type !== "string") return refused([...new Set([...codes, "bad_frame"])], ref);
  if (!Object.hasOwn(CLIENT_PAYLOADS, type)) return refused([...codes, "unknown_type"], ref);
  const payload = ownField(frame, "payload");
  let verdict = payloadVerdict(type, payload);
  if (codes.size > 0) verdict = "bad";
  const errorCodes = [...new Set([...codes, "bad_frame"])];
  const stored = ["newMessageFromClient", "createChat", "editMessage", "deleteMessage"].includes(
    type,
  );
  const answerCodes = [...(REPLIES[type].answerCodes ?? [])];
  let reply = REPLIES[type].reply;
  if (type === "newMessageFromClient") {
    const id = isPlainObject(payload) ? ownField(payload, "clientMsgId") : undefined;
    if (id === undefined || id === null) reply = undefined;
  }
  if (type === "createChat" && isPlainObject(payload) && ownField(payload, "private") === true) {
    answerCodes.push("forbidden"); // private needs a token: --auth off (and anonymous) refuse it
  }
  if (
    type === "clientSyncRequest" && isPlainObject(payload) &&
    ownField(payload, "before") !== undefined
  ) {
    answerCodes.push("not_found"); // a well-formed messageId this node does not hold
  }
  return {
    verdict,
    errorCodes,
    answerCodes,
    needsHello: REPLIES[type].needsHello ?? false,
    type,
    reply,
    async: REPLIES[type].async,
    ref,
    stores: stored,
  };
}

/** A valid frame of a type (payload from its schema). */
export function validFrame(type: string, random: SeededRandom): Record<string, unknown> {
  const payload = type === "clientSyncRequest" && random.chance(0.2)
    ? []
    : validValue({ kind: "object", fields: CLIENT_PAYLOADS[type] }, random);
  if (type === "clientSyncRequest" && isPlainObject(payload)) {
    if (payload.since !== undefined) delete payload.before;
  }
  return { type, payload };
}

/** The schema of a whole frame of a type, for mutations that know where they are. */
export function frameSchema(type: string): Schema {
  return {
    kind: "object",
    fields: {
      type: { schema: { kind: "enum", values: CLIENT_FRAME_TYPES } },
      payload: { schema: { kind: "object", fields: CLIENT_PAYLOADS[type] } },
      ref: { schema: { kind: "text", minChars: 0, maxChars: 1000 }, optional: true },
    },
  };
}
