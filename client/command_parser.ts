/**
 * What a line typed in the interactive client means: a message to send, or a
 * slash command. Pure, so every command is unit-tested.
 *
 * Invariant: every line maps to exactly one Command; a malformed command is an
 * `invalid` value with a one-line reason, never an exception, and never sent
 * as a message by accident (`//text` sends `/text`).
 * @module
 */

import { Limits } from "../common/protocol.ts";
import { charLength, parseChatIdParam } from "../common/client_frame_validation.ts";

export type Command =
  | { kind: "say"; text: string }
  | { kind: "join"; chatId: number }
  | { kind: "chats" }
  | { kind: "create"; name: string }
  | { kind: "who" }
  | { kind: "history"; limit: number }
  | { kind: "nick"; name: string }
  | { kind: "help" }
  | { kind: "quit" }
  | { kind: "none" }
  | { kind: "invalid"; message: string };

export const DEFAULT_HISTORY_PAGE = 20;

export const COMMAND_HELP = [
  "/join ID       switch to chat ID (shows its latest messages)",
  "/chats         list every chat",
  "/create NAME   create a chat and join it",
  "/who           who is in this chat, on every node",
  "/history [N]   N older messages of this chat (default 20)",
  "/nick NAME     change your name",
  "/help          this list",
  "/quit          leave (Ctrl-D on an empty line or Ctrl-C too)",
  "//text         send a message that starts with /",
].join("\n");

/** A chat id typed by a person (`--chat`, `/join`): digits, leading zeros allowed, up to 2^53 - 1. */
export function parseChatIdArgument(text: string): number | null {
  return parseChatIdParam(text.replace(/^0+(?=[0-9])/, ""));
}

/** Parses one typed line. */
export function parseCommand(line: string): Command {
  const trimmed = line.trim();
  if (trimmed === "") return { kind: "none" };
  if (trimmed.startsWith("//")) return say(line.trimStart().slice(1));
  if (!trimmed.startsWith("/")) return say(line);
  const [word, ...rest] = trimmed.split(/\s+/);
  const argument = trimmed.slice(word.length).trim();
  switch (word.toLowerCase()) {
    case "/join": {
      const chatId = rest.length === 1 ? parseChatIdArgument(rest[0]) : null;
      if (chatId === null) {
        return invalid("Cannot join: usage /join ID, where ID is a chat number");
      }
      return { kind: "join", chatId };
    }
    case "/chats":
      return { kind: "chats" };
    case "/create": {
      if (argument.length === 0 || charLength(argument) > Limits.chatNameMaxChars) {
        return invalid(
          `Cannot create chat: usage /create NAME (1..${Limits.chatNameMaxChars} chars)`,
        );
      }
      return { kind: "create", name: argument };
    }
    case "/who":
      return { kind: "who" };
    case "/history": {
      if (argument === "") return { kind: "history", limit: DEFAULT_HISTORY_PAGE };
      const limit = Number(argument);
      if (!Number.isInteger(limit) || limit < 1 || limit > Limits.syncLimitMax) {
        return invalid(`Cannot show history: N must be 1..${Limits.syncLimitMax}`);
      }
      return { kind: "history", limit };
    }
    case "/nick": {
      if (argument.length === 0 || charLength(argument) > Limits.senderMaxChars) {
        return invalid(`Cannot change name: usage /nick NAME (1..${Limits.senderMaxChars} chars)`);
      }
      return { kind: "nick", name: argument };
    }
    case "/help":
    case "/?":
      return { kind: "help" };
    case "/quit":
    case "/exit":
      return { kind: "quit" };
    default:
      return invalid(`Cannot run ${word}: unknown command (/help lists them; //text sends /text)`);
  }
}

function say(text: string): Command {
  if (charLength(text) > Limits.textMaxChars) {
    return invalid(`Cannot send: the message has more than ${Limits.textMaxChars} characters`);
  }
  return { kind: "say", text };
}

function invalid(message: string): Command {
  return { kind: "invalid", message };
}
