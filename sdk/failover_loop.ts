/**
 * Keeps a session connected: asks the node source for candidates, dials them
 * in order, attaches the session to the first that opens, and when that
 * connection ends, waits a capped, jittered backoff and starts again with the
 * node just lost moved to the end of the list.
 *
 * A connection that goes quiet is checked (liveness_monitor.ts): a frame that
 * expects an answer, or a probe sent after `idleProbeMs` of silence
 * (`presence {chatId: 0}`, ref "liveness"), must be followed by some frame
 * within `probeTimeoutMs`, else the node is taken for hung (stopped, or a
 * half-open TCP connection) and left like a closed one. Replies to the probe
 * never reach the session. Sockets (`dial`) and time (`timers`) are injected.
 *
 * Invariant: at most one connection is attached at a time; the loop ends (and
 * closes its connection) when the signal aborts, and never otherwise.
 * @module
 */

import { backoffDelayMs, type BackoffOptions } from "../common/backoff.ts";
import { encodeClientFrame } from "../common/client_frame_encoding.ts";
import { ClientFrameType } from "../common/protocol.ts";
import { isRecord } from "../common/value_checks.ts";
import { DEFAULT_LIVENESS, LivenessMonitor, type LivenessOptions } from "./liveness_monitor.ts";
import { type NodeSource, orderCandidates } from "./node_source.ts";
import type { SessionLink } from "./session_event.ts";
import { sleepWith, systemTimers, type TimerHandle, type Timers } from "./timers.ts";
import type { CloseInfo, Dialer, NodeConnection } from "./websocket_dialer.ts";

export type { LivenessOptions } from "./liveness_monitor.ts";

/** What the loop reports, for status lines. */
export type FailoverStatus =
  /** `answered`: the source answered with no node (else it could not be asked at all). */
  | { kind: "noCandidates"; error: string; answered: boolean }
  | { kind: "dialing"; url: string }
  | { kind: "dialFailed"; url: string; error: string }
  | { kind: "connected"; url: string }
  | { kind: "lost"; url: string; code: number; reason: string }
  | { kind: "waiting"; delayMs: number };

/** What the loop needs of a session (ChatSession is one). */
export interface FailoverSession {
  attach(link: SessionLink): void;
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
  /** Liveness checks (see the module doc). @default { idleProbeMs: 15000, probeTimeoutMs: 10000 } */
  liveness?: LivenessOptions;
  /** @default systemTimers */
  timers?: Timers;
}

const PROBE_REF = "liveness";
/** Cheap to answer, harmless: who in chat 0 said hello (usually nobody). */
const PROBE_FRAME = encodeClientFrame({
  type: ClientFrameType.presence,
  payload: { chatId: 0 },
  ref: PROBE_REF,
});
/** The close code reported for a node left as hung. */
export const HUNG_CLOSE_CODE = 4900;

/** Runs until the signal aborts. */
export async function runFailoverLoop(options: FailoverLoopOptions): Promise<void> {
  const { source, dial, signal } = options;
  const report = options.onStatus ?? (() => {});
  const backoff = options.backoff ?? { baseMs: 250, maxMs: 5000 };
  const timers = options.timers ?? systemTimers;
  let attempt = 0;
  let lastLost: string | undefined;
  while (!signal.aborted) {
    let candidates: string[] = [];
    try {
      candidates = orderCandidates(await source.candidates(signal), lastLost);
      if (candidates.length === 0) {
        const error = "Cannot connect: discovery lists no live node";
        report({ kind: "noCandidates", error, answered: true });
      }
    } catch (error) {
      report({ kind: "noCandidates", error: (error as Error).message, answered: false });
    }
    for (const url of candidates) {
      if (signal.aborted) break;
      let connection: NodeConnection;
      report({ kind: "dialing", url });
      try {
        connection = await dial(url, { timeoutMs: options.connectTimeoutMs ?? 5000, signal });
      } catch (error) {
        report({ kind: "dialFailed", url, error: (error as Error).message });
        continue;
      }
      const info = await runConnection(connection, { ...options, report, timers });
      if (info.wasReady) attempt = 0;
      lastLost = url;
      if (!signal.aborted) report({ kind: "lost", url, code: info.code, reason: info.reason });
      break;
    }
    if (signal.aborted) break;
    const delayMs = backoffDelayMs(Math.min(attempt, 20), backoff);
    attempt += 1;
    report({ kind: "waiting", delayMs });
    await sleepWith(timers, delayMs, signal);
  }
}

interface ConnectionContext {
  session: FailoverSession;
  signal: AbortSignal;
  report: (status: FailoverStatus) => void;
  liveness?: LivenessOptions;
  timers: Timers;
}

/** Attaches the session to one connection until it closes or its node is taken for hung. */
async function runConnection(
  connection: NodeConnection,
  context: ConnectionContext,
): Promise<CloseInfo & { wasReady: boolean }> {
  const { session, signal, report, timers } = context;
  const liveness = context.liveness ?? DEFAULT_LIVENESS;
  const onAbort = () => connection.close(1000, "client leaving");
  signal.addEventListener("abort", onAbort, { once: true });
  report({ kind: "connected", url: connection.url });

  let left = false;
  let leave!: (info: CloseInfo) => void;
  const hung = new Promise<CloseInfo>((resolve) => leave = resolve);
  const monitor = new LivenessMonitor(liveness, timers.nowMs());
  let watchdog: { handle: TimerHandle; dueMs: number } | undefined;
  const watch = () => {
    const nowMs = timers.nowMs();
    const dueMs = nowMs + monitor.msUntilNextCheck(nowMs);
    if (watchdog && watchdog.dueMs <= dueMs) return; // the one set fires first, re-checks
    if (watchdog) timers.clearTimeout(watchdog.handle);
    watchdog = { handle: timers.setTimeout(check, dueMs - nowMs), dueMs };
  };
  const check = () => {
    watchdog = undefined;
    if (left) return;
    const verdict = monitor.check(timers.nowMs());
    if (verdict === "hung") {
      left = true;
      const seconds = Math.round(liveness.probeTimeoutMs / 1000);
      leave({ code: HUNG_CLOSE_CODE, reason: `no answer for ${seconds} s` });
      return connection.close(HUNG_CLOSE_CODE, "no answer");
    }
    if (verdict === "probe") {
      connection.send(PROBE_FRAME);
      monitor.awaitingReply(timers.nowMs());
    }
    watch();
  };
  watch();

  session.attach({
    url: connection.url,
    send(text, awaitsReply) {
      if (left) return;
      connection.send(text);
      if (!awaitsReply) return;
      monitor.awaitingReply(timers.nowMs());
      watch();
    },
  });
  connection.listen((text) => {
    if (left) return; // a hung node that wakes up is not listened to any more
    monitor.frameReceived(timers.nowMs());
    if (text.includes(`"${PROBE_REF}"`) && isProbeReply(text)) return;
    session.receive(text);
  });
  try {
    const info = await Promise.race([connection.closed, hung]);
    return { ...info, wasReady: session.ready };
  } finally {
    left = true;
    if (watchdog) timers.clearTimeout(watchdog.handle);
    session.detach();
    signal.removeEventListener("abort", onAbort);
  }
}

function isProbeReply(text: string): boolean {
  try {
    const frame: unknown = JSON.parse(text);
    return isRecord(frame) && frame.ref === PROBE_REF;
  } catch {
    return false;
  }
}
