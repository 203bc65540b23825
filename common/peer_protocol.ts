/**
 * The peer protocol spoken over `/peer` between two nodes: frame types, their
 * validation, and encoding into frames that stay under a byte bound. One JSON
 * object per text frame, `{"type", "payload"}` like the client protocol.
 *
 * Conversation: each side's first frame is `peerHello`; then, in any order,
 * `peerMessages` (live fan-out of local commits), `syncRequest` / `syncReply`
 * (anti-entropy: "this is my vector, send me the next page of what I lack"),
 * `peerChats` (a private chat with its members), `peerPresence` (the sender's
 * full hello list), `peerNames` (token holders' names: all on open, then each new
 * one) and `peerPing` (liveness: any frame proves the link alive).
 *
 * Messages travel in one of two forms: objects (`messages: [...]`, the first
 * form) or packed runs (`runs: [...]`, common/packed_messages.ts), which a
 * node sends only to a peer whose hello said `packed: 1` (live frames) or
 * whose sync request did (replies). A packed sync reply may span several
 * frames (`last: false` on all but the final one), so one page, and one commit
 * on the requester, holds up to `pageBytes` instead of one frame's worth.
 *
 * Invariant: parsePeerFrame never throws and returns only frames whose every
 * field has the type written here; every encoded frame is at most the byte bound
 * it was given (a single message always fits: the contract caps a message far below it).
 * @module
 */

import type { Chat, Parsed, VectorWire } from "./protocol.ts";
import { Limits } from "./protocol.ts";
import { fail as failCheck } from "./field_checks.ts";
import {
  parsePeerUpdateFrame,
  parseReplicatedMessages,
  type PeerUpdateFrame,
  type ReplicatedMessage,
} from "./peer_update_protocol.ts";
import { isContractDateTime } from "./hybrid_logical_clock.ts";
import { isBoundedString, isIntAtLeast, isRecord } from "./value_checks.ts";
import { decodeVector } from "./version_vector.ts";
import { parsePackedRuns } from "./packed_messages.ts";
import { utf8ByteLength } from "./utf8_length.ts";

export { utf8ByteLength };

export const PeerFrameType = {
  hello: "peerHello",
  messages: "peerMessages",
  syncRequest: "syncRequest",
  syncReply: "syncReply",
  chats: "peerChats",
  presence: "peerPresence",
  names: "peerNames",
  ping: "peerPing",
} as const;

/**
 * Peer frames stay under this many bytes, so the node's 64 KiB WebSocket payload
 * limit can be one setting for clients and peers alike.
 */
export const PEER_FRAME_MAX_BYTES = 60 * 1024;

/** The version of the packed message form this node reads (peerHello, syncRequest). */
export const PACKED_FORM = 1;

/** The largest sync page a requester may ask for (its frames are each under the frame bound). */
export const MAX_SYNC_PAGE_BYTES = 1024 * 1024;

/**
 * Bytes of packed messages a node's sync page asks for: ~3,000-4,000 messages, one commit
 * on the requester, about a dozen frames from the peer (each under the frame bound).
 */
export const SYNC_PAGE_BYTES = 512 * 1024;

/** A chat as it replicates: the client fields plus what decides between two names. */
export interface PeerChat extends Chat {
  named?: boolean;
  createdAt?: string;
  createdLc?: number;
  createdBy?: number;
  /** A private chat's members (its privacy is its id's, chat_access.ts): merged by union. */
  members?: string[];
  /** The latest rename's hybrid-clock stamp and node (the latest wins on every node). */
  renamed?: { at: string; lc: number; by: number };
}

export interface PeerHelloPayload {
  nodeId: number;
  /** On the accepting side: HMAC over the dialler's nonce (see peer_auth_token.ts). */
  acceptProof?: string;
  /** The sender reads packed messages (PACKED_FORM): live frames to it may be packed. */
  packed?: number;
}

export interface PeerMessagesPayload {
  messages: ReplicatedMessage[];
}

