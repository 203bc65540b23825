/**
 * The interactive chat in a terminal: history on entry, new messages printed
 * above a sticky footer (own messages still pending, then the prompt) so that
 * arriving messages never break the line being typed, and the slash commands.
 * Raw-mode keyboard input goes through KeyDecoder/LineEditor (pure); the
 * session core and failover loop are the SDK's, as in the scriptable modes.
 * What is printed: interactive_events.ts; commands: interactive_commands.ts.
 *
 * Invariant: the terminal is put back in cooked mode on every way out
 * (/quit, Ctrl-C, Ctrl-D, SIGTERM, an exception).
 * @module
 */

import { ChatSession } from "../sdk/chat_session.ts";
import { runFailoverLoop } from "../sdk/failover_loop.ts";
import type { Dialer } from "../sdk/node_connection.ts";
import type { NodeSource } from "../sdk/node_source.ts";
import { ChatScreen } from "./chat_screen.ts";
import type { CliOptions } from "./cli_options.ts";
import { type ClientConfig, saveConfig } from "./config_file.ts";
import { runCommandLine } from "./interactive_commands.ts";
import {
  type InteractiveContext,
  showFailoverStatus,
  showSessionEvent,
} from "./interactive_events.ts";
import { KeyDecoder } from "./line_editor.ts";
import { OlderPages } from "./older_pages.ts";
import { StatusNarrator } from "./status_lines.ts";
import { writeAllSync } from "./text_output.ts";

export interface InteractiveModeContext {
  options: CliOptions;
  source: NodeSource;
  dial: Dialer;
  signal: AbortSignal;
  color: boolean;
  /** Where settings are remembered; undefined: not remembered. */
  configPath?: string;
}

/** Runs the interactive chat until the user quits; resolves with the exit code. */
export async function runInteractiveMode(context: InteractiveModeContext): Promise<number> {
  const { options } = context;
  const stop = new AbortController();
  const signal = AbortSignal.any([stop.signal, context.signal]);
  const chat = createInteractiveContext(context);
  const { session, screen } = chat;
  const onResize = () => screen.show();
  Deno.stdin.setRaw(true);
  try {
    Deno.addSignalListener("SIGWINCH", onResize);
  } catch { /* not supported here */ }
  screen.note(`DSatter: chat ${options.chatId} as ${options.name}. /help lists the commands.`);
  const loop = runFailoverLoop({
    session,
    source: context.source,
    dial: context.dial,
    signal,
    onStatus: (status) => showFailoverStatus(chat, status),
  });
  try {
    await readKeys(chat, signal, () => stop.abort());
  } finally {
    stop.abort();
    await loop;
    screen.clear();
    try {
      Deno.removeSignalListener("SIGWINCH", onResize);
    } catch { /* not supported here */ }
    Deno.stdin.setRaw(false);
  }
  const unsent = session.pending.size;
  if (unsent > 0) writeAllSync(Deno.stderr, `${unsent} message(s) were not acknowledged\n`);
  return 0;
}

/** The session, the screen and what the event and command handlers share. */
function createInteractiveContext(context: InteractiveModeContext): InteractiveContext {
  const { options, color } = context;
  const screen = new ChatScreen({
    color,
    columns() {
      try {
        return Deno.consoleSize().columns;
      } catch {
        return 80;
      }
    },
    write: (text) => writeAllSync(Deno.stdout, text),
    footer: () => ({ pending: session.pending.list(), chatId: session.chatId, name: session.name }),
  });
  const session: ChatSession = new ChatSession({
    name: options.name,
    chatId: options.chatId,
    receive: "chat",
    historyLimit: options.historyLimit,
    onEvent: (event) => showSessionEvent(chat, event),
  });
  const remember = (update: ClientConfig) => {
    if (!context.configPath) return;
    const config: ClientConfig = {
      discovery: options.discoveryUrl,
      name: session.name,
      chat: session.chatId,
      ...update,
    };
    saveConfig(context.configPath, config).catch((error) => screen.note((error as Error).message));
  };
  const chat: InteractiveContext = {
    session,
    screen,
    narrator: new StatusNarrator({ verbose: options.verbose }),
    older: new OlderPages(),
    ownNames: new Set([options.name]),
    color,
    verbose: options.verbose,
    remember,
  };
  return chat;
}

/** Raw keys from stdin into the line editor, until the signal aborts or stdin ends. */
async function readKeys(
  chat: InteractiveContext,
  signal: AbortSignal,
  quit: () => void,
): Promise<void> {
  const decoder = new KeyDecoder();
  const textDecoder = new TextDecoder();
  const reader = Deno.stdin.readable.getReader();
  signal.addEventListener("abort", () => reader.cancel().catch(() => {}), { once: true });
  try {
    while (!signal.aborted) {
      const { value, done } = await reader.read();
      if (done || !value) break;
      for (const key of decoder.decode(textDecoder.decode(value, { stream: true }))) {
        const outcome = chat.screen.editor.apply(key);
        if (outcome.kind === "submit") runCommandLine(chat, outcome.line, quit);
        else if (outcome.kind === "quit") quit();
        else chat.screen.show();
        if (signal.aborted) break;
      }
    }
  } finally {
    reader.releaseLock();
  }
}
