/**
 * The codec of every frame a node sends a client: encodeServerFrame() on the
 * node, decodeServerFrame() in the terminal client, the web page and the SDK.
 * Both are typed by the `ServerFrame` union of protocol.ts, and the decoder
 * table has one entry per frame type, so a frame type or field that changes on
 * one side only is a type error, not a silent drift.
 *
 * The live frame (`newMessagesForClient`) is built once per message and
 * published to many sockets: its message is encoded by messageJson(), the one
 * JSON pass per message shared with the peer fan-out (message_json.ts).
 *
 * Invariants: decodeServerFrame() never throws; what it returns as a frame has
 * every field of its type, checked (a node's bytes are untrusted input); an
 * unknown type or a malformed frame is a value saying why, with the frame's
 * `ref` when it had one, so a waiting request can be told.
 * decodeServerFrame(encodeServerFrame(f)) deep-equals f for every well-formed f.
 * @module
 */

import { parseChatMessage, parseChatMessages } from "./chat_message.ts";
import { messageJson } from "./message_json.ts";
import { decodeMessageId } from "./message_id.ts";
import {
  type Chat,
  Limits,
  type Parsed,
  type PresenceEntry,
  type ServerFrame,
  type ServerFrameOf,
  ServerFrameType,
  type ServerFrameTypeName,
  type VectorWire,
} from "./protocol.ts";
import { isBoundedString, isIntAtLeast, isRecord } from "./value_checks.ts";
import { decodeVector, encodeVector } from "./version_vector.ts";

/** One frame as its JSON text. Fields in a fixed order: type, payload, source, paging, ref. */
export function encodeServerFrame(frame: ServerFrame): string {
  let text = `{"type":"${frame.type}","payload":${encodePayload(frame)}`;
  if (frame.source !== undefined) text += `,"source":${frame.source}`;
  if (frame.type === ServerFrameType.clientSyncReply) {
    if (frame.more === true) text += `,"more":true`;
    if (frame.vector !== undefined) text += `,"vector":${JSON.stringify(frame.vector)}`;
    if (frame.updated !== undefined) text += `,"updated":${JSON.stringify(frame.updated)}`;
    if (frame.updates !== undefined) text += `,"updates":${JSON.stringify(frame.updates)}`;
  }
  if (frame.type === ServerFrameType.searchResults) {
    if (frame.more === true) text += `,"more":true`;
    if (frame.before !== undefined) text += `,"before":${JSON.stringify(frame.before)}`;
  }
  if (frame.type === ServerFrameType.chatList && frame.more === true) {
    text += `,"more":true`;
  }
  if (frame.ref !== undefined) text += `,"ref":${JSON.stringify(frame.ref)}`;
  return text + "}";
}

function encodePayload(frame: ServerFrame): string {
  if (frame.type === ServerFrameType.newMessagesForClient) {
    return `[${messageJson(frame.payload[0])}]`;
  }
  return JSON.stringify(frame.payload);
}

/** Why a text is not a frame this client can use. */
export interface UndecodableFrame {
  reason: "not_json" | "not_a_frame" | "unknown_type" | "bad_payload";
  message: string;
  /** The frame's type, when it had a string one. */
  type?: string;
  /** The frame's ref, when it had a string one: the request it answers failed. */
  ref?: string;
}

export type DecodedServerFrame =
  | { ok: true; frame: ServerFrame }
  | { ok: false; error: UndecodableFrame };

type Decoder<T extends ServerFrameTypeName> = (
  payload: unknown,
  envelope: Record<string, unknown>,
) => Parsed<ServerFrameOf<T>>;

function bad<T>(message: string): Parsed<T> {
  return { ok: false, error: { code: "bad_frame", message } };
}

function ok<T>(value: T): Parsed<T> {
  return { ok: true, value };
}