export interface SyncRequestPayload {
  /** Request number, echoed on the reply. */
  requestId: number;
  /** The requester's contiguous marks. */
  vector: VectorWire;
  /** The requester reads packed replies (PACKED_FORM), spanning frames. */
  packed?: number;
  /** With packed: the page size it takes, in bytes of packed messages (<= MAX_SYNC_PAGE_BYTES). */
  pageBytes?: number;
  /**
   * Origins to leave out of the reply for now: the requester refused their next
   * message from this peer (stamped too far ahead of its clock) and asks again later.
   * Absent from older nodes' requests (nothing is left out).
   */
  skip?: number[];
}

/** The most origins one syncRequest may ask to skip. */
export const SYNC_SKIP_MAX = 1000;

export interface SyncReplyPayload {
  requestId: number;
  /** In origin-seq order per origin, each origin's run contiguous from the requester's mark. */
  messages: ReplicatedMessage[];
  /** True when a bound cut the page: ask again at once (read on the page's last frame). */
  more: boolean;
  /** False on every frame of a page but its last (packed replies); absent means true. */
  last?: boolean;
}

/** One hello name on the sending node and the chats it follows (null: every chat). */
export interface PeerPresenceMember {
  name: string;
  chatIds: number[] | null;
}

/** The sender's hello members; a long list spans frames, the last one has `done: true`. */
export interface PeerPresencePayload {
  members: PeerPresenceMember[];
  done: boolean;
}

export type PeerFrame =
  | { type: typeof PeerFrameType.hello; payload: PeerHelloPayload }
  | { type: typeof PeerFrameType.messages; payload: PeerMessagesPayload }
  | { type: typeof PeerFrameType.syncRequest; payload: SyncRequestPayload }
  | { type: typeof PeerFrameType.syncReply; payload: SyncReplyPayload }
  | { type: typeof PeerFrameType.chats; payload: { chats: PeerChat[] } }
  | { type: typeof PeerFrameType.presence; payload: PeerPresencePayload }
  | { type: typeof PeerFrameType.names; payload: { names: string[] } }
  | { type: typeof PeerFrameType.ping; payload: Record<string, never> }
  | PeerUpdateFrame;

function fail<T>(message: string): Parsed<T> {
  return failCheck(message);
}

function parseChat(value: unknown): Parsed<PeerChat> {
  if (!isRecord(value)) return fail("chat must be an object");
  if (!isIntAtLeast(value.chatId, 0)) return fail("bad chatId");
  if (!isBoundedString(value.name, Limits.chatNameMaxChars)) return fail("bad chat name");
  const chat: PeerChat = { chatId: value.chatId, name: value.name };
  if (isContractDateTime(value.lastMessageAt)) {
    chat.lastMessageAt = value.lastMessageAt;
  }
  if (typeof value.named === "boolean") chat.named = value.named;
  if (isContractDateTime(value.createdAt)) {
    chat.createdAt = value.createdAt;
  }
  if (isIntAtLeast(value.createdLc, 0)) chat.createdLc = value.createdLc;
  if (isIntAtLeast(value.createdBy, 0)) chat.createdBy = value.createdBy;
  if (value.members !== undefined) {
    const members = parseNames(value.members, Limits.chatMembersMax);
    if (!members.ok) return members;
    chat.members = members.value;
  }
  if (isBoundedString(value.creator, Limits.helloNameMaxChars)) chat.creator = value.creator;
  const renamed = value.renamed;
  if (
    isRecord(renamed) && isContractDateTime(renamed.at) &&
    isIntAtLeast(renamed.lc, 0) && isIntAtLeast(renamed.by, 0)
  ) chat.renamed = { at: renamed.at, lc: renamed.lc, by: renamed.by };
  return { ok: true, value: chat };
}

