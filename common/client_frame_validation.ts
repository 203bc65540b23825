/**
 * Validation at the edge: every inbound client frame and HTTP message body is
 * parsed once, here, into the typed protocol value or a ProtocolError with the
 * contract's code. Nothing past this point sees untyped input.
 *
 * Unknown extra keys are ignored (original clients send an `id`); missing or
 * wrongly typed known ones are `bad_frame`.
 * @module
 */

import {
  type ClientFrame,
  ClientFrameType,
  type ClientFrameTypeName,
  type CreateChatPayload,
  Limits,
  type ListChatsPayload,
  type NewMessagePayload,
  type Parsed,
  type ProtocolError,
  type SyncRequestPayload,
} from "./protocol.ts";
import { decodeVector } from "./version_vector.ts";
import { decodeMessageId } from "./message_id.ts";
import { checkChatId, checkString, fail, isChatId, isRecord } from "./field_checks.ts";
import {
  checkDeleteMessage,
  checkEditMessage,
  checkSearch,
  checkTyping,
} from "./message_event_validation.ts";

export { charLength, isChatId, isWellFormedText } from "./field_checks.ts";

/** A parsed frame, or the error plus the client's `ref` to echo on it. */
export type ParsedFrame =
  | { ok: true; value: ClientFrame }
  | { ok: false; error: ProtocolError; ref?: string };

/** The most chat ids one subscribe may name. */
export const SUBSCRIBE_MAX_CHATS = 10_000;
/** The most chats one `chatList` page holds (also the page without a `limit`). */
export const CHAT_LIST_PAGE_MAX = 1000;

const KNOWN_TYPES = new Set<string>(Object.values(ClientFrameType));

/** The fields of a new message, shared by the WebSocket frame and the REST body. */
function checkMessageFields(
  body: Record<string, unknown>,
  chatId: unknown,
): Parsed<NewMessagePayload> {
  const text = checkString(body.text, "text", Limits.textMaxChars);
  if (!text.ok) return text;
  const sender = checkString(body.sender, "sender", Limits.senderMaxChars);
  if (!sender.ok) return sender;
  const chat = checkChatId(chatId);
  if (!chat.ok) return chat;
  const value: NewMessagePayload = { text: text.value, sender: sender.value, chatId: chat.value };
  if (body.clientMsgId !== undefined && body.clientMsgId !== null) {
    const id = checkString(body.clientMsgId, "clientMsgId", Limits.clientMsgIdMaxChars);
    if (!id.ok) return id;
    value.clientMsgId = id.value;
  }
  return { ok: true, value };
}

function checkNewMessage(payload: unknown): Parsed<NewMessagePayload> {
  if (!isRecord(payload)) return fail("payload must be an object {text, sender, chatId}");
  return checkMessageFields(payload, payload.chatId);
}

function checkSyncRequest(payload: unknown): Parsed<SyncRequestPayload> {
  if (payload === undefined || payload === null) return { ok: true, value: {} };
  if (Array.isArray(payload)) {
    return payload.length === 0
      ? { ok: true, value: {} }
      : fail("payload must be [] or an object {chatId?, since?, before?, limit?}");
  }
  if (!isRecord(payload)) return fail("payload must be [] or an object");
  const value: SyncRequestPayload = {};
  if (payload.chatId !== undefined) {
    const chat = checkChatId(payload.chatId);
    if (!chat.ok) return chat;
    value.chatId = chat.value;
  }
  if (payload.since !== undefined) {
    const since = decodeVector(payload.since);
    if (!since) return fail('since must be a vector {"<nodeId>": seq}');
    value.since = payload.since as Record<string, number>;
  }
  if (payload.updatesSince !== undefined) {
    if (payload.since === undefined) return fail("updatesSince goes with since");
    if (!decodeVector(payload.updatesSince)) {
      return fail('updatesSince must be a vector {"<nodeId>": seq}');
    }
    value.updatesSince = payload.updatesSince as Record<string, number>;
  }
  if (payload.before !== undefined) {
    if (typeof payload.before !== "string" || !decodeMessageId(payload.before)) {
      return fail("before must be a messageId string");
    }
    value.before = payload.before;
  }
  if (payload.since !== undefined && payload.before !== undefined) {
    return fail("since and before cannot be combined");
  }
  if (payload.limit !== undefined) {
    const limit = payload.limit;
    if (typeof limit !== "number" || !Number.isInteger(limit) || limit < 1) {
      return fail(`limit must be an integer 1..${Limits.syncLimitMax}`);
    }
    if (limit > Limits.syncLimitMax) return fail(`limit must be 1..${Limits.syncLimitMax}`);
    value.limit = limit;
  }
  return { ok: true, value };
}