/** Decodes one text frame from a node. */
export function decodeServerFrame(text: string): DecodedServerFrame {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return { ok: false, error: { reason: "not_json", message: "frame is not JSON" } };
  }
  if (!isRecord(raw) || typeof raw.type !== "string") {
    return { ok: false, error: { reason: "not_a_frame", message: "frame has no string type" } };
  }
  const type = raw.type;
  const ref = typeof raw.ref === "string" ? raw.ref : undefined;
  if (!isServerFrameType(type)) {
    const message = `unknown frame type ${JSON.stringify(type.slice(0, 64))}`;
    return { ok: false, error: { reason: "unknown_type", message, type, ref } };
  }
  const parsed = DECODERS[type](raw.payload, raw);
  if (!parsed.ok) {
    const message = `${type}: ${parsed.error.message}`;
    return { ok: false, error: { reason: "bad_payload", message, type, ref } };
  }
  const frame: ServerFrame = parsed.value;
  if (isIntAtLeast(raw.source, 0)) frame.source = raw.source;
  if (ref !== undefined) frame.ref = ref;
  return { ok: true, frame };
}

function isServerFrameType(type: string): type is ServerFrameTypeName {
  return Object.hasOwn(DECODERS, type);
}

function parseVectorWire(value: unknown): Parsed<VectorWire> {
  const vector = decodeVector(value);
  return vector ? ok(encodeVector(vector)) : bad('vector must be {"<nodeId>": seq}');
}

function parseChat(value: unknown): Parsed<Chat> {
  if (!isRecord(value) || !isIntAtLeast(value.chatId, 0)) return bad("bad chatId");
  if (!isBoundedString(value.name, Limits.chatNameMaxChars)) return bad("bad chat name");
  const chat: Chat = { chatId: value.chatId, name: value.name };
  if (value.lastMessageAt !== undefined) {
    if (typeof value.lastMessageAt !== "string") return bad("bad lastMessageAt");
    chat.lastMessageAt = value.lastMessageAt;
  }
  if (value.private === true) {
    const members = value.members;
    if (
      !Array.isArray(members) || !members.every((m) => isBoundedString(m, Limits.senderMaxChars))
    ) {
      return bad("bad members");
    }
    chat.private = true;
    chat.members = members as string[];
  }
  if (value.creator !== undefined) {
    if (!isBoundedString(value.creator, Limits.helloNameMaxChars)) return bad("bad creator");
    chat.creator = value.creator;
  }
  return ok(chat);
}

function parsePresenceEntry(value: unknown): Parsed<PresenceEntry> {
  if (!isRecord(value) || !isBoundedString(value.name, Limits.helloNameMaxChars)) {
    return bad("bad name");
  }
  if (!isIntAtLeast(value.nodeId, 0)) return bad("bad nodeId");
  return ok({ name: value.name, nodeId: value.nodeId });
}

/** Each item through parseItem; the first bad one fails the list. */
function parseList<T>(value: unknown, parseItem: (item: unknown) => Parsed<T>): Parsed<T[]> {
  if (!Array.isArray(value)) return bad("payload must be an array");
  const items: T[] = [];
  for (const item of value) {
    const parsed = parseItem(item);
    if (!parsed.ok) return parsed;
    items.push(parsed.value);
  }
  return ok(items);
}

function isMessageId(value: unknown): value is string {
  return typeof value === "string" && decodeMessageId(value) !== null;
}

