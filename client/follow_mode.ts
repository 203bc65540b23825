/**
 * `--follow`: print every new message of the chat as it arrives, one line each
 * (human, or `--json` one contract message object per line), on stdout; status
 * lines on stderr. Survives node loss by failing over and resuming with
 * `since`, so the output has every message exactly once. When stdin is piped,
 * its lines are sent as messages too.
 *
 * Invariant: stdout carries messages only; it fails fast (exit 1) only when
 * it cannot connect at all on its first round, and otherwise runs until
 * interrupted (exit 0).
 * @module
 */

import { ChatSession } from "../sdk/chat_session.ts";
import { type FailoverStatus, runFailoverLoop } from "../sdk/failover_loop.ts";
import type { Dialer } from "../sdk/node_connection.ts";
import type { NodeSource } from "../sdk/node_source.ts";
import type { CliOptions } from "./cli_options.ts";
import { formatMessageJson, formatMessageLine } from "./message_format.ts";
import { SendPacer } from "./send_pacer.ts";
import { StatusNarrator } from "./status_lines.ts";

export interface FollowModeContext {
  options: CliOptions;
  source: NodeSource;
  dial: Dialer;
  signal: AbortSignal;
  /** Lines to send as messages (piped stdin), if any. */
  texts?: AsyncIterable<string>;
  color: boolean;
  printLine: (line: string) => void;
  printError: (line: string) => void;
}

/** Follows the chat until the signal aborts; resolves with the exit code. */
export async function runFollowMode(context: FollowModeContext): Promise<number> {
  const { options, printLine, printError } = context;
  const narrator = new StatusNarrator({ verbose: options.verbose });
  const stop = new AbortController();
  const signal = AbortSignal.any([stop.signal, context.signal]);
  let everReady = false;
  let firstRoundFailures = 0;
  let startupError: string | undefined;

  const session = new ChatSession({
    name: options.name,
    chatId: options.chatId,
    receive: "chat",
    historyLimit: options.historyLimit,
    onEvent(event) {
      switch (event.kind) {
        case "message":
          printLine(
            options.json
              ? formatMessageJson(event.message)
              : formatMessageLine(event.message, { color: context.color }),
          );
          return;
        case "ready": {
          everReady = true;
          const line = narrator.session(event);
          if (line) {
            printError(
              options.json || event.resumed ? line : `${line}; following chat ${options.chatId}`,
            );
          }
          return;
        }
        case "rejected":
          printError(`Cannot send message: the node rejected it (${event.reason})`);
          return;
        case "serverError":
          printError(`node error: ${event.code}: ${event.message}`);
          return;
      }
    },
  });

  function onStatus(status: FailoverStatus) {
    if (!everReady && (status.kind === "noCandidates" || status.kind === "dialFailed")) {
      firstRoundFailures += 1;
      startupError = status.error;
      return; // said once, below, if no other node answers
    }
    if (!everReady && status.kind === "waiting" && firstRoundFailures > 0) {
      stop.abort(); // nothing answered on the first round: a clear error beats a silent wait
      return;
    }
    const line = narrator.failover(status);
    if (line) printError(line);
  }

  const feeding = context.texts
    ? (async () => {
      const pacer = new SendPacer(); // a long pipe keeps its order under the nodes' limit
      for await (const text of context.texts!) {
        if (signal.aborted) break;
        if (text.trim() === "") continue;
        await pacer.next();
        if (signal.aborted) break;
        session.sendText(text);
      }
    })()
    : Promise.resolve();

  await runFailoverLoop({ session, source: context.source, dial: context.dial, signal, onStatus });
  void feeding;
  if (!everReady && !context.signal.aborted) {
    printError(startupError ?? "Cannot connect: no node answered");
    return 1;
  }
  return 0;
}
