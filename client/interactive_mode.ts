/**
 * The interactive chat in a terminal, toward weechat: one buffer per joined
 * chat (the buffer bar above the prompt marks those with unread messages),
 * messages printed above a sticky footer so that arriving messages never break
 * the line being typed, Tab completion, Alt+number, the slash commands. It
 * runs on the SDK's DSatterClient (the web page's core), following every chat.
 * Raw-mode keyboard input goes through KeyDecoder/LineEditor (pure). What is
 * printed: interactive_events.ts and buffer_view.ts; commands:
 * interactive_commands.ts; other keys: interactive_keys.ts.
 *
 * Invariant: the terminal is put back in cooked mode on every way out
 * (/quit, Ctrl-C, Ctrl-D, SIGTERM, an exception).
 * @module
 */

import { DSatterClient } from "../sdk/mod.ts";
import type { Dialer } from "../sdk/node_connection.ts";
import type { NodeSource } from "../sdk/node_source.ts";
import { redrawBuffer, showNote } from "./buffer_view.ts";
import type { CliOptions } from "./cli_options.ts";
import { type ClientConfig, saveConfig } from "./config_file.ts";
import { runCommandLine } from "./interactive_commands.ts";
import { createInteractiveContext, type InteractiveContext } from "./interactive_context.ts";
import { wireClientEvents } from "./interactive_events.ts";
import { handleKey, noteTyping } from "./interactive_keys.ts";
import { KeyDecoder } from "./line_editor.ts";
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
  const client = new DSatterClient({
    name: options.name,
    source: context.source,
    dial: context.dial,
    chatId: options.chatId,
    backoff: { baseMs: 250, maxMs: 5_000 },
  });
  const chat = createInteractiveContext({
    client,
    chatId: options.chatId,
    name: options.name,
    color: context.color,
    verbose: options.verbose,
    historyLimit: options.historyLimit,
    size: terminalSize,
    write: (text) => writeAllSync(Deno.stdout, text),
    remember: (update) => remember(context, client, chat, update),
  });
  const unwire = wireClientEvents(chat);
  const onResize = () => redrawBuffer(chat);
  Deno.stdin.setRaw(true);
  try {
    Deno.addSignalListener("SIGWINCH", onResize);
  } catch { /* not supported here */ }
  chat.buffers.recordNote(chat.buffers.current(), {
    atMs: Date.now(),
    text: chat.screen.noteLine(
      `DSatter: chat ${options.chatId} as ${options.name}. /help lists the commands.`,
    ),
  });
  redrawBuffer(chat); // a clean screen (the line `deno task` printed goes too)
  client.start();
  try {
    await readKeys(chat, signal, () => stop.abort());
  } finally {
    stop.abort();
    const unsent = client.pending().length;
    await client.close();
    unwire();
    chat.screen.clear();
    try {
      Deno.removeSignalListener("SIGWINCH", onResize);
    } catch { /* not supported here */ }
    Deno.stdin.setRaw(false);
    if (unsent > 0) writeAllSync(Deno.stderr, `${unsent} message(s) were not acknowledged\n`);
  }
  return 0;
}

function terminalSize(): { columns: number; rows: number } {
  try {
    return Deno.consoleSize();
  } catch {
    return { columns: 80, rows: 24 };
  }
}

function remember(
  context: InteractiveModeContext,
  client: DSatterClient,
  chat: InteractiveContext,
  update: ClientConfig,
): void {
  if (!context.configPath) return;
  const config: ClientConfig = {
    discovery: context.options.discoveryUrl,
    name: client.name,
    chat: chat.buffers.current().chatId,
    ...update,
  };
  saveConfig(context.configPath, config).catch((error) => showNote(chat, error.message));
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
        if (key.kind !== "tab") chat.completer.reset();
        const outcome = chat.screen.editor.apply(key);
        if (outcome.kind === "submit") runCommandLine(chat, outcome.line, quit);
        else if (outcome.kind === "quit") quit();
        else if (outcome.kind === "redraw") redrawBuffer(chat);
        else if (outcome.kind === "key") handleKey(chat, outcome.key);
        else {
          noteTyping(chat);
          chat.screen.show();
        }
        if (signal.aborted) break;
      }
    }
  } finally {
    reader.releaseLock();
  }
}