/** createChat's `private` and `members` (section 6): members only with private: true. */
function checkChatAccess(
  payload: Record<string, unknown>,
  name: string,
): Parsed<CreateChatPayload> {
  const value: CreateChatPayload = { name };
  if (payload.private !== undefined && typeof payload.private !== "boolean") {
    return fail("private must be true or false");
  }
  if (payload.members !== undefined) {
    if (payload.private !== true) return fail("members need private: true");
    const members = payload.members;
    if (!Array.isArray(members) || members.length > Limits.chatMembersMax) {
      return fail(`members must be a list of up to ${Limits.chatMembersMax} names`);
    }
    for (const member of members) {
      const checked = checkString(member, "a member name", Limits.senderMaxChars);
      if (!checked.ok) return checked;
    }
    value.members = [...new Set(members as string[])];
  }
  if (payload.private === true) value.private = true;
  return { ok: true, value };
}

function checkListChats(payload: unknown): Parsed<ListChatsPayload> {
  if (payload === undefined || payload === null || Array.isArray(payload)) {
    return { ok: true, value: {} };
  }
  if (!isRecord(payload)) return fail("payload must be an object {limit?, after?, creators?}");
  // Extension: `creators: true` adds each chat's creator.
  const value: ListChatsPayload = payload.creators === true ? { creators: true } : {};
  if (payload.limit !== undefined) {
    const limit = payload.limit;
    if (typeof limit !== "number" || !Number.isInteger(limit) || limit < 1) {
      return fail(`limit must be an integer 1..${CHAT_LIST_PAGE_MAX}`);
    }
    if (limit > CHAT_LIST_PAGE_MAX) return fail(`limit must be 1..${CHAT_LIST_PAGE_MAX}`);
    value.limit = limit;
  }
  if (payload.after !== undefined) {
    const after = checkChatId(payload.after);
    if (!after.ok) return fail("after must be a chat id (an integer >= 0)");
    value.after = after.value;
  }
  return { ok: true, value };
}

function checkPayload(type: ClientFrameTypeName, payload: unknown): Parsed<unknown> {
  switch (type) {
    case ClientFrameType.newMessageFromClient:
      return checkNewMessage(payload);
    case ClientFrameType.clientSyncRequest:
      return checkSyncRequest(payload);
    case ClientFrameType.hello: {
      if (!isRecord(payload)) return fail("payload must be an object {name}");
      const name = checkString(payload.name, "name", Limits.helloNameMaxChars);
      return name.ok ? { ok: true, value: { name: name.value } } : name;
    }
    case ClientFrameType.subscribe: {
      if (!isRecord(payload) || !("chatIds" in payload)) {
        return fail("payload must be an object {chatIds: int[] | null}");
      }
      const ids = payload.chatIds;
      if (ids === null) return { ok: true, value: { chatIds: null } };
      if (!Array.isArray(ids) || ids.length > SUBSCRIBE_MAX_CHATS || !ids.every(isChatId)) {
        return fail(`chatIds must be null or up to ${SUBSCRIBE_MAX_CHATS} integers >= 0`);
      }
      return { ok: true, value: { chatIds: [...new Set(ids as number[])] } };
    }
    case ClientFrameType.createChat: {
      if (!isRecord(payload)) return fail("payload must be an object {name}");
      const name = checkChatName(payload.name);
      return name.ok ? checkChatAccess(payload, name.value) : name;
    }
    case ClientFrameType.listChats:
      return checkListChats(payload);
    case ClientFrameType.renameChat: {
      if (!isRecord(payload)) return fail("payload must be an object {chatId, name}");
      const chatId = checkChatId(payload.chatId);
      if (!chatId.ok) return chatId;
      const name = checkChatName(payload.name);
      return name.ok ? { ok: true, value: { chatId: chatId.value, name: name.value } } : name;
    }
    case ClientFrameType.presence: {
      if (payload === undefined || payload === null || Array.isArray(payload)) {
        return { ok: true, value: {} };
      }
      if (!isRecord(payload)) return fail("payload must be an object {chatId?}");
      if (payload.chatId === undefined) return { ok: true, value: {} };
      const chat = checkChatId(payload.chatId);
      return chat.ok ? { ok: true, value: { chatId: chat.value } } : chat;
    }
    case ClientFrameType.editMessage:
      return checkEditMessage(payload);
    case ClientFrameType.deleteMessage:
      return checkDeleteMessage(payload);
    case ClientFrameType.typing:
      return checkTyping(payload);
    case ClientFrameType.search:
      return checkSearch(payload);
  }
}