/** A list of user names (senders' length bound), at most max long. */
function parseNames(value: unknown, max: number): Parsed<string[]> {
  if (!Array.isArray(value) || value.length > max) return fail("bad names");
  if (!value.every((name) => isBoundedString(name, Limits.senderMaxChars))) {
    return fail("bad name");
  }
  return { ok: true, value: value as string[] };
}

/** One peerNames frame carries at most this many names (encodeListFrames splits by bytes). */
const NAMES_PER_FRAME_MAX = 10_000;

function parsePresenceMember(value: unknown): Parsed<PeerPresenceMember> {
  if (!isRecord(value) || !isBoundedString(value.name, Limits.helloNameMaxChars)) {
    return fail("bad presence name");
  }
  const { chatIds } = value;
  if (chatIds !== null && !(Array.isArray(chatIds) && chatIds.every((id) => isIntAtLeast(id, 0)))) {
    return fail("bad presence chatIds");
  }
  return { ok: true, value: { name: value.name, chatIds: chatIds as number[] | null } };
}

/** A payload's messages: packed `runs`, or the object form's `messages`. */
function parseMessagesOf(payload: Record<string, unknown>): Parsed<ReplicatedMessage[]> {
  return payload.runs !== undefined
    ? parsePackedRuns(payload.runs)
    : parseReplicatedMessages(payload.messages);
}

/** A `syncRequest` payload: its id, the vector, packed and pageBytes, and the origins to `skip` (at most SYNC_SKIP_MAX). */
function parseSyncRequest(payload: Record<string, unknown>): Parsed<SyncRequestPayload> {
  if (!isIntAtLeast(payload.requestId, 0)) return fail("bad requestId");
  if (!decodeVector(payload.vector)) return fail("bad vector");
  const request: SyncRequestPayload = {
    requestId: payload.requestId,
    vector: payload.vector as VectorWire,
  };
  if (isIntAtLeast(payload.packed, 1)) request.packed = payload.packed;
  if (payload.pageBytes !== undefined) {
    if (!isIntAtLeast(payload.pageBytes, 1) || payload.pageBytes > MAX_SYNC_PAGE_BYTES) {
      return fail("bad pageBytes");
    }
    request.pageBytes = payload.pageBytes;
  }
  if (payload.skip !== undefined) {
    const skip = payload.skip;
    if (
      !Array.isArray(skip) || skip.length > SYNC_SKIP_MAX ||
      !skip.every((origin) => isIntAtLeast(origin, 0))
    ) return fail("bad skip");
    request.skip = skip as number[];
  }
  return { ok: true, value: request };
}

function parseSyncReply(payload: Record<string, unknown>): Parsed<SyncReplyPayload> {
  if (!isIntAtLeast(payload.requestId, 0)) return fail("bad requestId");
  if (typeof payload.more !== "boolean") return fail("bad more");
  if (payload.last !== undefined && typeof payload.last !== "boolean") return fail("bad last");
  const messages = parseMessagesOf(payload);
  if (!messages.ok) return messages;
  const reply: SyncReplyPayload = {
    requestId: payload.requestId,
    messages: messages.value,
    more: payload.more,
  };
  if (payload.last === false) reply.last = false;
  return { ok: true, value: reply };
}

