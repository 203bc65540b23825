/**
 * A hello client's section 7 requests (editMessage, deleteMessage, typing,
 * search), answered for one session: the session hands over the frame and how
 * to reply; this module asks the chat node core.
 *
 * Invariants: edits, deletes and typing need a hello name (without one:
 * `forbidden`, nothing changes); the asking connection gets its edit or delete
 * back as `messageUpdated` with its `ref` (the broadcast skips it); a typing
 * frame past the connection's per-chat rate is dropped without an answer.
 * @module
 */

import {
  type ClientFrame,
  ClientFrameType,
  type ErrorCode,
  type ServerFrame,
  ServerFrameType,
} from "../../common/protocol.ts";
import type { ChatNode } from "../core/chat_node.ts";
import { messageUpdatedFrame } from "../core/message_updates.ts";
import type { Identity } from "../core/chat_access.ts";
import type { Logger } from "../../common/logger.ts";

/** What a session offers this module. */
export interface EventRequestSession {
  readonly id: number;
  /** The hello name; undefined before hello. */
  readonly helloName: string | undefined;
  /** Who the connection speaks for (its token, or anonymous). */
  readonly identity: Identity;
  /** True when a `typing` for chatId may be relayed at nowMs (the connection's throttle). */
  allowTyping(chatId: number, nowMs: number): boolean;
  /** Sends a reply frame (the session sets `source`). */
  reply(frame: ServerFrame): void;
  sendText(text: string): void;
  error(code: ErrorCode, message: string, ref?: string): void;
}

type EventFrame = Extract<
  ClientFrame,
  { type: "editMessage" | "deleteMessage" | "typing" | "search" }
>;

export function isEventFrame(frame: ClientFrame): frame is EventFrame {
  return frame.type === ClientFrameType.editMessage ||
    frame.type === ClientFrameType.deleteMessage || frame.type === ClientFrameType.typing ||
    frame.type === ClientFrameType.search;
}

const HELLO_FIRST = "say hello first: edits, deletes and typing need a name";

export function handleEventRequest(
  frame: EventFrame,
  session: EventRequestSession,
  context: { node: ChatNode; logger: Logger; nowMs?: () => number },
): void {
  const { node } = context;
  const ref = frame.ref;
  const name = session.helloName;
  switch (frame.type) {
    case ClientFrameType.editMessage:
    case ClientFrameType.deleteMessage: {
      if (name === undefined) return session.error("forbidden", HELLO_FIRST, ref);
      const request = frame.type === ClientFrameType.editMessage
        ? { kind: "edit" as const, ...frame.payload }
        : { kind: "delete" as const, ...frame.payload };
      node.updates.change(request, { identity: session.identity, name }, session.id).then(
        (outcome) => {
          if (!outcome.ok) return session.error(outcome.error.code, outcome.error.message, ref);
          session.sendText(messageUpdatedFrame(outcome.message, node.nodeId, ref));
        },
        (error: Error) => {
          context.logger.error("message change not stored", { error: error.message });
          session.error("unavailable", "the change could not be stored: try again", ref);
        },
      );
      return;
    }
    case ClientFrameType.typing: {
      if (name === undefined) return session.error("forbidden", HELLO_FIRST, ref);
      const { chatId } = frame.payload;
      const forbidden = node.access.checkChat(chatId, session.identity);
      if (forbidden) return session.error(forbidden.code, forbidden.message, ref);
      const nowMs = (context.nowMs ?? Date.now)();
      if (session.allowTyping(chatId, nowMs)) node.typingRelay.local(chatId, name);
      return;
    }
    case ClientFrameType.search: {
      const outcome = node.search(frame.payload, session.identity);
      if (!outcome.ok) return session.error(outcome.error.code, outcome.error.message, ref);
      session.reply({
        type: ServerFrameType.searchResults,
        payload: outcome.messages,
        more: outcome.more || undefined,
        before: outcome.before,
        ref,
      });
      return;
    }
  }
}