/** A chat's name: 1..100 characters, not blank. */
function checkChatName(value: unknown): Parsed<string> {
  const name = checkString(value, "name", Limits.chatNameMaxChars);
  if (!name.ok) return name;
  return name.value.trim() === "" ? fail("name must not be blank") : name;
}

/**
 * The `ref` of a frame that will not be handled (refused by the rate limit), so
 * the error it causes still carries it, as the contract wants; undefined when the
 * frame is not a JSON object with a string ref.
 */
export function refOfFrame(message: string | Uint8Array): string | undefined {
  if (typeof message !== "string") return undefined;
  try {
    const raw: unknown = JSON.parse(message);
    return isRecord(raw) && typeof raw.ref === "string" ? raw.ref : undefined;
  } catch {
    return undefined;
  }
}

/** Parses one text frame. Byte size is the transport's check (1009), not this one's. */
export function parseClientFrame(text: string): ParsedFrame {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return fail("frame is not valid JSON", "bad_json");
  }
  if (!isRecord(raw)) return fail("frame must be a JSON object {type, payload}");
  let ref: string | undefined;
  if (raw.ref !== undefined) {
    // Any string (the contract sets no length; the 64 KiB frame limit bounds it).
    if (typeof raw.ref !== "string") return fail("ref must be a string");
    ref = raw.ref;
  }
  const withRef = <T extends { ok: false; error: ProtocolError }>(f: T) =>
    ref === undefined ? f : { ...f, ref };
  if (typeof raw.type !== "string") return withRef(fail("type must be a string"));
  if (!KNOWN_TYPES.has(raw.type)) {
    return withRef(
      fail(`unknown frame type ${JSON.stringify(raw.type.slice(0, 64))}`, "unknown_type"),
    );
  }
  const type = raw.type as ClientFrameTypeName;
  const payload = checkPayload(type, raw.payload);
  if (!payload.ok) return withRef(payload);
  const frame = { type, payload: payload.value } as ClientFrame;
  if (ref !== undefined) frame.ref = ref;
  return { ok: true, value: frame };
}

/** The body of `POST /api/chats/:chatId/messages`, with the chat id from the path. */
export function validatePostMessageBody(
  body: unknown,
  chatId: unknown,
): Parsed<NewMessagePayload> {
  if (!isRecord(body)) return fail("body must be a JSON object {text, sender, clientMsgId?}");
  return checkMessageFields(body, chatId);
}

/** A chat id from a URL path segment; null when it is not one. */
export function parseChatIdParam(segment: string): number | null {
  if (!/^(0|[1-9][0-9]{0,15})$/.test(segment)) return null;
  const id = Number(segment);
  return Number.isSafeInteger(id) ? id : null;
}
