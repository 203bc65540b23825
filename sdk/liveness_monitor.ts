/**
 * Tells a hung node from a quiet one, for one connection. A node that stops
 * (SIGSTOP, a cut cable, a half-open TCP connection) closes nothing: only its
 * silence shows it. Two rules, in one state machine:
 * - a frame that expects an answer (hello, a sync, a send with clientMsgId...)
 *   starts a wait; when no frame at all arrives within `probeTimeoutMs`, the
 *   node is hung;
 * - a connection `idleProbeMs` without any frame gets a probe (a small request,
 *   sent by the caller), which starts such a wait.
 * Any frame from the node ends a wait. Pure: the caller passes the time.
 *
 * Invariant: check() says "hung" only after probeTimeoutMs with no frame since
 * a wait began, and "probe" at most once per quiet spell.
 * @module
 */

export interface LivenessOptions {
  /** A connection this long without a frame gets a probe. @default 15000 */
  idleProbeMs: number;
  /** A wait with no frame at all after it this long: the node is hung. @default 10000 */
  probeTimeoutMs: number;
}

export const DEFAULT_LIVENESS: LivenessOptions = { idleProbeMs: 15_000, probeTimeoutMs: 10_000 };

type LivenessState =
  | { kind: "listening"; lastFrameAtMs: number }
  | { kind: "waiting"; lastFrameAtMs: number; sinceMs: number };

export type LivenessVerdict = "fine" | "probe" | "hung";

export class LivenessMonitor {
  #options: LivenessOptions;
  #state: LivenessState;

  constructor(options: LivenessOptions, nowMs: number) {
    if (!(options.idleProbeMs > 0) || !(options.probeTimeoutMs > 0)) {
      throw new RangeError("Cannot watch liveness: idleProbeMs and probeTimeoutMs must be > 0");
    }
    this.#options = options;
    this.#state = { kind: "listening", lastFrameAtMs: nowMs };
  }

  /** Any frame from the node: it is alive. Called per frame, so it allocates nothing then. */
  frameReceived(nowMs: number): void {
    if (this.#state.kind === "listening") this.#state.lastFrameAtMs = nowMs;
    else this.#state = { kind: "listening", lastFrameAtMs: nowMs };
  }

  /** A frame that expects an answer went out (a probe is one). */
  awaitingReply(nowMs: number): void {
    if (this.#state.kind === "waiting") return; // the earliest unanswered wait counts
    this.#state = { kind: "waiting", lastFrameAtMs: this.#state.lastFrameAtMs, sinceMs: nowMs };
  }

  /** What to do now: nothing, send a probe (then call awaitingReply), or leave the node. */
  check(nowMs: number): LivenessVerdict {
    const state = this.#state;
    if (state.kind === "waiting") {
      return nowMs - state.sinceMs >= this.#options.probeTimeoutMs ? "hung" : "fine";
    }
    return nowMs - state.lastFrameAtMs >= this.#options.idleProbeMs ? "probe" : "fine";
  }

  /** How long until check() can say something new, for the caller's timer. */
  msUntilNextCheck(nowMs: number): number {
    const state = this.#state;
    const dueMs = state.kind === "waiting"
      ? state.sinceMs + this.#options.probeTimeoutMs
      : state.lastFrameAtMs + this.#options.idleProbeMs;
    return Math.max(0, dueMs - nowMs);
  }
}
