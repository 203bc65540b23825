/**
 * Scriptable sending: `--send TEXT` (one message) or stdin lines (one message
 * each). Sends through the failover loop without subscribing to anything and
 * exits once every message is acknowledged.
 *
 * Invariant: exit code 0 only when every message got a clientMessageResponse
 * (or was seen delivered); otherwise 1, with one line on stderr saying why.
 * @module
 */

import { Limits } from "../common/protocol.ts";
import { charLength } from "../common/client_frame_validation.ts";
import { ChatSession } from "../sdk/chat_session.ts";
import { runFailoverLoop } from "../sdk/failover_loop.ts";
import type { Dialer } from "../sdk/node_connection.ts";
import type { NodeSource } from "../sdk/node_source.ts";
import type { CliOptions } from "./cli_options.ts";
import { SendPacer } from "./send_pacer.ts";
import { StatusNarrator } from "./status_lines.ts";

export interface SendModeContext {
  options: CliOptions;
  /** The messages: one for `--send`, stdin lines otherwise. */
  texts: AsyncIterable<string> | Iterable<string>;
  /** Stdin: blank lines are not messages. `--send " "` is one. @default false */
  skipBlank?: boolean;
  source: NodeSource;
  dial: Dialer;
  signal: AbortSignal;
  printError: (line: string) => void;
}

/** Sends every text; resolves with the process exit code. */
export async function runSendMode(context: SendModeContext): Promise<number> {
  const { options, printError } = context;
  const narrator = new StatusNarrator({ verbose: options.verbose });
  const stop = new AbortController();
  const signal = AbortSignal.any([stop.signal, context.signal]);
  let failure: string | undefined;
  let lastProblem: string | undefined;
  let nodeId: number | undefined;
  let wake = () => {};

  const session = new ChatSession({
    name: options.name,
    chatId: options.chatId,
    receive: "none",
    historyLimit: 0,
    onEvent(event) {
      if (event.kind === "acked") {
        if (options.verbose) {
          printError(`acknowledged as ${event.messageId}${nodeId ? ` by node ${nodeId}` : ""}`);
        }
        wake();
      } else if (event.kind === "rejected") {
        failure = `Cannot send message: the node rejected it (${event.reason})`;
        wake();
      } else if (event.kind === "ready") {
        nodeId = event.nodeId;
        const line = narrator.session(event);
        if (options.verbose && line) printError(line);
      }
    },
  });

  const loop = runFailoverLoop({
    session,
    source: context.source,
    dial: context.dial,
    signal,
    onStatus(status) {
      if (status.kind === "dialFailed" || status.kind === "noCandidates") {
        lastProblem = status.error;
      }
      if (status.kind === "lost") lastProblem = `lost the connection to ${status.url}`;
      const line = narrator.failover(status);
      if (options.verbose && line) printError(line);
    },
  });

  let inputDone = false;
  let skipped = 0;
  // Lines go out no faster than the nodes' default limit always accepts (send_pacer.ts).
  const pacer = new SendPacer();
  const feeding = (async () => {
    let lineNumber = 0;
    for await (const text of context.texts) {
      lineNumber += 1;
      if (text === "" || (context.skipBlank && text.trim() === "")) continue;
      if (charLength(text) > Limits.textMaxChars) {
        // Said at once, the other lines still go; the exit code says something was not sent.
        skipped += 1;
        printError(`Cannot send line ${lineNumber}: more than ${Limits.textMaxChars} characters`);
        continue;
      }
      await pacer.next();
      if (signal.aborted || failure) break;
      session.sendText(text);
      wake();
    }
    inputDone = true;
    wake();
  })();

  const ticker = setInterval(() => wake(), 100);
  try {
    while (!signal.aborted) {
      if (failure) break;
      if (inputDone && session.pending.size === 0) break;
      if (session.pending.oldestAgeMs() > options.ackTimeoutMs) {
        const seconds = options.ackTimeoutMs / 1000;
        const why = lastProblem ??
          (session.connected ? "connected, but no acknowledgement came" : "no node reachable");
        failure = `Cannot send message: no node acknowledged it within ${seconds} s (${why})`;
        break;
      }
      await new Promise<void>((resolve) => wake = resolve);
    }
  } finally {
    clearInterval(ticker);
    stop.abort();
    await loop;
  }
  if (context.signal.aborted && !failure && session.pending.size > 0) {
    failure = `Cannot send message: interrupted with ${session.pending.size} not acknowledged`;
  }
  if (failure) {
    printError(failure);
    return 1;
  }
  if (skipped > 0) return 1;
  void feeding;
  return 0;
}
