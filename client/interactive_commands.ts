/**
 * What the interactive terminal does with a line the user entered: a message
 * to the buffer shown, or a slash command (command_parser.ts) carried out
 * with the client: buffers (`/join`, `/part`, `/switch`), chats, people,
 * history, one's own messages (`/edit`, `/delete`), `/search`, the name.
 *
 * Invariants: a command that needs a node says so when there is none ("not
 * connected yet"), and a request that fails later never throws out of here;
 * `/join` of a chat the cluster does not list asks to be confirmed (the same
 * command again within a minute) instead of starting a chat by accident.
 * @module
 */

import { DEFAULT_CHAT_ID } from "../common/protocol.ts";
import type { ChatMessage } from "../common/protocol.ts";
import { openBuffer, showBlock, showLines, showNote } from "./buffer_view.ts";
import { COMMAND_HELP, parseCommand } from "./command_parser.ts";
import type { InteractiveContext } from "./interactive_context.ts";
import { formatTimestamp, sanitizeForTerminal } from "./message_format.ts";
import { runMessageCommand } from "./message_commands.ts";
import { ask, sayOffline } from "./node_request.ts";

/** How long a `/join` of an unknown chat waits for its confirmation. */
const JOIN_CONFIRM_MS = 60_000;

/** Carries out one entered line; `quit` ends the chat. */
export function runCommandLine(context: InteractiveContext, line: string, quit: () => void): void {
  const { client, screen, buffers } = context;
  const command = parseCommand(line);
  switch (command.kind) {
    case "none":
      return screen.show();
    case "say":
      client.send(command.text, { chatId: buffers.current().chatId }).catch(() => {});
      return;
    case "join":
      return join(context, command.chatId);
    case "part":
      if (!buffers.closeCurrent()) {
        return showNote(context, "this is the only buffer (/quit leaves)");
      }
      return void openBuffer(context, buffers.current().chatId);
    case "switch": {
      const index = command.index !== undefined
        ? command.index - 1
        : buffers.indexByName(command.name ?? "");
      return switchBuffer(context, index);
    }
    case "chats":
      return ask(context, async () => {
        const chats = await client.listChats();
        showLines(
          context,
          screen.dim("-- chats (* shown, + open):"),
          ...chats.map((chat) => {
            const open = buffers.find(chat.chatId);
            const marker = open === buffers.current() ? "*" : open ? "+" : " ";
            const last = chat.lastMessageAt
              ? `  last message ${formatTimestamp(chat.lastMessageAt, { color: context.color })}`
              : "";
            return `${marker} ${String(chat.chatId).padStart(4)}  ${
              sanitizeForTerminal(chat.name)
            }${last}`;
          }),
        );
      });
    case "create":
      context.creating = command.name;
      return ask(context, async () => {
        const chat = await client.createChat(command.name);
        const buffer = buffers.open(chat.chatId, chat.name);
        showNote(
          context,
          `created chat ${chat.chatId} "${sanitizeForTerminal(chat.name)}"`,
          buffer,
        );
        context.remember({ chat: chat.chatId });
        await openBuffer(context, chat.chatId);
      });
    case "who":
      return ask(context, async () => {
        const entries = await client.presence(buffers.current().chatId);
        const names = entries.map((e) => `${sanitizeForTerminal(e.name)} (node ${e.nodeId})`);
        showNote(context, names.length ? `here: ${names.join(", ")}` : "nobody is here");
      });
    case "history":
      if (client.state.kind !== "online") return sayOffline(context);
      return void showOlder(context, command.limit);
    case "nick":
      context.ownNames.add(command.name);
      client.setName(command.name);
      context.remember({ name: command.name });
      return showNote(context, `you are now ${sanitizeForTerminal(command.name)}`);
    case "edit":
    case "delete":
    case "search":
    case "rename":
      return runMessageCommand(context, command);
    case "help":
      return showLines(context, screen.dim(COMMAND_HELP));
    case "quit":
      return quit();
    case "invalid":
      return showNote(context, command.message);
  }
}

/** Shows the buffer at index (0-based); says so when there is none. */
export function switchBuffer(context: InteractiveContext, index: number): void {
  const { buffers } = context;
  if (!buffers.switchTo(index)) {
    return showNote(context, `no buffer ${index + 1}: there are ${buffers.list().length}`);
  }
  context.remember({ chat: buffers.current().chatId });
  void openBuffer(context, buffers.current().chatId);
}

function join(context: InteractiveContext, chatId: number): void {
  const { client, buffers } = context;
  const open = buffers.list().findIndex((buffer) => buffer.chatId === chatId);
  if (open >= 0) return switchBuffer(context, open);
  const known = chatId === DEFAULT_CHAT_ID || client.chats().some((c) => c.chatId === chatId);
  const confirm = context.joinToConfirm;
  const confirmed = confirm?.chatId === chatId && confirm.untilMs > Date.now();
  if (!known && !confirmed) {
    context.joinToConfirm = { chatId, untilMs: Date.now() + JOIN_CONFIRM_MS };
    const why = context.chatsListed ? "does not exist yet" : "is not known here yet";
    return showNote(
      context,
      `chat ${chatId} ${why}: /join ${chatId} again to start it, or /create NAME for a new named chat`,
    );
  }
  context.joinToConfirm = undefined;
  showNote(context, `joined chat ${chatId}`, buffers.open(chatId));
  context.remember({ chat: chatId });
  void openBuffer(context, chatId);
}

async function showOlder(context: InteractiveContext, limit: number): Promise<void> {
  const { client, buffers } = context;
  const buffer = buffers.current();
  try {
    const messages: ChatMessage[] = await buffer.older.next(
      (options) => client.history(buffer.chatId, options),
      limit,
    );
    if (buffer !== buffers.current()) return;
    showNote(context, "older messages:");
    showBlock(context, messages);
    showNote(
      context,
      messages.length ? `${messages.length} older messages above` : "no older messages",
    );
  } catch (error) {
    showNote(context, sanitizeForTerminal((error as Error).message));
  }
}
