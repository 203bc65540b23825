/**
 * The interactive commands about messages (PROTOCOL.md section 7) and chats:
 * `/edit` and `/delete` of one's own messages in the buffer shown (the last,
 * or the Nth last with `#N`), `/search` over every chat one can read, and
 * `/rename` of a chat one created. Each answer or refusal is one note; the
 * buffer is drawn again when the node's `messageUpdated` arrives.
 *
 * Invariant: only messages this client's name sent are offered for editing
 * or deletion, and a deleted one never again.
 * @module
 */

import type { ChatMessage } from "../common/protocol.ts";
import { showLines, showNote } from "./buffer_view.ts";
import type { Command } from "./command_parser.ts";
import type { InteractiveContext } from "./interactive_context.ts";
import { ask } from "./node_request.ts";
import { formatTimestamp, sanitizeForTerminal } from "./message_format.ts";

type MessageCommand = Extract<Command, { kind: "edit" | "delete" | "search" | "rename" }>;

/** This client's own messages in the buffer shown, oldest first (not deleted ones). */
export function ownMessages(context: InteractiveContext): ChatMessage[] {
  const { client, buffers } = context;
  return client.timeline(buffers.current().chatId).entries().flatMap((entry) =>
    entry.kind === "message" && entry.message.sender === client.name && !entry.message.deleted
      ? [entry.message]
      : []
  );
}

function target(context: InteractiveContext, back: number): ChatMessage | undefined {
  const own = ownMessages(context);
  const message = own[own.length - back];
  if (!message) {
    showNote(
      context,
      own.length === 0
        ? "you have no message here to change"
        : `you have ${own.length} message(s) here: #${back} goes too far back`,
    );
  }
  return message;
}

const quote = (text: string) => `"${sanitizeForTerminal(text).slice(0, 60)}"`;

export function runMessageCommand(context: InteractiveContext, command: MessageCommand): void {
  const { client } = context;
  switch (command.kind) {
    case "edit": {
      const message = target(context, command.back);
      if (!message) return;
      return ask(context, () => client.editMessage(message.messageId, command.text));
    }
    case "delete": {
      const message = target(context, command.back);
      if (!message) return;
      return ask(context, async () => {
        await client.deleteMessage(message.messageId);
        showNote(context, `deleted your message ${quote(message.text)}`);
      });
    }
    case "search":
      return ask(context, async () => {
        const page = await client.search(command.query, { limit: 20 });
        const more = page.more ? " (the newest 20)" : "";
        showLines(
          context,
          context.screen.noteLine(
            `${page.messages.length} message(s) match ${
              quote(command.query)
            }${more}, newest first:`,
          ),
          ...page.messages.map((message) => searchLine(context, message)),
        );
      });
    case "rename": {
      const chatId = context.buffers.current().chatId;
      return ask(context, async () => {
        const chat = await client.renameChat(chatId, command.name);
        showNote(context, `chat ${chat.chatId} is now "${sanitizeForTerminal(chat.name)}"`);
      });
    }
  }
}

function searchLine(context: InteractiveContext, message: ChatMessage): string {
  const chat = context.client.chats().find((c) => c.chatId === message.chatId);
  const where = sanitizeForTerminal(chat?.name ?? `chat ${message.chatId}`);
  const stamp = formatTimestamp(message.dateTime, { color: false, now: new Date(0) });
  return `  [${stamp}] #${where} ${sanitizeForTerminal(message.sender)}: ${
    sanitizeForTerminal(message.text)
  }`;
}