/** Parses one peer frame's text. */
export function parsePeerFrame(text: string): Parsed<PeerFrame> {
  let frame: unknown;
  try {
    frame = JSON.parse(text);
  } catch {
    return { ok: false, error: { code: "bad_json", message: "peer frame is not JSON" } };
  }
  if (!isRecord(frame) || typeof frame.type !== "string") return fail("frame must have a type");
  const payload = frame.payload;
  if (!isRecord(payload)) return fail("payload must be an object");
  switch (frame.type) {
    case PeerFrameType.hello: {
      if (!isIntAtLeast(payload.nodeId, 0)) return fail("bad nodeId");
      const hello: PeerHelloPayload = { nodeId: payload.nodeId };
      if (typeof payload.acceptProof === "string") hello.acceptProof = payload.acceptProof;
      if (isIntAtLeast(payload.packed, 1)) hello.packed = payload.packed;
      return { ok: true, value: { type: frame.type, payload: hello } };
    }
    case PeerFrameType.messages: {
      const messages = parseMessagesOf(payload);
      if (!messages.ok) return messages;
      return { ok: true, value: { type: frame.type, payload: { messages: messages.value } } };
    }
    case PeerFrameType.syncRequest: {
      const request = parseSyncRequest(payload);
      return request.ok
        ? { ok: true, value: { type: frame.type, payload: request.value } }
        : request;
    }
    case PeerFrameType.syncReply: {
      const reply = parseSyncReply(payload);
      return reply.ok ? { ok: true, value: { type: frame.type, payload: reply.value } } : reply;
    }
    case PeerFrameType.chats: {
      if (!Array.isArray(payload.chats)) return fail("chats must be an array");
      const chats: PeerChat[] = [];
      for (const item of payload.chats) {
        const chat = parseChat(item);
        if (!chat.ok) return chat;
        chats.push(chat.value);
      }
      return { ok: true, value: { type: frame.type, payload: { chats } } };
    }
    case PeerFrameType.presence: {
      if (!Array.isArray(payload.members)) return fail("members must be an array");
      const members: PeerPresenceMember[] = [];
      for (const item of payload.members) {
        const member = parsePresenceMember(item);
        if (!member.ok) return member;
        members.push(member.value);
      }
      if (typeof payload.done !== "boolean") return fail("bad done");
      return { ok: true, value: { type: frame.type, payload: { members, done: payload.done } } };
    }
    case PeerFrameType.names: {
      const names = parseNames(payload.names, NAMES_PER_FRAME_MAX);
      if (!names.ok) return names;
      return { ok: true, value: { type: frame.type, payload: { names: names.value } } };
    }
    case PeerFrameType.ping:
      return { ok: true, value: { type: frame.type, payload: {} } };
    default:
      return parsePeerUpdateFrame(frame.type, payload) ??
        { ok: false, error: { code: "unknown_type", message: `unknown peer frame type` } };
  }
}

/**
 * Encodes items as frames `{"type":T,"payload":{<key>:[...] , ...extra}}`, as many
 * items per frame as fit in maxBytes (always at least one). Each item is
 * stringified once. With no items, one frame with an empty list.
 */
export function encodeListFrames(
  type: string,
  key: string,
  items: readonly unknown[],
  options: {
    maxBytes?: number;
    extra?: (isLast: boolean) => Record<string, unknown>;
    /** Encodes one item (a cache of encodings shared with other recipients). */
    encodeItem?: (item: never) => string;
  } = {},
): string[] {
  const { maxBytes = PEER_FRAME_MAX_BYTES, extra } = options;
  const encodeItem = (options.encodeItem ?? JSON.stringify) as (item: unknown) => string;
  const head = `{"type":${JSON.stringify(type)},"payload":{${JSON.stringify(key)}:[`;
  const tailFor = (isLast: boolean) => {
    const fields = extra ? JSON.stringify(extra(isLast)).slice(1, -1) : "";
    return fields ? `],${fields}}}` : "]}}";
  };
  const overhead = utf8ByteLength(head) + utf8ByteLength(tailFor(false)) + 16;
  const groups: string[][] = [];
  let current: string[] = [];
  let currentBytes = overhead;
  for (const item of items) {
    const json = encodeItem(item);
    const bytes = utf8ByteLength(json) + 1;
    if (current.length > 0 && currentBytes + bytes > maxBytes) {
      groups.push(current);
      current = [];
      currentBytes = overhead;
    }
    current.push(json);
    currentBytes += bytes;
  }
  groups.push(current);
  return groups.map((group, index) =>
    head + group.join(",") + tailFor(index === groups.length - 1)
  );
}

/** A frame with a small payload. */
export function encodePeerFrame(type: string, payload: unknown): string {
  return JSON.stringify({ type, payload });
}
