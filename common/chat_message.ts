/**
 * The one parser of a chat message from the wire: what a node reads from a
 * peer and what the terminal client, the web page and the SDK read from a node
 * all go through parseChatMessage(), field by field.
 *
 * Invariant: a parsed message has every field the contract requires, each of
 * its type and within its limit, `messageId` agrees with `(nodeId, seq)`, and
 * it carries no other field (extras on the wire are dropped, not passed on).
 * Its text is 1..4000 characters, or "" for a deleted message (section 7).
 * @module
 */

import type { ChatMessage, Parsed } from "./protocol.ts";
import { Limits } from "./protocol.ts";
import { isContractDateTime, LOGICAL_COUNTER_MAX } from "./hybrid_logical_clock.ts";
import { encodeMessageId, MAX_SEQ } from "./message_id.ts";
import { isBoundedString, isIntAtLeast, isRecord } from "./value_checks.ts";

function fail<T>(message: string): Parsed<T> {
  return { ok: false, error: { code: "bad_frame", message } };
}

/** The contract's shape and a real instant (not February 30th, not hour 24). */
const isDateTime = isContractDateTime;

/** The fields of a message besides its identity, as they came (unchecked). */
export interface MessageFields {
  chatId: unknown;
  text: unknown;
  sender: unknown;
  dateTime: unknown;
  lc: unknown;
  /** undefined: the message has none. */
  clientMsgId: unknown;
  /** A deleted message's text is "" (section 7). */
  deleted: boolean;
}

/**
 * A message from its identity (already checked) and its other fields, checked one by one:
 * the one set of checks of every form a message travels in (objects here, packed runs in
 * packed_messages.ts). `deleted` is left to the caller (it comes after `editedAt`).
 */
export function checkMessageFields(
  identity: { messageId: string; nodeId: number; seq: number },
  fields: MessageFields,
): Parsed<ChatMessage> {
  const { chatId, text, sender, dateTime, lc, clientMsgId, deleted } = fields;
  if (!isIntAtLeast(chatId, 0)) return fail("bad chatId");
  if (!(deleted && text === "") && !isBoundedString(text, Limits.textMaxChars)) {
    return fail("bad text");
  }
  if (!isBoundedString(sender, Limits.senderMaxChars)) return fail("bad sender");
  if (!isDateTime(dateTime)) return fail("bad dateTime");
  if (!isIntAtLeast(lc, 0) || lc > LOGICAL_COUNTER_MAX) return fail("bad lc");
  const message: ChatMessage = {
    messageId: identity.messageId,
    nodeId: identity.nodeId,
    seq: identity.seq,
    chatId,
    text: text as string,
    sender,
    dateTime,
    lc,
  };
  if (clientMsgId !== undefined) {
    if (!isBoundedString(clientMsgId, Limits.clientMsgIdMaxChars)) return fail("bad clientMsgId");
    message.clientMsgId = clientMsgId;
  }
  return { ok: true, value: message };
}

/** A message, checked field by field; extra fields are dropped. */
export function parseChatMessage(value: unknown): Parsed<ChatMessage> {
  if (!isRecord(value)) return fail("message must be an object");
  const { messageId, nodeId, seq, chatId, text, sender, dateTime, lc, clientMsgId } = value;
  if (!isIntAtLeast(nodeId, 0) || !isIntAtLeast(seq, 1) || seq > MAX_SEQ) {
    return fail("bad nodeId or seq");
  }
  // The canonical digits exactly: "0" + id would name the same message and be stored apart.
  if (messageId !== encodeMessageId(nodeId, seq)) return fail("bad messageId");
  if (value.deleted !== undefined && typeof value.deleted !== "boolean") return fail("bad deleted");
  const deleted = value.deleted === true;
  const checked = checkMessageFields(
    { messageId, nodeId, seq },
    { chatId, text, sender, dateTime, lc, clientMsgId, deleted },
  );
  if (!checked.ok) return checked;
  const message = checked.value;
  if (value.editedAt !== undefined) {
    if (!isDateTime(value.editedAt)) return fail("bad editedAt");
    message.editedAt = value.editedAt;
  }
  if (deleted) message.deleted = true;
  return { ok: true, value: message };
}

/** An array of messages; the first malformed one fails it all, saying which. */
export function parseChatMessages(value: unknown): Parsed<ChatMessage[]> {
  if (!Array.isArray(value)) return fail("messages must be an array");
  const messages: ChatMessage[] = [];
  for (let index = 0; index < value.length; index++) {
    const parsed = parseChatMessage(value[index]);
    if (!parsed.ok) return fail(`message ${index}: ${parsed.error.message}`);
    messages.push(parsed.value);
  }
  return { ok: true, value: messages };
}
