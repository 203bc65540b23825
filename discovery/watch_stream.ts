/**
 * `GET /api/nodes/watch`: membership changes as Server-Sent Events, so nodes dial
 * a new peer within a second instead of polling. The format is fixed in
 * docs/ARCHITECTURE.md: first `event: snapshot` with `{"activeNodes":[...]}`, then
 * `event: joined|left|expired` with the node, each with `id: <log seq>`; a
 * `: keepalive` comment every 15 s. Wake-ups come from `kv.watch` on the log head,
 * so a change made by any process or isolate sharing the KV reaches every stream.
 *
 * Invariant: a stream emits the snapshot, then every later change exactly in log
 * order; when it fell so far behind that events were dropped, a fresh snapshot.
 * @module
 */

import { encodeSseComment, encodeSseEvent } from "../common/server_sent_events.ts";
import type { ExpirySweeper } from "./expiry_sweeper.ts";
import type { KvRegistry } from "./kv_registry.ts";
import type { Logger } from "../common/logger.ts";

export interface WatchStreamOptions {
  registry: KvRegistry;
  sweeper: ExpirySweeper;
  logger: Logger;
  /** Aborts when the client goes away. */
  signal: AbortSignal;
  /** @default 15000 */
  keepaliveIntervalMs?: number;
  /** How often the stream nudges the expiry sweep. @default 1000 */
  sweepNudgeIntervalMs?: number;
}

/** Tells a reconnecting EventSource to retry after this long. */
const RETRY_MS = 1000;

export function createWatchStream(options: WatchStreamOptions): ReadableStream<Uint8Array> {
  const { registry, sweeper, logger, signal } = options;
  const keepaliveIntervalMs = options.keepaliveIntervalMs ?? 15_000;
  const sweepNudgeIntervalMs = options.sweepNudgeIntervalMs ?? 1000;
  const encoder = new TextEncoder();
  const stop = new AbortController();
  const timers: ReturnType<typeof setInterval>[] = [];
  let positionReader: ReadableStreamDefaultReader<number> | undefined;
  let wake: (() => void) | undefined;
  let woken = true;

  function close() {
    if (stop.signal.aborted) return;
    stop.abort();
    logger.debug("watch stream closed");
    for (const timer of timers) clearInterval(timer);
    positionReader?.cancel().catch(() => {});
    wake?.();
  }

  function nudge() {
    woken = true;
    wake?.();
  }

  return new ReadableStream<Uint8Array>({
    start(controller) {
      logger.debug("watch stream opened");
      signal.addEventListener("abort", close, { once: true });
      if (signal.aborted) close();

      function write(text: string) {
        if (stop.signal.aborted) return;
        try {
          controller.enqueue(encoder.encode(text));
        } catch {
          close();
        }
      }

      async function sendSnapshot(): Promise<number> {
        const snapshot = await registry.snapshot();
        const data = JSON.stringify({ activeNodes: snapshot.activeNodes });
        write(encodeSseEvent("snapshot", data, String(snapshot.position)));
        return snapshot.position;
      }

      async function pumpWakeUps() {
        positionReader = registry.watchPosition().getReader();
        while (!stop.signal.aborted) {
          const { done } = await positionReader.read();
          if (done) break;
          nudge();
        }
      }

      async function streamChanges() {
        write(`retry: ${RETRY_MS}\n\n`);
        let position = await sendSnapshot();
        while (!stop.signal.aborted) {
          if (!woken) await new Promise<void>((resolve) => (wake = resolve));
          wake = undefined;
          if (stop.signal.aborted) break;
          woken = false;
          const { events, gap } = await registry.eventsAfter(position);
          if (gap) {
            position = await sendSnapshot();
            continue;
          }
          for (const event of events) {
            write(encodeSseEvent(event.kind, JSON.stringify(event.node), String(event.seq)));
            position = event.seq;
          }
          if (events.length > 0) woken = true; // there may be more than one page
        }
      }

      timers.push(setInterval(() => write(encodeSseComment("keepalive")), keepaliveIntervalMs));
      timers.push(setInterval(() => void sweeper.sweepIfDue(), sweepNudgeIntervalMs));
      const failed = (error: unknown) => {
        if (stop.signal.aborted) return;
        logger.error("Cannot continue a watch stream", { reason: String(error) });
        close();
        try {
          controller.error(error);
        } catch { /* already closed */ }
      };
      pumpWakeUps().catch(failed);
      streamChanges().then(() => {
        try {
          controller.close();
        } catch { /* already closed or cancelled */ }
      }, failed);
    },
    cancel() {
      close();
    },
  });
}
