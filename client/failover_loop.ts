/**
 * Keeps a session connected: asks the node source for candidates, dials them
 * in order, attaches the session to the first that opens, and when that
 * connection ends, waits a capped, jittered backoff and starts again with the
 * node just lost moved to the end of the list.
 *
 * A connection that goes quiet is checked: after IDLE_PROBE_MS without a frame
 * (or at once when the user sends on a quiet one), a small request goes out
 * with ref "liveness"; when no frame at all comes back within PROBE_TIMEOUT_MS
 * the node is taken for hung (stopped, or a half-open TCP connection) and left
 * like a closed one. Replies to the probe never reach the session.
 *
 * Invariant: at most one connection is attached at a time; the loop ends (and
 * closes its connection) when the signal aborts, and never otherwise.
 * @module
 */

import { backoffDelayMs, type BackoffOptions } from "../common/backoff.ts";
import type { CloseInfo, Dialer, NodeConnection } from "./node_dialer.ts";
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
  /** Liveness checks (see the module doc). @default { idleProbeMs: 15000, probeTimeoutMs: 10000 } */
  liveness?: LivenessOptions;
}

export interface LivenessOptions {
  /** A connection this long without a frame gets a probe. */
  idleProbeMs: number;
  /** A probe with no frame at all after it this long: the node is left. */
  probeTimeoutMs: number;
}

const DEFAULT_LIVENESS: LivenessOptions = { idleProbeMs: 15_000, probeTimeoutMs: 10_000 };
/** A user's send on a connection this long quiet sends a probe with it. */
const QUIET_MS = 2_000;
const PROBE_REF = "liveness";
/** Cheap to answer, harmless: who in chat 0 said hello (usually nobody). */
const PROBE_FRAME = JSON.stringify({ type: "presence", payload: { chatId: 0 }, ref: PROBE_REF });
/** The close code reported for a node left as hung. */
export const HUNG_CLOSE_CODE = 4900;

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
      const info = await runConnection(
        session,
        connection,
        signal,
        report,
        options.liveness ?? DEFAULT_LIVENESS,
      );
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
  liveness: LivenessOptions,
): Promise<{ code: number; reason: string; wasReady: boolean }> {
  const onAbort = () => connection.close(1000, "client leaving");
  signal.addEventListener("abort", onAbort, { once: true });
  report({ kind: "connected", url: connection.url });

  let left = false;
  let lastFrameAt = Date.now();
  let probeSentAt: number | undefined;
  let leave!: (info: CloseInfo) => void;
  const hung = new Promise<CloseInfo>((resolve) => leave = resolve);
  const probe = () => {
    probeSentAt = Date.now();
    connection.send(PROBE_FRAME);
  };
  const watchdog = setInterval(() => {
    const now = Date.now();
    if (probeSentAt !== undefined && now - probeSentAt > liveness.probeTimeoutMs) {
      left = true;
      connection.close(HUNG_CLOSE_CODE, "no answer");
      const seconds = Math.round(liveness.probeTimeoutMs / 1000);
      leave({ code: HUNG_CLOSE_CODE, reason: `no answer for ${seconds} s` });
    } else if (probeSentAt === undefined && now - lastFrameAt > liveness.idleProbeMs) {
      probe();
    }
  }, Math.min(1000, liveness.probeTimeoutMs / 4));

  session.attach({
    url: connection.url,
    send(text) {
      if (left) return;
      connection.send(text);
      if (probeSentAt === undefined && Date.now() - lastFrameAt > QUIET_MS) probe();
    },
  });
  connection.listen((text) => {
    if (left) return; // a hung node that wakes up is not listened to any more
    lastFrameAt = Date.now();
    probeSentAt = undefined;
    if (text.includes(`"${PROBE_REF}"`) && isProbeReply(text)) return;
    session.receive(text);
  });
  try {
    const info = await Promise.race([connection.closed, hung]);
    return { ...info, wasReady: session.ready };
  } finally {
    left = true;
    clearInterval(watchdog);
    session.detach();
    signal.removeEventListener("abort", onAbort);
  }
}

function isProbeReply(text: string): boolean {
  try {
    return (JSON.parse(text) as { ref?: unknown }).ref === PROBE_REF;
  } catch {
    return false;
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
