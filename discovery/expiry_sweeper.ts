/**
 * Turns silent deadlines into `expired` events: KV drops a stale entry only
 * lazily, and a node that was killed says nothing, so something has to look.
 * `main.ts` runs the sweep on a timer; every open watch stream and every list
 * read also nudges it (`sweepIfDue`), which is what keeps events flowing on Deno
 * Deploy, where there is no long-running process to own a timer.
 *
 * Invariant: at most one sweep runs at a time in a process, at most one per
 * interval; concurrent sweepers elsewhere are harmless (KV's atomic checks let
 * exactly one of them emit each `expired` event).
 * @module
 */

import type { Clock } from "../common/clock.ts";
import type { KvRegistry, MembershipEvent } from "./kv_registry.ts";
import type { Logger } from "../common/logger.ts";

export interface ExpirySweeper {
  /** Sweeps when the last sweep is at least `intervalMs` old; never throws. */
  sweepIfDue(): Promise<void>;
  /** Sweeps every `intervalMs` until `signal` aborts. */
  run(signal: AbortSignal): Promise<void>;
}

export interface ExpirySweeperOptions {
  registry: KvRegistry;
  clock: Clock;
  intervalMs: number;
  logger: Logger;
  /** Told of every `expired` event (metrics). */
  onEvent?: (event: MembershipEvent) => void;
}

/** The one log line per membership change. */
export function logMembershipEvent(logger: Logger, event: MembershipEvent): void {
  const { node } = event;
  logger.info(`node ${event.kind}`, {
    id: node.id,
    address: node.address,
    clientport: node.clientport,
    region: node.region,
    seq: event.seq,
  });
}

export function createExpirySweeper(options: ExpirySweeperOptions): ExpirySweeper {
  const { registry, clock, intervalMs, logger } = options;
  if (!(intervalMs > 0)) throw new RangeError("Cannot sweep: intervalMs must be positive");
  let lastSweepMs = -Infinity;
  let running: Promise<void> | undefined;

  async function sweep(): Promise<void> {
    try {
      for (const event of await registry.sweepExpired()) {
        logMembershipEvent(logger, event);
        options.onEvent?.(event);
      }
    } catch (error) {
      logger.error("Cannot sweep expired nodes", { reason: String(error) });
    }
  }

  function sweepIfDue(): Promise<void> {
    if (running) return running;
    const now = clock.nowMs();
    if (now - lastSweepMs < intervalMs) return Promise.resolve();
    lastSweepMs = now;
    running = sweep().finally(() => {
      running = undefined;
    });
    return running;
  }

  return {
    sweepIfDue,
    async run(signal) {
      while (!signal.aborted) {
        await sweepIfDue();
        await new Promise<void>((resolve) => {
          const timer = setTimeout(done, intervalMs);
          signal.addEventListener("abort", done, { once: true });
          function done() {
            clearTimeout(timer);
            signal.removeEventListener("abort", done);
            resolve();
          }
        });
      }
    },
  };
}
