/**
 * The cases of the peer-frame fuzzer. A peer frame is the developers' design
 * (common/peer_protocol.ts), but the messages in it are the contract's
 * (PROTOCOL.md section 3, "A message"): canonical messageId, real dateTime,
 * well-formed text. The fuzzer's test peer sends:
 * - valid frames (mixed phase only): its own messages, origin `peerId`, with
 *   contiguous seqs, and chats with ids from VALID_CHAT_BASE;
 * - refused frames: messages of origin `peerId + 1` and chats from
 *   REFUSED_CHAT_BASE, each mutated until the contract says it is malformed,
 *   plus broken JSON, noise, unknown types and binary frames.
 * So anything of origin peerId + 1 or a REFUSED_CHAT_BASE chat on the node is
 * a malformed frame that was stored.
 *
 * Invariant: a valid case uses the next seq of the peer's origin exactly once.
 * @module
 */

import { mutateJsonText, noiseText, toJsonText } from "./json_text.ts";
import type { SeededRandom } from "../chaos/seeded_random.ts";
import { mutateValue } from "./value_generation.ts";
import {
  checkValue,
  type FieldSpec,
  isPlainObject,
  ownField,
  type Schema,
  type Verdict,
  worse,
} from "./value_schema.ts";

export const VALID_CHAT_BASE = 900_000;
export const REFUSED_CHAT_BASE = 800_000;
const SAFE = Number.MAX_SAFE_INTEGER;
const int = (min: number): Schema => ({ kind: "int", min, max: SAFE });
const text = (maxChars: number): Schema => ({ kind: "text", minChars: 1, maxChars });

const MESSAGE_FIELDS: Record<string, FieldSpec> = {
  messageId: { schema: { kind: "messageId", canonical: "bad" } },
  nodeId: { schema: int(0) },
  seq: { schema: int(1) },
  chatId: { schema: int(0) },
  text: { schema: text(4000) },
  sender: { schema: text(64) },
  dateTime: { schema: { kind: "dateTime" } },
  lc: { schema: int(0) },
  clientMsgId: { schema: text(64), optional: true },
};
const MESSAGE: Schema = { kind: "object", fields: MESSAGE_FIELDS };
const CHAT: Schema = {
  kind: "object",
  fields: { chatId: { schema: int(0) }, name: { schema: text(100) } },
};
const MEMBER: Schema = {
  kind: "object",
  fields: {
    name: { schema: text(64) },
    chatIds: {
      schema: { kind: "nullable", inner: { kind: "array", items: int(0), maxItems: 10_000 } },
    },
  },
};

export const PEER_PAYLOADS: Record<string, Record<string, FieldSpec>> = {
  peerMessages: { messages: { schema: { kind: "array", items: MESSAGE, maxItems: 10_000 } } },
  peerChats: { chats: { schema: { kind: "array", items: CHAT, maxItems: 10_000 } } },
  peerPresence: {
    members: { schema: { kind: "array", items: MEMBER, maxItems: 10_000 } },
    done: { schema: { kind: "bool" } },
  },
  syncRequest: { requestId: { schema: int(0) }, vector: { schema: { kind: "vector" } } },
  syncReply: {
    requestId: { schema: int(0) },
    messages: { schema: { kind: "array", items: MESSAGE, maxItems: 10_000 } },
    more: { schema: { kind: "bool" } },
  },
  peerPing: {},
};

/** A message is also malformed when its messageId does not name its (nodeId, seq). */
function messageVerdict(message: unknown): Verdict {
  const verdict = checkValue(MESSAGE, message);
  if (verdict === "bad" || !isPlainObject(message)) return "bad";
  const expected = BigInt(message.nodeId as number) * 1_000_000_000_000n +
    BigInt(message.seq as number);
  return message.messageId === String(expected) ? verdict : "bad";
}

/** What the contract says of one peer frame's text. */
export function peerFrameVerdict(frameText: string): Verdict {
  let frame: unknown;
  try {
    frame = JSON.parse(frameText);
  } catch {
    return "bad";
  }
  if (!isPlainObject(frame)) return "bad";
  const type = ownField(frame, "type");
  if (typeof type !== "string" || !Object.hasOwn(PEER_PAYLOADS, type)) return "bad";
  const payload = ownField(frame, "payload");
  let verdict = checkValue({ kind: "object", fields: PEER_PAYLOADS[type] }, payload);
  if (verdict !== "bad" && (type === "peerMessages" || type === "syncReply")) {
    for (const message of ownField(payload as Record<string, unknown>, "messages") as unknown[]) {
      verdict = worse(verdict, messageVerdict(message));
    }
  }
  return verdict;
}

export type PeerCase =
  | { kind: "text"; label: string; text: string; valid: boolean; messages: number; chats: number[] }
  | { kind: "binary"; label: string; bytes: Uint8Array };

export class PeerCaseSource {
  #random: SeededRandom;
  #peerId: number;
  #nextSeq = 1;
  #nextRefusedSeq = 1;
  #nextChat = 0;

  constructor(random: SeededRandom, peerId: number) {
    this.#random = random;
    this.#peerId = peerId;
  }

  /** Valid messages sent so far (the node must hold seqs 1..this of the peer's origin). */
  get validMessages(): number {
    return this.#nextSeq - 1;
  }

