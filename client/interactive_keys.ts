/**
 * The keys the line editor leaves to the interactive terminal: Tab completes
 * commands and nicknames, Alt+1..9 and Alt+0 show buffers 1..10, Up on an
 * empty line puts `/edit ` and one's last message here on the line to change
 * it; and the typing notice sent while a message is being written.
 *
 * Invariant: typing is told at most once every TYPING_SEND_EVERY_MS per chat,
 * only for text that is not a command, and only while online.
 * @module
 */

import type { Key } from "./line_editor.ts";
import { COMMAND_NAMES } from "./command_parser.ts";
import type { InteractiveContext } from "./interactive_context.ts";
import { switchBuffer } from "./interactive_commands.ts";
import { ownMessages } from "./message_commands.ts";

/** Readers keep a typing notice 5 s; telling them every 3 s keeps a steady typist shown. */
const TYPING_SEND_EVERY_MS = 3000;

/** Handles one key the editor passed on. */
export function handleKey(context: InteractiveContext, key: Key): void {
  const { screen } = context;
  const editor = screen.editor;
  switch (key.kind) {
    case "tab": {
      const done = context.completer.complete(editor.line, editor.cursor, {
        commands: COMMAND_NAMES,
        nicks: () => nicknames(context),
      });
      if (done) editor.setLine(done.line, done.cursor);
      return screen.show();
    }
    case "alt": {
      if (!/^[0-9]$/.test(key.char)) return;
      const index = key.char === "0" ? 9 : Number(key.char) - 1;
      return switchBuffer(context, index);
    }
    case "up": {
      if (editor.line !== "") return;
      const last = ownMessages(context).at(-1);
      if (!last) return;
      editor.setLine(`/edit ${last.text.replace(/[\r\n\u2028\u2029]+/g, " ")}`);
      return screen.show();
    }
    default:
      return;
  }
}

/** People here first (newest speaker first), then everyone online; never oneself. */
function nicknames(context: InteractiveContext): string[] {
  const { client, buffers } = context;
  const speakers = client.timeline(buffers.current().chatId).entries()
    .flatMap((entry) => entry.kind === "message" ? [entry.message.sender] : [])
    .reverse();
  return [...new Set([...speakers, ...context.people])].filter((name) => name !== client.name);
}

/** The line was edited: tell the chat someone is typing (not for commands, not too often). */
export function noteTyping(context: InteractiveContext): void {
  const line = context.screen.editor.line;
  if (line.trim() === "" || (line.startsWith("/") && !line.startsWith("//"))) return;
  const { client } = context;
  const chatId = context.buffers.current().chatId;
  const now = Date.now();
  if (client.state.kind !== "online") return;
  if (
    context.typingSent.chatId === chatId && now - context.typingSent.atMs < TYPING_SEND_EVERY_MS
  ) {
    return;
  }
  context.typingSent = { chatId, atMs: now };
  client.typing(chatId);
}
