/**
 * The DSatter client protocol as TypeScript types: frames, messages and the
 * contract's limits (docs/PROTOCOL.md sections 3, 6 and 7). Runtime-neutral:
 * imported unchanged by the Deno parts, the Bun parts and the browser bundle, so
 * it holds no runtime API.
 *
 * `ServerFrame` is the one definition of what a node sends: the node encodes
 * and both clients decode through common/server_frame_codec.ts, both typed by
 * it, so a field renamed here (or on one side only) fails the type checks.
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
  editMessage: "editMessage",
  deleteMessage: "deleteMessage",
  typing: "typing",
  search: "search",
  /** Extension (docs/SERVER.md): the creator renames a chat. Not in the contract. */
  renameChat: "renameChat",
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
  // Section 7 (message events), for `hello` clients only.
  messageUpdated: "messageUpdated",
  typing: "typing",
  searchResults: "searchResults",
  /** Extension (docs/SERVER.md): a chat's name changed, to `hello` clients only. */
  chatRenamed: "chatRenamed",
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
  /** The most member names a createChat may list. */
  chatMembersMax: 1000,
  /** A discovery request body larger than this gets 413. */
  discoveryBodyMaxBytes: 16 * 1024,
  searchQueryMaxChars: 200,
  searchLimitMax: 100,
  /** `search` without a limit answers this many. */
  searchDefaultLimit: 20,
  /** A reader treats a `typing` event as over after this long (section 7). */
  typingExpiresMs: 5000,
  /** A connection's `typing` for one chat is relayed at most once per this long; extras are dropped. */
  typingMinIntervalMs: 1000,
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
  /** Section 7: set once the sender edited it (ISO time of the edit). */
  editedAt?: string;
  /** Section 7: true once the sender deleted it (its text is then ""). */
  deleted?: boolean;
}

export interface Chat {
  chatId: number;
  name: string;
  /** dateTime of the newest message, when there is one. */
  lastMessageAt?: string;
  /** Private chats only (section 6): true, with the member names. */
  private?: true;
  members?: string[];
  /**
   * Extension: who created the chat (its creator may rename it); only in a `chatList`
   * answering `listChats {"creators": true}`.
   */
  creator?: string;
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
  /** With `since`: the update marks of the last reply (or welcome); see `updated` on the reply. */
  updatesSince?: VectorWire;
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
  /** Section 6: a chat only its members (and `chats` claim holders) can read. */
  private?: boolean;
  /** Section 6: the members of a private chat; the creator is one. */
  members?: string[];
}

/**
 * `listChats` extensions the contract leaves room for (docs/SERVER.md): `creators: true`
 * adds each chat's creator; paging gives at most `limit` chats with an id above `after`,
 * and the reply says `more` when cut. A client that sends `{}` gets the first page, which
 * holds every chat of a node with up to a thousand.
 */
export interface ListChatsPayload {
  creators?: boolean;
  limit?: number;
  after?: number;
}

/** Extension: `renameChat`, answered by `chatRenamed` (or `forbidden`, `not_found`). */
export interface RenameChatPayload {
  chatId: number;
  name: string;
}

export interface PresenceRequestPayload {
  chatId?: number;
}

export interface EditMessagePayload {
  messageId: string;
  text: string;
}

export interface DeleteMessagePayload {
  messageId: string;
}

export interface TypingRequestPayload {
  chatId: number;
}

export interface SearchRequestPayload {
  q: string;
  chatId?: number;
  limit?: number;
  /** A messageId from the previous page's `before`: continue after it (older). */
  before?: string;
}

export type ClientFrame =
  | Frame<typeof ClientFrameType.newMessageFromClient, NewMessagePayload>
  | Frame<typeof ClientFrameType.clientSyncRequest, SyncRequestPayload>
  | Frame<typeof ClientFrameType.hello, HelloPayload>
  | Frame<typeof ClientFrameType.subscribe, SubscribePayload>
  | Frame<typeof ClientFrameType.createChat, CreateChatPayload>
  | Frame<typeof ClientFrameType.listChats, ListChatsPayload>
  | Frame<typeof ClientFrameType.presence, PresenceRequestPayload>
  | Frame<typeof ClientFrameType.editMessage, EditMessagePayload>
  | Frame<typeof ClientFrameType.deleteMessage, DeleteMessagePayload>
  | Frame<typeof ClientFrameType.typing, TypingRequestPayload>
  | Frame<typeof ClientFrameType.search, SearchRequestPayload>
  | Frame<typeof ClientFrameType.renameChat, RenameChatPayload>;

