/**
 * Reading what a node sends: one JSON object per text frame. Anything that is
 * not a well-formed frame (or a message without the contract's fields) is
 * dropped here, so the session core only ever sees typed values.
 *
 * Invariant: a ChatMessage returned by asChatMessage() has every field the
 * contract requires, with the right types, and no other fields.
 * @module
 */

import type { Chat, ChatMessage, PresenceEntry } from "../common/protocol.ts";

/** A frame from a node, before its payload is interpreted. */
export interface IncomingFrame {
  type: string;
  payload: unknown;
  source?: number;
  ref?: string;
  more?: boolean;
  vector?: unknown;
}

/** Parses one text frame; null when it is not a JSON object with a string `type`. */
export function parseServerFrame(text: string): IncomingFrame | null {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) return null;
  const frame = value as Record<string, unknown>;
  if (typeof frame.type !== "string") return null;
  return {
    type: frame.type,
    payload: frame.payload,
    source: typeof frame.source === "number" ? frame.source : undefined,
    ref: typeof frame.ref === "string" ? frame.ref : undefined,
    more: frame.more === true,
    vector: frame.vector,
  };
}

/** The message exactly as the contract defines it, or null when a field is missing or mistyped. */
export function asChatMessage(value: unknown): ChatMessage | null {
  if (typeof value !== "object" || value === null) return null;
  const m = value as Record<string, unknown>;
  if (
    typeof m.messageId !== "string" || !Number.isSafeInteger(m.nodeId) ||
    !Number.isSafeInteger(m.seq) || (m.seq as number) < 1 || !Number.isSafeInteger(m.chatId) ||
    typeof m.text !== "string" || typeof m.sender !== "string" ||
    typeof m.dateTime !== "string" || typeof m.lc !== "number"
  ) return null;
  if (m.clientMsgId !== undefined && typeof m.clientMsgId !== "string") return null;
  const message: ChatMessage = {
    messageId: m.messageId,
    nodeId: m.nodeId as number,
    seq: m.seq as number,
    chatId: m.chatId as number,
    text: m.text,
    sender: m.sender,
    dateTime: m.dateTime,
    lc: m.lc,
  };
  if (typeof m.clientMsgId === "string") message.clientMsgId = m.clientMsgId;
  return message;
}

/** The messages of an array payload that are well formed. */
export function asChatMessages(payload: unknown): ChatMessage[] {
  if (!Array.isArray(payload)) return [];
  const messages: ChatMessage[] = [];
  for (const item of payload) {
    const message = asChatMessage(item);
    if (message) messages.push(message);
  }
  return messages;
}

/** A chat (`chatCreated` payload, `chatList` item), or null when malformed. */
export function asChat(value: unknown): Chat | null {
  const c = value as Record<string, unknown> | null;
  if (!c || typeof c.chatId !== "number" || typeof c.name !== "string") return null;
  const chat: Chat = { chatId: c.chatId, name: c.name };
  if (typeof c.lastMessageAt === "string") chat.lastMessageAt = c.lastMessageAt;
  return chat;
}

/** The well-formed chats of a `chatList` payload. */
export function asChats(payload: unknown): Chat[] {
  if (!Array.isArray(payload)) return [];
  return payload.map(asChat).filter((chat): chat is Chat => chat !== null);
}

/** The well-formed entries of a `presenceList` payload. */
export function asPresenceEntries(payload: unknown): PresenceEntry[] {
  if (!Array.isArray(payload)) return [];
  const entries: PresenceEntry[] = [];
  for (const item of payload) {
    const e = item as Record<string, unknown> | null;
    if (e && typeof e.name === "string" && typeof e.nodeId === "number") {
      entries.push({ name: e.name, nodeId: e.nodeId });
    }
  }
  return entries;
}

/** A `presence` event payload, or null when malformed. */
export function asPresenceEvent(
  payload: unknown,
): { name: string; nodeId: number; online: boolean } | null {
  const p = payload as Record<string, unknown> | null;
  if (!p || typeof p.name !== "string" || typeof p.nodeId !== "number") return null;
  return { name: p.name, nodeId: p.nodeId, online: p.online === true };
}
