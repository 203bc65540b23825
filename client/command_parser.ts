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
  | { kind: "part" }
  /** A buffer by number (1-based) or by name. */
  | { kind: "switch"; index?: number; name?: string }
  /** `back`: 1 is your last message in this buffer, 2 the one before, ... */
  | { kind: "edit"; back: number; text: string }
  | { kind: "delete"; back: number }
  | { kind: "search"; query: string }
  | { kind: "rename"; name: string }
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
  "/join ID         open chat ID in a new buffer (an unknown ID asks to confirm)",
  "/part            close this buffer",
  "/switch N|NAME   show buffer N or the one named NAME (also Alt+1..9, Alt+0)",
  "/chats           list every chat",
  "/create NAME     create a chat and open it",
  "/rename NAME     rename this chat (its creator only)",
  "/who             who is in this chat, on every node",
  "/history [N]     N older messages of this chat (default 20)",
  "/edit [#N] TEXT  replace your last (or Nth last) message here; Up on an empty line too",
  "/delete [#N]     delete your last (or Nth last) message here",
  "/search WORDS    find messages in every chat you can read",
  "/nick NAME       change your name",
  "/help            this list",
  "/quit            leave (Ctrl-D on an empty line or Ctrl-C too)",
  "//text           send a message that starts with /",
  "Tab completes commands and names; Ctrl-L redraws.",
].join("\n");

/** The command names, for Tab completion. */
export const COMMAND_NAMES = [
  "/join",
  "/part",
  "/switch",
  "/chats",
  "/create",
  "/rename",
  "/who",
  "/history",
  "/edit",
  "/delete",
  "/search",
  "/nick",
  "/help",
  "/quit",
];

/** `#N` (1..999) before the rest of the text: which of your messages, counting back. */
function messageBack(argument: string): { back: number; rest: string } | null {
  const match = /^#([0-9]{1,3})(?:\s+|$)/.exec(argument);
  if (!match) return { back: 1, rest: argument };
  const back = Number(match[1]);
  return back >= 1 ? { back, rest: argument.slice(match[0].length) } : null;
}

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
  const parse = COMMAND_PARSERS[word.toLowerCase()];
  if (parse === undefined) {
    return invalid(`Cannot run ${word}: unknown command (/help lists them; //text sends /text)`);
  }
  return parse(argument, rest);
}

/** What follows a command word: the whole argument text and its words. */
type CommandParser = (argument: string, words: string[]) => Command;

/** Each command word (aliases included) and how its argument is read. */
const COMMAND_PARSERS: Record<string, CommandParser> = {
  "/join": parseJoin,
  "/part": () => ({ kind: "part" }),
  "/close": () => ({ kind: "part" }),
  "/switch": parseSwitch,
  "/buffer": parseSwitch,
  "/edit": parseEdit,
  "/delete": parseDelete,
  "/search": parseSearch,
  "/rename": (argument) =>
    namedArgument(argument, Limits.chatNameMaxChars, "rename chat", "/rename NAME") ??
      { kind: "rename", name: argument },
  "/chats": () => ({ kind: "chats" }),
  "/create": (argument) =>
    namedArgument(argument, Limits.chatNameMaxChars, "create chat", "/create NAME") ??
      { kind: "create", name: argument },
  "/who": () => ({ kind: "who" }),
  "/history": parseHistory,
  "/nick": (argument) =>
    namedArgument(argument, Limits.senderMaxChars, "change name", "/nick NAME") ??
      { kind: "nick", name: argument },
  "/help": () => ({ kind: "help" }),
  "/?": () => ({ kind: "help" }),
  "/quit": () => ({ kind: "quit" }),
  "/exit": () => ({ kind: "quit" }),
};

function parseJoin(_argument: string, words: string[]): Command {
  const chatId = words.length === 1 ? parseChatIdArgument(words[0]) : null;
  if (chatId === null) return invalid("Cannot join: usage /join ID, where ID is a chat number");
  return { kind: "join", chatId };
}

function parseSwitch(argument: string): Command {
  if (argument === "") return invalid("Cannot switch: usage /switch N or /switch NAME");
  if (/^[0-9]{1,4}$/.test(argument)) return { kind: "switch", index: Number(argument) };
  return { kind: "switch", name: argument };
}

function parseEdit(argument: string): Command {
  const target = messageBack(argument);
  if (!target || target.rest.trim() === "") {
    return invalid("Cannot edit: usage /edit NEW TEXT, or /edit #N NEW TEXT");
  }
  if (charLength(target.rest) > Limits.textMaxChars) {
    return invalid(`Cannot edit: the text has more than ${Limits.textMaxChars} characters`);
  }
  return { kind: "edit", back: target.back, text: target.rest };
}

function parseDelete(argument: string): Command {
  const target = messageBack(argument);
  if (!target || target.rest !== "") return invalid("Cannot delete: usage /delete or /delete #N");
  return { kind: "delete", back: target.back };
}

function parseSearch(argument: string): Command {
  if (argument === "" || charLength(argument) > 200) {
    return invalid("Cannot search: usage /search WORDS (1..200 characters)");
  }
  return { kind: "search", query: argument };
}

function parseHistory(argument: string): Command {
  if (argument === "") return { kind: "history", limit: DEFAULT_HISTORY_PAGE };
  const limit = Number(argument);
  if (!Number.isInteger(limit) || limit < 1 || limit > Limits.syncLimitMax) {
    return invalid(`Cannot show history: N must be 1..${Limits.syncLimitMax}`);
  }
  return { kind: "history", limit };
}

/** The refusal of an empty or too long name argument, or null when it fits. */
function namedArgument(
  argument: string,
  maxChars: number,
  action: string,
  usage: string,
): Command | null {
  if (argument.length > 0 && charLength(argument) <= maxChars) return null;
  return invalid(`Cannot ${action}: usage ${usage} (1..${maxChars} chars)`);
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