// ---- server to client payloads ----

export interface MessageAckPayload {
  clientMsgId: string;
  messageId: string;
}

export interface WelcomePayload {
  nodeId: number;
  vector: VectorWire;
  /** The node's update marks: pass as `updatesSince` with `since` to learn missed edits. */
  updates?: VectorWire;
}

export interface PresenceEventPayload {
  name: string;
  nodeId: number;
  online: boolean;
}

/** The codes a node of this build sends (the contract allows more: clients take any string). */
export type ErrorCode =
  | "bad_json"
  | "bad_frame"
  | "unknown_type"
  | "rate_limited"
  | "too_large"
  | "not_found"
  | "unavailable"
  | "internal"
  | "forbidden"
  | "storage_full"
  | "conflict";

export interface ErrorPayload {
  /** An ErrorCode from this build's nodes; any string from another build's. */
  code: ErrorCode | (string & Record<never, never>);
  message: string;
}

/**
 * Section 7: a message as it now is, after an edit (`editedAt`), a delete (`deleted`,
 * `text: ""`), or found to be a hidden copy of another send (`duplicateOf`: the
 * messageId of the copy that stays).
 */
export interface MessageUpdatePayload extends ChatMessage {
  duplicateOf?: string;
}

/** Section 7: someone is typing in a chat; over after 5 s without another. */
export interface TypingEventPayload {
  chatId: number;
  name: string;
  nodeId: number;
}

/** `clientSyncReply` carries paging hints on the envelope. */
export interface SyncReplyFrame
  extends Frame<typeof ServerFrameType.clientSyncReply, ChatMessage[]> {
  /** True when a limit cut the reply. */
  more?: boolean;
  /** For a `since` request: the position to ask `since` for the next page. */
  vector?: VectorWire;
  /** With `updatesSince`: older messages changed since then, as they now are. */
  updated?: ChatMessage[];
  /** With `updatesSince`: the update marks to pass next time. */
  updates?: VectorWire;
}

/** `searchResults` carries its cursor on the envelope. */
export interface SearchResultsFrame
  extends Frame<typeof ServerFrameType.searchResults, ChatMessage[]> {
  /** True when older matches may follow: ask again with `before`. */
  more?: boolean;
  /** With `more`: the `before` of the next page. */
  before?: string;
}

/** `chatList` says on the envelope when a page limit cut it (see ListChatsPayload). */
export interface ChatListFrame extends Frame<typeof ServerFrameType.chatList, Chat[]> {
  more?: boolean;
}

export type ServerFrame =
  | Frame<typeof ServerFrameType.newMessagesForClient, [ChatMessage]>
  | Frame<typeof ServerFrameType.clientMessageResponse, MessageAckPayload>
  | SyncReplyFrame
  | Frame<typeof ServerFrameType.welcome, WelcomePayload>
  | Frame<typeof ServerFrameType.chatCreated, Chat>
  | ChatListFrame
  | Frame<typeof ServerFrameType.presenceList, PresenceEntry[]>
  | Frame<typeof ServerFrameType.presence, PresenceEventPayload>
  | Frame<typeof ServerFrameType.error, ErrorPayload>
  | Frame<typeof ServerFrameType.messageUpdated, MessageUpdatePayload>
  | Frame<typeof ServerFrameType.typing, TypingEventPayload>
  | SearchResultsFrame
  | Frame<typeof ServerFrameType.chatRenamed, Chat>;

/** The frame of one type of the union, e.g. `ServerFrameOf<"welcome">`. */
export type ServerFrameOf<T extends ServerFrameTypeName> = Extract<ServerFrame, { type: T }>;

/** A rejected input, as a value: the contract's code and a human sentence. */
export interface ProtocolError {
  code: ErrorCode;
  message: string;
}

/** Outcome of parsing at the edge: the typed value, or why not. */
export type Parsed<T> = { ok: true; value: T } | { ok: false; error: ProtocolError };