  #message(nodeId: number, seq: number): Record<string, unknown> {
    const random = this.#random;
    const message: Record<string, unknown> = {
      messageId: String(BigInt(nodeId) * 1_000_000_000_000n + BigInt(seq)),
      nodeId,
      seq,
      chatId: VALID_CHAT_BASE + random.int(0, 9),
      text: random.pick(["hello", "ünïcödé", "😀 fine", "a".repeat(4000), "中文"]),
      sender: random.pick(["peer", "p😀", "x".repeat(64)]),
      dateTime: new Date().toISOString(),
      lc: random.int(0, 5),
    };
    if (random.chance(0.5)) message.clientMsgId = `peer-${nodeId}-${seq}`;
    if (random.chance(0.1)) message[random.pick(["held", "hidden", "extra"])] = 1;
    return message;
  }

  #validCase(): PeerCase {
    const random = this.#random;
    if (random.chance(0.6)) {
      const count = random.int(1, 3);
      const messages = Array.from(
        { length: count },
        () => this.#message(this.#peerId, this.#nextSeq++),
      );
      return {
        kind: "text",
        label: "valid peerMessages",
        text: toJsonText({ type: "peerMessages", payload: { messages } }),
        valid: true,
        messages: count,
        chats: [],
      };
    }
    if (random.chance(0.3)) {
      const chatId = VALID_CHAT_BASE + 100 + this.#nextChat++;
      const frame = {
        type: "peerChats",
        payload: { chats: [{ chatId, name: `peer chat ${chatId}` }] },
      };
      return {
        kind: "text",
        label: "valid peerChats",
        text: toJsonText(frame),
        valid: true,
        messages: 0,
        chats: [chatId],
      };
    }
    const frame = random.pick([
      { type: "peerPing", payload: {} },
      {
        type: "peerPresence",
        payload: { members: [{ name: "peer-user", chatIds: null }], done: true },
      },
      { type: "syncRequest", payload: { requestId: random.int(0, 1000), vector: {} } },
    ]);
    return {
      kind: "text",
      label: `valid ${frame.type}`,
      text: toJsonText(frame),
      valid: true,
      messages: 0,
      chats: [],
    };
  }

  /** A frame the contract calls malformed, built from a valid one of the refused origin. */
  #refusedCase(): PeerCase {
    const random = this.#random;
    const type = random.pick(Object.keys(PEER_PAYLOADS));
    const refusedChat = REFUSED_CHAT_BASE + random.int(0, 999);
    const payloads: Record<string, unknown> = {
      peerMessages: { messages: [this.#message(this.#peerId + 1, this.#nextRefusedSeq++)] },
      peerChats: { chats: [{ chatId: refusedChat, name: `refused ${refusedChat}` }] },
      peerPresence: { members: [{ name: "refused", chatIds: [1] }], done: true },
      syncRequest: { requestId: 1, vector: { "1": 1 } },
      syncReply: {
        requestId: 1,
        messages: [this.#message(this.#peerId + 1, this.#nextRefusedSeq++)],
        more: false,
      },
      peerPing: {},
    };
    const frame = { type, payload: payloads[type] };
    if (type === "peerMessages" && random.chance(0.2)) return this.#subtlyMalformed();
    for (let attempt = 0; attempt < 50; attempt++) {
      const roll = random.next();
      const candidate = roll < 0.7
        ? toJsonText(
          mutateValue(frame, {
            kind: "object",
            fields: {
              type: { schema: { kind: "any" } },
              payload: { schema: { kind: "object", fields: PEER_PAYLOADS[type] } },
            },
          }, random),
        )
        : roll < 0.9
        ? mutateJsonText(toJsonText(frame), random)
        : noiseText(random, 300);
      const sent = candidate.toWellFormed();
      if (peerFrameVerdict(sent) === "bad") {
        return {
          kind: "text",
          label: `refused ${type}`,
          text: sent,
          valid: false,
          messages: 0,
          chats: [],
        };
      }
    }
    return {
      kind: "text",
      label: "refused noise",
      text: "{",
      valid: false,
      messages: 0,
      chats: [],
    };
  }

  /** A message that parses as JSON of the right types but is not one the contract allows. */
  #subtlyMalformed(): PeerCase {
    const random = this.#random;
    const message = this.#message(this.#peerId + 1, this.#nextRefusedSeq++);
    const flaw = random.pick([
      { messageId: "0" + message.messageId },
      { messageId: "00" + message.messageId },
      { text: "a\ud800" },
      { sender: "\udfff" },
      { clientMsgId: "\ud83d" },
      { dateTime: "2026-02-29T12:00:00.000Z" },
      { dateTime: "2026-04-31T12:00:00.000Z" },
      { dateTime: "2026-06-01T24:00:00.000Z" },
      { dateTime: "2026-06-01T12:60:00.000Z" },
      { text: "x".repeat(4001) },
      { sender: "😀".repeat(65) },
    ]);
    const text = toJsonText({
      type: "peerMessages",
      payload: { messages: [{ ...message, ...flaw }] },
    });
    return {
      kind: "text",
      label: "refused peerMessages (subtle)",
      text,
      valid: false,
      messages: 0,
      chats: [],
    };
  }

  next(options: { refusedOnly: boolean }): PeerCase {
    const random = this.#random;
    if (random.chance(0.01)) {
      return {
        kind: "binary",
        label: "binary",
        bytes: new TextEncoder().encode('{"type":"peerPing","payload":{}}'),
      };
    }
    if (!options.refusedOnly && random.chance(0.3)) return this.#validCase();
    return this.#refusedCase();
  }
}
