/**
 * What the session core tells its user (one callback, one discriminated union),
 * and the narrowest view of a connection it needs. New frame kinds (section 7:
 * `messageUpdated`, `typing`) arrive here as new members, so every consumer's
 * switch shows where it can take them.
 * @module
 */

import type {
  Chat,
  ChatMessage,
  MessageUpdatePayload,
  PresenceEntry,
  ServerFrame,
  TypingEventPayload,
} from "../common/protocol.ts";
import type { UndecodableFrame } from "../common/server_frame_codec.ts";
import type { PendingSend } from "./pending_sends.ts";
import type { RequestPurpose } from "./pending_requests.ts";

/** Where a shown message came from. */
export type MessageOrigin = "history" | "live" | "missed";

export type SessionEvent =
  | { kind: "message"; message: ChatMessage; origin: MessageOrigin }
  | { kind: "ready"; url: string; nodeId?: number; resumed: boolean; missed: number }
  | { kind: "acked"; entry: PendingSend; messageId: string }
  | { kind: "rejected"; entry: PendingSend; code: string; reason: string }
  | { kind: "pendingChanged" }
  | { kind: "joined"; chatId: number }
  | { kind: "chatList"; chats: Chat[] }
  | { kind: "presenceList"; entries: PresenceEntry[] }
  | { kind: "presence"; name: string; nodeId: number; online: boolean }
  | { kind: "chatCreated"; chat: Chat; mine: boolean }
  | { kind: "chatRenamed"; chat: Chat }
  | { kind: "serverError"; code: string; message: string }
  | { kind: "messageUpdated"; update: MessageUpdatePayload }
  | { kind: "typing"; typing: TypingEventPayload }
  | { kind: "undecodable"; error: UndecodableFrame };

/** The narrowest view of a connection the core needs. */
export interface SessionLink {
  url: string;
  /**
   * Sends one text frame. `awaitsReply`: the node answers this frame (a request, a
   * send with clientMsgId), so a silence after it says the node is hung.
   */
  send(text: string, awaitsReply: boolean): void;
}

/**
 * The event for a frame that only informs (chats, presence, section 7 events), or
 * undefined for one the session acts on itself. `purpose`: the request it answers.
 */
export function notificationOf(
  frame: ServerFrame,
  purpose: RequestPurpose | undefined,
): SessionEvent | undefined {
  switch (frame.type) {
    case "chatCreated":
      return { kind: "chatCreated", chat: frame.payload, mine: purpose === "create" };
    case "chatRenamed":
      return { kind: "chatRenamed", chat: frame.payload };
    case "chatList":
      return { kind: "chatList", chats: frame.payload };
    case "presenceList":
      return { kind: "presenceList", entries: frame.payload };
    case "presence":
      return { kind: "presence", ...frame.payload };
    case "messageUpdated":
      return { kind: "messageUpdated", update: frame.payload };
    case "typing":
      return { kind: "typing", typing: frame.payload };
    default:
      return undefined; // messages, acks, sync replies, welcome, errors, search results
  }
}
