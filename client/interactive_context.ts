/**
 * What the interactive terminal's parts share: the SDK client (the same
 * DSatterClient the web page runs on, following every chat), the screen, the
 * buffers, nick colours, who is typing, Tab completion, and the little state
 * of commands in progress (a `/join` waiting for its confirmation).
 *
 * Invariant: the footer is drawn from this state only, at the moment it is
 * drawn (pending sends, the buffer bar, who is typing in the buffer shown).
 * @module
 */

import { type DSatterClient, TypingRoster } from "../sdk/mod.ts";
import { describeTyping } from "../sdk/typing_roster.ts";
import { bufferBar, ChatBuffers } from "./chat_buffers.ts";
import { ChatScreen } from "./chat_screen.ts";
import type { ClientConfig } from "./config_file.ts";
import { NickColors } from "./nick_colors.ts";
import { StatusNarrator } from "./status_lines.ts";
import { TabCompleter } from "./tab_completion.ts";

export interface InteractiveContext {
  client: DSatterClient;
  screen: ChatScreen;
  buffers: ChatBuffers;
  narrator: StatusNarrator;
  nicks: NickColors;
  typing: TypingRoster;
  completer: TabCompleter;
  /** Names this client has used: presence events about them are about us. */
  ownNames: Set<string>;
  /** Who was online at the last presence event (to say who came and went). */
  people: string[];
  /** Chats already known (to say which are new). */
  knownChats: Set<number>;
  /** A node's chat list was taken: from then on an unlisted chat is unknown. */
  chatsListed: boolean;
  /** The name of a chat this client is creating (its own creation is not news). */
  creating?: string;
  /** `/join ID` of an unknown chat waits for the same command again. */
  joinToConfirm?: { chatId: number; untilMs: number };
  /** When this client last told a chat it is typing (sent at most every few seconds). */
  typingSent: { chatId: number; atMs: number };
  color: boolean;
  verbose: boolean;
  historyLimit: number;
  /** Saves the settings (with this change). */
  remember(update: ClientConfig): void;
}

export interface InteractiveContextOptions {
  client: DSatterClient;
  chatId: number;
  name: string;
  color: boolean;
  verbose: boolean;
  historyLimit: number;
  size(): { columns: number; rows: number };
  write(text: string): void;
  remember(update: ClientConfig): void;
}

export function createInteractiveContext(options: InteractiveContextOptions): InteractiveContext {
  const { client } = options;
  const buffers = new ChatBuffers(options.chatId);
  const typing = new TypingRoster();
  const screen = new ChatScreen({
    color: options.color,
    size: options.size,
    write: options.write,
    footer: () => {
      const current = buffers.current();
      return {
        pending: client.pending(),
        chatId: current.chatId,
        name: client.name,
        typing: describeTyping(typing.names(current.chatId, Date.now(), client.name)),
        bar: bufferBar(buffers.list(), buffers.currentIndex),
      };
    },
  });
  return {
    client,
    screen,
    buffers,
    narrator: new StatusNarrator({ verbose: options.verbose }),
    nicks: new NickColors(),
    typing,
    completer: new TabCompleter(),
    ownNames: new Set([options.name]),
    people: [],
    knownChats: new Set(),
    chatsListed: false,
    typingSent: { chatId: -1, atMs: 0 },
    color: options.color,
    verbose: options.verbose,
    historyLimit: options.historyLimit,
    remember: options.remember,
  };
}
