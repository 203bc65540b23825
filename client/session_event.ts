/**
 * What the session core tells its UI (one callback, one discriminated union),
 * and the narrowest view of a connection it needs.
 * @module
 */

import type { Chat, ChatMessage, PresenceEntry } from "../common/protocol.ts";
import type { PendingSend } from "./pending_sends.ts";

/** Where a shown message came from. */
export type MessageOrigin = "history" | "live" | "missed" | "older";

export type SessionEvent =
  | { kind: "message"; message: ChatMessage; origin: MessageOrigin }
  | { kind: "ready"; url: string; nodeId?: number; resumed: boolean; missed: number }
  | { kind: "acked"; entry: PendingSend; messageId: string }
  | { kind: "rejected"; entry: PendingSend; reason: string }
  | { kind: "pendingChanged" }
  | { kind: "joined"; chatId: number }
  | { kind: "chatList"; chats: Chat[] }
  | { kind: "presenceList"; entries: PresenceEntry[] }
  | { kind: "presence"; name: string; nodeId: number; online: boolean }
  | { kind: "chatCreated"; chat: Chat; mine: boolean }
  | { kind: "olderEnd"; count: number }
  | { kind: "serverError"; code: string; message: string };

/** The narrowest view of a connection the core needs. */
export interface SessionLink {
  url: string;
  send(text: string): void;
}
