/**
 * Keeps a session connected: asks the node source for candidates, dials them
 * in order, attaches the session to the first that opens, and when that
 * connection ends, waits a capped, jittered backoff and starts again with the
 * node just lost moved to the end of the list.
 *
 * Invariant: at most one connection is attached at a time; the loop ends (and
 * closes its connection) when the signal aborts, and never otherwise.
 * @module
 */

import { backoffDelayMs, type BackoffOptions } from "../common/backoff.ts";
import type { Dialer, NodeConnection } from "./node_dialer.ts";
import { type NodeSource, orderCandidates } from "./node_source.ts";

/** What the loop reports, for status lines. */
export type FailoverStatus =
  | { kind: "noCandidates"; error: string }
  | { kind: "dialFailed"; url: string; error: string }
  | { kind: "connected"; url: string }
  | { kind: "lost"; url: string; code: number; reason: string }
  | { kind: "waiting"; delayMs: number };

export interface FailoverSession {
  attach(link: { url: string; send(text: string): void }): void;
  detach(): void;
  receive(text: string): void;
  readonly ready: boolean;
}

export interface FailoverLoopOptions {
  session: FailoverSession;
  source: NodeSource;
  dial: Dialer;
  signal: AbortSignal;
  onStatus?: (status: FailoverStatus) => void;
  /** @default { baseMs: 250, maxMs: 5000 } */
  backoff?: BackoffOptions;
  /** @default 5000 */
  connectTimeoutMs?: number;
}

/** Runs until the signal aborts. */
export async function runFailoverLoop(options: FailoverLoopOptions): Promise<void> {
  const { session, source, dial, signal } = options;
  const report = options.onStatus ?? (() => {});
  const backoff = options.backoff ?? { baseMs: 250, maxMs: 5000 };
  let attempt = 0;
  let lastLost: string | undefined;
  while (!signal.aborted) {
    let candidates: string[] = [];
    try {
      candidates = orderCandidates(await source.candidates(signal), lastLost);
      if (candidates.length === 0) {
        report({ kind: "noCandidates", error: "Cannot connect: discovery lists no live node" });
      }
    } catch (error) {
      report({ kind: "noCandidates", error: (error as Error).message });
    }
    for (const url of candidates) {
      if (signal.aborted) break;
      let connection: NodeConnection;
      try {
        connection = await dial(url, { timeoutMs: options.connectTimeoutMs ?? 5000, signal });
      } catch (error) {
        report({ kind: "dialFailed", url, error: (error as Error).message });
        continue;
      }
      const info = await runConnection(session, connection, signal, report);
      if (info.wasReady) attempt = 0;
      lastLost = url;
      if (!signal.aborted) report({ kind: "lost", url, code: info.code, reason: info.reason });
      break;
    }
    if (signal.aborted) break;
    const delayMs = backoffDelayMs(Math.min(attempt, 20), backoff);
    attempt += 1;
    report({ kind: "waiting", delayMs });
    await abortableSleep(delayMs, signal);
  }
}

async function runConnection(
  session: FailoverSession,
  connection: NodeConnection,
  signal: AbortSignal,
  report: (status: FailoverStatus) => void,
): Promise<{ code: number; reason: string; wasReady: boolean }> {
  const onAbort = () => connection.close(1000, "client leaving");
  signal.addEventListener("abort", onAbort, { once: true });
  report({ kind: "connected", url: connection.url });
  session.attach(connection);
  connection.listen((text) => session.receive(text));
  try {
    const info = await connection.closed;
    return { ...info, wasReady: session.ready };
  } finally {
    session.detach();
    signal.removeEventListener("abort", onAbort);
  }
}

/** Resolves after delayMs, or at once when the signal aborts. */
export function abortableSleep(delayMs: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, delayMs);
    signal.addEventListener("abort", done, { once: true });
    function done() {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    }
  });
}
