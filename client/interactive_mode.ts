/**
 * The interactive chat in a terminal: history on entry, new messages printed
 * above a sticky footer (own messages still pending, then the prompt) so that
 * arriving messages never break the line being typed, and the slash commands.
 * Raw-mode keyboard input goes through KeyDecoder/LineEditor (pure); the
 * session core and failover loop are the same as in the scriptable modes.
 *
 * Invariant: the terminal is put back in cooked mode on every way out
 * (/quit, Ctrl-C, Ctrl-D, SIGTERM, an exception).
 * @module
 */

import type { Chat, ChatMessage } from "../common/protocol.ts";
import { ChatSession, type SessionEvent } from "../sdk/chat_session.ts";
import { type FailoverStatus, runFailoverLoop } from "../sdk/failover_loop.ts";
import type { Dialer } from "../sdk/node_connection.ts";
import type { NodeSource } from "../sdk/node_source.ts";
import type { CliOptions } from "./cli_options.ts";
import { COMMAND_HELP, parseCommand } from "./command_parser.ts";
import { type ClientConfig, saveConfig } from "./config_file.ts";
import { fitToWidth, FooterScreen } from "./footer_screen.ts";
import { textColumns } from "./terminal_width.ts";
import { KeyDecoder, LineEditor } from "./line_editor.ts";
import { formatMessageLine, formatTimestamp, sanitizeForTerminal } from "./message_format.ts";
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
  const { options, color } = context;
  const stop = new AbortController();
  const signal = AbortSignal.any([stop.signal, context.signal]);
  const narrator = new StatusNarrator({ verbose: options.verbose });
  const screen = new FooterScreen();
  const editor = new LineEditor();
  const decoder = new KeyDecoder();
  const dim = (text: string) => color ? `\x1b[2m${text}\x1b[0m` : text;
  let online = false;
  let offlineReason = "connecting…";

  const columns = () => {
    try {
      return Deno.consoleSize().columns;
    } catch {
      return 80;
    }
  };
  const footer = () => {
    const width = columns();
    const lines: string[] = [];
    for (const entry of session.pending.list()) {
      lines.push(dim(fitToWidth(`  … ${sanitizeForTerminal(entry.text)} (sending)`, width)));
    }
    if (!online) lines.push(dim(fitToWidth(`  (${offlineReason})`, width)));
    const prompt = fitToWidth(`[chat ${session.chatId}] ${session.name}> `, Math.floor(width / 2));
    const view = editor.view(width - textColumns(prompt));
    lines.push(prompt + view.text);
    return { lines, cursorColumn: textColumns(prompt) + view.cursorColumn };
  };
  const show = (...logLines: string[]) => {
    writeAllSync(Deno.stdout, screen.render(logLines.flatMap((l) => l.split("\n")), footer()));
  };
  const note = (text: string) => show(dim(`-- ${text}`));
  const remember = (update: ClientConfig) => {
    if (!context.configPath) return;
    const config: ClientConfig = {
      discovery: options.discoveryUrl,
      name: session.name,
      chat: session.chatId,
      ...update,
    };
    saveConfig(context.configPath, config).catch((error) => note((error as Error).message));
  };
  const messageLine = (message: ChatMessage) => formatMessageLine(message, { color });

  /** Names this client has used: presence events about them are about us. */
  const ownNames = new Set([options.name]);
  const older = new OlderPages();
  const session: ChatSession = new ChatSession({
    name: options.name,
    chatId: options.chatId,
    receive: "chat",
    historyLimit: options.historyLimit,
    onEvent: (event) => onSessionEvent(event),
  });

  function onSessionEvent(event: SessionEvent): void {
    switch (event.kind) {
      case "message":
        older.noteShown(event.message, event.origin);
        return show(messageLine(event.message));
      case "ready": {
        online = true;
        const line = narrator.session(event);
        if (line) note(line);
        remember({});
        return;
      }
      case "acked":
      case "pendingChanged":
        return show();
      case "rejected":
        return note(`not sent: ${sanitizeForTerminal(event.entry.text)} (${event.reason})`);
      case "joined":
        older.reset();
        remember({ chat: event.chatId });
        return note(`joined chat ${event.chatId}`);
      case "chatList":
        return show(dim("-- chats:"), ...event.chats.map(chatLine));
      case "presenceList": {
        const names = event.entries.map((e) => `${sanitizeForTerminal(e.name)} (node ${e.nodeId})`);
        return note(names.length ? `here: ${names.join(", ")}` : "nobody is here");
      }
      case "presence":
        // That is us, under this name or one we left with /nick.
        if (event.nodeId === session.nodeId && ownNames.has(event.name)) return;
        return note(`${sanitizeForTerminal(event.name)} is ${event.online ? "online" : "offline"}`);
      case "chatCreated":
        if (!event.mine) {
          return note(`new chat ${event.chat.chatId} "${sanitizeForTerminal(event.chat.name)}"`);
        }
        note(`created chat ${event.chat.chatId} "${sanitizeForTerminal(event.chat.name)}"`);
        return session.join(event.chat.chatId);
      case "serverError":
        return note(`node error: ${event.code}: ${sanitizeForTerminal(event.message)}`);
    }
  }

  function chatLine(chat: Chat): string {
    const last = chat.lastMessageAt
      ? `  last message ${formatTimestamp(chat.lastMessageAt, { color })}`
      : "";
    const marker = chat.chatId === session.chatId ? "*" : " ";
    return `${marker} ${String(chat.chatId).padStart(4)}  ${sanitizeForTerminal(chat.name)}${last}`;
  }

  function onStatus(status: FailoverStatus): void {
    if (status.kind === "lost") {
      online = false;
      offlineReason = "connection lost: reconnecting…";
    }
    if (status.kind === "noCandidates" || status.kind === "dialFailed") {
      offlineReason = `${status.error}; retrying`;
      if (options.verbose) note(status.error);
      return show();
    }
    const line = narrator.failover(status);
    if (line) note(line);
  }

  function offline(): void {
    note("not connected yet; try again in a moment");
  }

  /** A request whose answer comes as a session event; a failure is said there too. */
  function ask(request: () => Promise<unknown>): void {
    if (!session.connected) return offline();
    request().catch(() => {/* the connection went: nothing to answer */});
  }

  async function showOlder(limit: number): Promise<void> {
    try {
      const messages = await older.next((o) => session.history(session.chatId, o), limit);
      show(...messages.map(messageLine));
      note(messages.length ? `${messages.length} older messages above` : "no older messages");
    } catch { /* a node error is shown by its event; a lost connection by the status */ }
  }

  function onLine(line: string): void {
    const command = parseCommand(line);
    switch (command.kind) {
      case "none":
        return show();
      case "say":
        session.sendText(command.text);
        return;
      case "join":
        return session.join(command.chatId);
      case "chats":
        return ask(() => session.listChats()); // answered by a chatList event
      case "create":
        return ask(() => session.createChat(command.name)); // answered by chatCreated
      case "who":
        return ask(() => session.presence(session.chatId)); // answered by presenceList
      case "history":
        if (!session.connected) return offline();
        note("older messages:");
        return void showOlder(command.limit);
      case "nick":
        ownNames.add(command.name);
        session.setName(command.name);
        remember({ name: command.name });
        return note(`you are now ${sanitizeForTerminal(command.name)}`);
      case "help":
        return show(dim(COMMAND_HELP));
      case "quit":
        stop.abort();
        return;
      case "invalid":
        return note(command.message);
    }
  }

  const onResize = () => show();
  Deno.stdin.setRaw(true);
  try {
    Deno.addSignalListener("SIGWINCH", onResize);
  } catch { /* not supported here */ }
  note(`DSatter: chat ${options.chatId} as ${options.name}. /help lists the commands.`);
  const loop = runFailoverLoop({
    session,
    source: context.source,
    dial: context.dial,
    signal,
    onStatus,
  });
  const textDecoder = new TextDecoder();
  const reader = Deno.stdin.readable.getReader();
  signal.addEventListener("abort", () => reader.cancel().catch(() => {}), { once: true });
  try {
    while (!signal.aborted) {
      const { value, done } = await reader.read();
      if (done || !value) break;
      for (const key of decoder.decode(textDecoder.decode(value, { stream: true }))) {
        const outcome = editor.apply(key);
        if (outcome.kind === "submit") onLine(outcome.line);
        else if (outcome.kind === "quit") stop.abort();
        else show();
        if (signal.aborted) break;
      }
    }
  } finally {
    stop.abort();
    await loop;
    reader.releaseLock();
    writeAllSync(Deno.stdout, screen.clear());
    try {
      Deno.removeSignalListener("SIGWINCH", onResize);
    } catch { /* not supported here */ }
    Deno.stdin.setRaw(false);
  }
  const unsent = session.pending.size;
  if (unsent > 0) writeAllSync(Deno.stderr, `${unsent} message(s) were not acknowledged\n`);
  return 0;
}
