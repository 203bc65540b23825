/**
 * Scriptable sending: `--send TEXT` (one message) or stdin lines (one message
 * each). Sends through the failover loop without subscribing to anything and
 * exits once every message is acknowledged.
 *
 * Invariant: exit code 0 only when every message got a clientMessageResponse
 * (or was seen delivered); otherwise 1, with one line on stderr saying why.
 * When nothing answers at all on the first round (discovery unreachable, no
 * node listening), it fails at once instead of waiting out `--timeout`; a
 * discovery that answers with no node yet, or a node that accepts the
 * connection, is waited for.
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

/** What one run has come to, shared by the session events, the feeder and the waiter. */
interface SendRun {
  failure?: string;
  lastProblem?: string;
  /** Something answered on the first round: a node connected, or discovery said "none yet". */
  answered: boolean;
  nodeId?: number;
  inputDone: boolean;
  /** Lines not sent (too long): the exit code says so. */
  skipped: number;
  /** Wakes the waiter up to look again. */
  wake(): void;
}

/** Sends every text; resolves with the process exit code. */
export async function runSendMode(context: SendModeContext): Promise<number> {
  const { options, printError } = context;
  const narrator = new StatusNarrator({ verbose: options.verbose });
  const stop = new AbortController();
  const signal = AbortSignal.any([stop.signal, context.signal]);
  const run: SendRun = { inputDone: false, skipped: 0, answered: false, wake: () => {} };
  const session = createSendSession(context, run, narrator);
  const loop = runFailoverLoop({
    session,
    source: context.source,
    dial: context.dial,
    signal,
    onStatus(status) {
      if (status.kind === "dialFailed" || status.kind === "noCandidates") {
        run.lastProblem = status.error;
      }
      if (status.kind === "connected" || (status.kind === "noCandidates" && status.answered)) {
        run.answered = true;
      }
      if (status.kind === "waiting" && !run.answered && !run.failure) {
        // The first round found nobody at all: say so now rather than after --timeout.
        run.failure = `Cannot send message: nothing answered (${run.lastProblem ?? "no node"})`;
        run.wake();
      }
      if (status.kind === "lost") run.lastProblem = `lost the connection to ${status.url}`;
      const line = narrator.failover(status);
      if (options.verbose && line) printError(line);
    },
  });
  void feedLines(context, session, run, signal);
  try {
    await waitForAcks(session, run, options.ackTimeoutMs, signal);
  } finally {
    stop.abort();
    await loop;
  }
  if (context.signal.aborted && !run.failure && session.pending.size > 0) {
    run.failure = `Cannot send message: interrupted with ${session.pending.size} not acknowledged`;
  }
  if (run.failure) {
    printError(run.failure);
    return 1;
  }
  return run.skipped > 0 ? 1 : 0;
}

function createSendSession(
  context: SendModeContext,
  run: SendRun,
  narrator: StatusNarrator,
): ChatSession {
  const { options, printError } = context;
  return new ChatSession({
    name: options.name,
    chatId: options.chatId,
    receive: "none",
    historyLimit: 0,
    onEvent(event) {
      if (event.kind === "acked") {
        if (options.verbose) {
          const by = run.nodeId ? ` by node ${run.nodeId}` : "";
          printError(`acknowledged as ${event.messageId}${by}`);
        }
        run.wake();
      } else if (event.kind === "rejected") {
        run.failure = `Cannot send message: the node rejected it (${event.reason})`;
        run.wake();
      } else if (event.kind === "ready") {
        run.nodeId = event.nodeId;
        const line = narrator.session(event);
        if (options.verbose && line) printError(line);
      }
    },
  });
}

/** Queues each text, paced under the nodes' default limit (send_pacer.ts). */
async function feedLines(
  context: SendModeContext,
  session: ChatSession,
  run: SendRun,
  signal: AbortSignal,
): Promise<void> {
  const pacer = new SendPacer();
  let lineNumber = 0;
  for await (const text of context.texts) {
    lineNumber += 1;
    if (text === "" || (context.skipBlank && text.trim() === "")) continue;
    if (charLength(text) > Limits.textMaxChars) {
      // Said at once, the other lines still go; the exit code says something was not sent.
      run.skipped += 1;
      context.printError(
        `Cannot send line ${lineNumber}: more than ${Limits.textMaxChars} characters`,
      );
      continue;
    }
    await pacer.next();
    if (signal.aborted || run.failure) break;
    session.sendText(text);
    run.wake();
  }
  run.inputDone = true;
  run.wake();
}

/** Until every text is acknowledged, one is refused, the oldest waits too long, or abort. */
async function waitForAcks(
  session: ChatSession,
  run: SendRun,
  ackTimeoutMs: number,
  signal: AbortSignal,
): Promise<void> {
  const ticker = setInterval(() => run.wake(), 100);
  try {
    while (!signal.aborted && !run.failure) {
      if (run.inputDone && session.pending.size === 0) return;
      if (session.pending.oldestAgeMs() > ackTimeoutMs) {
        const why = run.lastProblem ??
          (session.connected ? "connected, but no acknowledgement came" : "no node reachable");
        run.failure = `Cannot send message: no node acknowledged it within ${
          ackTimeoutMs / 1000
        } s (${why})`;
        return;
      }
      await new Promise<void>((resolve) => run.wake = resolve);
    }
  } finally {
    clearInterval(ticker);
  }
}