const DECODERS: { [T in ServerFrameTypeName]: Decoder<T> } = {
  newMessagesForClient(payload) {
    if (!Array.isArray(payload) || payload.length !== 1) return bad("payload must be [message]");
    const message = parseChatMessage(payload[0]);
    if (!message.ok) return message;
    return ok({ type: ServerFrameType.newMessagesForClient, payload: [message.value] });
  },
  clientMessageResponse(payload) {
    if (!isRecord(payload) || !isBoundedString(payload.clientMsgId, Limits.clientMsgIdMaxChars)) {
      return bad("bad clientMsgId");
    }
    if (!isMessageId(payload.messageId)) return bad("bad messageId");
    const { clientMsgId, messageId } = payload;
    return ok({ type: ServerFrameType.clientMessageResponse, payload: { clientMsgId, messageId } });
  },
  clientSyncReply(payload, envelope) {
    const messages = parseChatMessages(payload);
    if (!messages.ok) return messages;
    const frame: ServerFrameOf<"clientSyncReply"> = {
      type: ServerFrameType.clientSyncReply,
      payload: messages.value,
    };
    if (envelope.more !== undefined && typeof envelope.more !== "boolean") return bad("bad more");
    if (envelope.more === true) frame.more = true;
    if (envelope.vector !== undefined) {
      const vector = parseVectorWire(envelope.vector);
      if (!vector.ok) return vector;
      frame.vector = vector.value;
    }
    if (envelope.updated !== undefined) {
      const updated = parseChatMessages(envelope.updated);
      if (!updated.ok) return updated;
      frame.updated = updated.value;
    }
    if (envelope.updates !== undefined) {
      const updates = parseVectorWire(envelope.updates);
      if (!updates.ok) return updates;
      frame.updates = updates.value;
    }
    return ok(frame);
  },
  welcome(payload) {
    if (!isRecord(payload) || !isIntAtLeast(payload.nodeId, 0)) return bad("bad nodeId");
    const vector = parseVectorWire(payload.vector);
    if (!vector.ok) return vector;
    const welcome: ServerFrameOf<"welcome">["payload"] = {
      nodeId: payload.nodeId,
      vector: vector.value,
    };
    if (payload.updates !== undefined) {
      const updates = parseVectorWire(payload.updates);
      if (!updates.ok) return updates;
      welcome.updates = updates.value;
    }
    return ok({ type: ServerFrameType.welcome, payload: welcome });
  },
  chatCreated(payload) {
    const chat = parseChat(payload);
    return chat.ok ? ok({ type: ServerFrameType.chatCreated, payload: chat.value }) : chat;
  },
  chatRenamed(payload) {
    const chat = parseChat(payload);
    return chat.ok ? ok({ type: ServerFrameType.chatRenamed, payload: chat.value }) : chat;
  },
  chatList(payload, envelope) {
    const chats = parseList(payload, parseChat);
    if (!chats.ok) return chats;
    if (envelope.more !== undefined && typeof envelope.more !== "boolean") return bad("bad more");
    const frame: ServerFrameOf<"chatList"> = {
      type: ServerFrameType.chatList,
      payload: chats.value,
    };
    if (envelope.more === true) frame.more = true;
    return ok(frame);
  },
  presenceList(payload) {
    const entries = parseList(payload, parsePresenceEntry);
    return entries.ok
      ? ok({ type: ServerFrameType.presenceList, payload: entries.value })
      : entries;
  },
  presence(payload) {
    const entry = parsePresenceEntry(payload);
    if (!entry.ok) return entry;
    if (!isRecord(payload) || typeof payload.online !== "boolean") return bad("bad online");
    const event = { ...entry.value, online: payload.online };
    return ok({ type: ServerFrameType.presence, payload: event });
  },
  error(payload) {
    if (!isRecord(payload) || typeof payload.code !== "string" || payload.code === "") {
      return bad("bad code");
    }
    const message = typeof payload.message === "string" ? payload.message : "";
    return ok({ type: ServerFrameType.error, payload: { code: payload.code, message } });
  },
  messageUpdated(payload) {
    const message = parseChatMessage(payload);
    if (!message.ok) return message;
    const update: ServerFrameOf<"messageUpdated">["payload"] = message.value;
    if (isRecord(payload) && payload.duplicateOf !== undefined) {
      if (!isMessageId(payload.duplicateOf)) return bad("bad duplicateOf");
      update.duplicateOf = payload.duplicateOf;
    }
    return ok({ type: ServerFrameType.messageUpdated, payload: update });
  },
  typing(payload) {
    const entry = parsePresenceEntry(payload);
    if (!entry.ok) return entry;
    if (!isRecord(payload) || !isIntAtLeast(payload.chatId, 0)) return bad("bad chatId");
    const event = { chatId: payload.chatId, ...entry.value };
    return ok({ type: ServerFrameType.typing, payload: event });
  },
  searchResults(payload, envelope) {
    const messages = parseChatMessages(payload);
    if (!messages.ok) return messages;
    const frame: ServerFrameOf<"searchResults"> = {
      type: ServerFrameType.searchResults,
      payload: messages.value,
    };
    if (envelope.more !== undefined && typeof envelope.more !== "boolean") return bad("bad more");
    if (envelope.more === true) frame.more = true;
    if (envelope.before !== undefined) {
      if (!isMessageId(envelope.before)) return bad("bad before");
      frame.before = envelope.before;
    }
    return ok(frame);
  },
};
