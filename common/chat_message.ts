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

/** A message, checked field by field; extra fields are dropped. */
export function parseChatMessage(value: unknown): Parsed<ChatMessage> {
  if (!isRecord(value)) return fail("message must be an object");
  const { messageId, nodeId, seq, chatId, text, sender, dateTime, lc, clientMsgId } = value;
  if (!isIntAtLeast(nodeId, 0) || !isIntAtLeast(seq, 1) || seq > MAX_SEQ) {
    return fail("bad nodeId or seq");
  }
  // The canonical digits exactly: "0" + id would name the same message and be stored apart.
  if (messageId !== encodeMessageId(nodeId, seq)) return fail("bad messageId");
  if (!isIntAtLeast(chatId, 0)) return fail("bad chatId");
  const deleted = value.deleted === true;
  if (value.deleted !== undefined && typeof value.deleted !== "boolean") return fail("bad deleted");
  if (!(deleted && text === "") && !isBoundedString(text, Limits.textMaxChars)) {
    return fail("bad text");
  }
  if (!isBoundedString(sender, Limits.senderMaxChars)) return fail("bad sender");
  if (!isDateTime(dateTime)) return fail("bad dateTime");
  if (!isIntAtLeast(lc, 0) || lc > LOGICAL_COUNTER_MAX) return fail("bad lc");
  const message: ChatMessage = { messageId, nodeId, seq, chatId, text, sender, dateTime, lc };
  if (clientMsgId !== undefined) {
    if (!isBoundedString(clientMsgId, Limits.clientMsgIdMaxChars)) return fail("bad clientMsgId");
    message.clientMsgId = clientMsgId;
  }
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
