/**
 * What the interactive terminal prints for each session event and failover
 * report: messages, notes about the connection, chats, people, refusals.
 *
 * Invariant: text from the network reaches the terminal only through
 * sanitizeForTerminal() or formatMessageLine(); presence notes about this
 * client itself (under any name it used) are not printed.
 * @module
 */

import type { Chat } from "../common/protocol.ts";
import type { ChatSession, SessionEvent } from "../sdk/chat_session.ts";
import type { FailoverStatus } from "../sdk/failover_loop.ts";
import type { ChatScreen } from "./chat_screen.ts";
import type { ClientConfig } from "./config_file.ts";
import { formatMessageLine, formatTimestamp, sanitizeForTerminal } from "./message_format.ts";
import type { OlderPages } from "./older_pages.ts";
import type { StatusNarrator } from "./status_lines.ts";

export interface InteractiveContext {
  session: ChatSession;
  screen: ChatScreen;
  narrator: StatusNarrator;
  older: OlderPages;
  /** Names this client has used: presence events about them are about us. */
  ownNames: Set<string>;
  color: boolean;
  verbose: boolean;
  /** Saves the settings (with this change). */
  remember(update: ClientConfig): void;
}

/** Prints a session event. */
export function showSessionEvent(context: InteractiveContext, event: SessionEvent): void {
  const { session, screen, older } = context;
  switch (event.kind) {
    case "message":
      older.noteShown(event.message, event.origin);
      return screen.show(formatMessageLine(event.message, { color: context.color }));
    case "ready": {
      screen.online = true;
      const line = context.narrator.session(event);
      if (line) screen.note(line);
      return context.remember({});
    }
    case "acked":
    case "pendingChanged":
      return screen.show();
    case "rejected":
      return screen.note(`not sent: ${sanitizeForTerminal(event.entry.text)} (${event.reason})`);
    case "joined":
      older.reset();
      context.remember({ chat: event.chatId });
      return screen.note(`joined chat ${event.chatId}`);
    case "chatList":
      return screen.show(screen.dim("-- chats:"), ...event.chats.map((c) => chatLine(context, c)));
    case "presenceList": {
      const names = event.entries.map((e) => `${sanitizeForTerminal(e.name)} (node ${e.nodeId})`);
      return screen.note(names.length ? `here: ${names.join(", ")}` : "nobody is here");
    }
    case "presence":
      // That is us, under this name or one we left with /nick.
      if (event.nodeId === session.nodeId && context.ownNames.has(event.name)) return;
      return screen.note(
        `${sanitizeForTerminal(event.name)} is ${event.online ? "online" : "offline"}`,
      );
    case "chatCreated": {
      const chat = `${event.chat.chatId} "${sanitizeForTerminal(event.chat.name)}"`;
      if (!event.mine) return screen.note(`new chat ${chat}`);
      screen.note(`created chat ${chat}`);
      return session.join(event.chat.chatId);
    }
    case "serverError":
      return screen.note(`node error: ${event.code}: ${sanitizeForTerminal(event.message)}`);
    default:
      return; // edits and typing: not shown by this client yet; malformed frames: ignored
  }
}

function chatLine(context: InteractiveContext, chat: Chat): string {
  const last = chat.lastMessageAt
    ? `  last message ${formatTimestamp(chat.lastMessageAt, { color: context.color })}`
    : "";
  const marker = chat.chatId === context.session.chatId ? "*" : " ";
  return `${marker} ${String(chat.chatId).padStart(4)}  ${sanitizeForTerminal(chat.name)}${last}`;
}

/** Prints a failover report (the footer says when offline, and why). */
export function showFailoverStatus(context: InteractiveContext, status: FailoverStatus): void {
  const { screen } = context;
  if (status.kind === "lost") {
    screen.online = false;
    screen.offlineReason = "connection lost: reconnecting…";
  }
  if (status.kind === "noCandidates" || status.kind === "dialFailed") {
    screen.offlineReason = `${status.error}; retrying`;
    if (context.verbose) screen.note(status.error);
    return screen.show();
  }
  const line = context.narrator.failover(status);
  if (line) screen.note(line);
}
