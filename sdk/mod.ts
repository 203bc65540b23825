/**
 * The DSatter JavaScript SDK: embed DSatter chat in a web page or a Deno, Bun
 * or Node program. Start with `DSatterClient` (docs/SDK.md has the guide and
 * sdk/examples/ a program). Runtime-neutral: plain TypeScript with relative
 * imports, no runtime API beyond the WebSocket, fetch and timer globals, each
 * of which can be replaced through the client's options.
 *
 * The lower layers are exported too, for a client that wants its own shape:
 * ChatSession (one connection's protocol, pure), runFailoverLoop (connect,
 * fail over, liveness), the node sources, and the protocol's types and codec.
 * @module
 */

export { DSatterClient, type SendAck } from "./dsatter_client.ts";
export type { DSatterClientOptions } from "./dsatter_client_options.ts";
export type { DSatterClientEvents, EventKind } from "./client_events.ts";
export type { ConnectionState } from "./connection_state.ts";
export { type ChatTimeline, type TimelineEntry, timelineKey } from "./chat_timeline.ts";
export type { PendingSend } from "./pending_sends.ts";
export type { HistoryOptions, HistoryPage, SearchOptions, SearchPage } from "./node_queries.ts";
export { mentions } from "./mentions.ts";
export {
  describeTyping,
  TYPING_EXPIRES_MS,
  TypingRoster,
  watchTypingExpiry,
} from "./typing_roster.ts";

export { ChatSession, type ChatSessionOptions, type SessionEvent } from "./chat_session.ts";
export { type FailoverStatus, runFailoverLoop } from "./failover_loop.ts";
export { discoveryNodeSource } from "./discovery_source.ts";
export { nodeListSource } from "./node_list_source.ts";
export { type NodeSource, staticNodeSource } from "./node_source.ts";
export type { CloseInfo, Dialer, NodeConnection } from "./node_connection.ts";
export { createWebSocketDialer, type WebSocketConstructor } from "./websocket_dialer.ts";
export { tokenSubject } from "./token_subject.ts";
export { systemTimers, type Timers } from "./timers.ts";

export type {
  Chat,
  ChatMessage,
  MessageUpdatePayload,
  PresenceEntry,
  ServerFrame,
  TypingEventPayload,
} from "../common/protocol.ts";
export { DEFAULT_CHAT_ID, Limits } from "../common/protocol.ts";
export { decodeServerFrame } from "../common/server_frame_codec.ts";
