/**
 * The DSatter client protocol as TypeScript types: frames, messages and the
 * contract's limits (../shared/PROTOCOL.md section 3). Runtime-neutral: imported
 * unchanged by the Deno parts and the Bun parts, so it holds no runtime API.
 *
 * Invariant: every name and limit here is the contract's; change the contract
 * first, then this file.
 * @module
 */

/** Frame types a client sends to a node. */
export const ClientFrameType = {
  newMessageFromClient: "newMessageFromClient",
  clientSyncRequest: "clientSyncRequest",
  hello: "hello",
  subscribe: "subscribe",
  createChat: "createChat",
  listChats: "listChats",
  presence: "presence",
} as const;
export type ClientFrameTypeName = typeof ClientFrameType[keyof typeof ClientFrameType];

/** Frame types a node sends to a client. */
export const ServerFrameType = {
  newMessagesForClient: "newMessagesForClient",
  clientMessageResponse: "clientMessageResponse",
  clientSyncReply: "clientSyncReply",
  welcome: "welcome",
  chatCreated: "chatCreated",
  chatList: "chatList",
  presenceList: "presenceList",
  presence: "presence",
  error: "error",
} as const;
export type ServerFrameTypeName = typeof ServerFrameType[keyof typeof ServerFrameType];

/** The contract's limits, in one place. */
export const Limits = {
  textMaxChars: 4000,
  senderMaxChars: 64,
  clientMsgIdMaxChars: 64,
  helloNameMaxChars: 64,
  chatNameMaxChars: 100,
  syncLimitMax: 1000,
  /** `clientSyncRequest []` answers with the latest this many. */
  syncDefaultLimit: 100,
  /** A client frame larger than this closes its connection with 1009. */
  frameMaxBytes: 64 * 1024,
  /** A discovery request body larger than this gets 413. */
  discoveryBodyMaxBytes: 16 * 1024,
} as const;

/** The chat the original clients used; the default everywhere. */
export const DEFAULT_CHAT_ID = 11;

/** Origin position per node id: the highest contiguous seq held. Keys are decimal node ids. */
export type VectorWire = Record<string, number>;

/** A stored chat message, exactly as it travels to clients. */
export interface ChatMessage {
  /** Decimal string of nodeId * 10^12 + seq. */
  messageId: string;
  /** The origin node, the one that accepted it from a client. */
  nodeId: number;
  /** Counts up from 1 on the origin node, with no gaps. */
  seq: number;
  chatId: number;
  text: string;
  sender: string;
  /** Hybrid logical clock, physical part: "YYYY-MM-DDTHH:MM:SS.sssZ". */
  dateTime: string;
  /** Hybrid logical clock, logical part. */
  lc: number;
  clientMsgId?: string;
}

export interface Chat {
  chatId: number;
  name: string;
  /** dateTime of the newest message, when there is one. */
  lastMessageAt?: string;
}

export interface PresenceEntry {
  name: string;
  nodeId: number;
}

/** Every frame, both directions: one JSON object per WebSocket text frame. */
export interface Frame<T extends string, P> {
  type: T;
  payload: P;
  /** Id of the node that sends the frame. */
  source?: number;
  /** Set by a client; echoed on the reply or error it causes. */
  ref?: string;
}

// ---- client to server payloads ----

export interface NewMessagePayload {
  text: string;
  sender: string;
  chatId: number;
  clientMsgId?: string;
}

/** `[]` (the original's form) is normalised to `{}` by validation. */
export interface SyncRequestPayload {
  chatId?: number;
  since?: VectorWire;
  before?: string;
  limit?: number;
}

export interface HelloPayload {
  name: string;
}

export interface SubscribePayload {
  chatIds: number[] | null;
}

export interface CreateChatPayload {
  name: string;
}

export interface PresenceRequestPayload {
  chatId?: number;
}

export type ClientFrame =
  | Frame<typeof ClientFrameType.newMessageFromClient, NewMessagePayload>
  | Frame<typeof ClientFrameType.clientSyncRequest, SyncRequestPayload>
  | Frame<typeof ClientFrameType.hello, HelloPayload>
  | Frame<typeof ClientFrameType.subscribe, SubscribePayload>
  | Frame<typeof ClientFrameType.createChat, CreateChatPayload>
  | Frame<typeof ClientFrameType.listChats, Record<string, never>>
  | Frame<typeof ClientFrameType.presence, PresenceRequestPayload>;

// ---- server to client payloads ----

export interface MessageAckPayload {
  clientMsgId: string;
  messageId: string;
}

export interface WelcomePayload {
  nodeId: number;
  vector: VectorWire;
}

export interface PresenceEventPayload {
  name: string;
  nodeId: number;
  online: boolean;
}

export type ErrorCode =
  | "bad_json"
  | "bad_frame"
  | "unknown_type"
  | "rate_limited"
  | "too_large"
  | "not_found"
  | "unavailable"
  | "storage_full"
  | "internal";

export interface ErrorPayload {
  code: ErrorCode;
  message: string;
}

/** `clientSyncReply` carries paging hints on the envelope. */
export interface SyncReplyFrame
  extends Frame<typeof ServerFrameType.clientSyncReply, ChatMessage[]> {
  /** True when a limit cut the reply. */
  more?: boolean;
  /** For a `since` request: the position to ask `since` for the next page. */
  vector?: VectorWire;
}

export type ServerFrame =
  | Frame<typeof ServerFrameType.newMessagesForClient, [ChatMessage]>
  | Frame<typeof ServerFrameType.clientMessageResponse, MessageAckPayload>
  | SyncReplyFrame
  | Frame<typeof ServerFrameType.welcome, WelcomePayload>
  | Frame<typeof ServerFrameType.chatCreated, Chat>
  | Frame<typeof ServerFrameType.chatList, Chat[]>
  | Frame<typeof ServerFrameType.presenceList, PresenceEntry[]>
  | Frame<typeof ServerFrameType.presence, PresenceEventPayload>
  | Frame<typeof ServerFrameType.error, ErrorPayload>;

/** A rejected input, as a value: the contract's code and a human sentence. */
export interface ProtocolError {
  code: ErrorCode;
  message: string;
}

/** Outcome of parsing at the edge: the typed value, or why not. */
export type Parsed<T> = { ok: true; value: T } | { ok: false; error: ProtocolError };
