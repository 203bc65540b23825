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
  const session = new WatchSession(options);
  return new ReadableStream<Uint8Array>({
    start: (controller) => session.start(controller),
    cancel: () => session.close(),
  });
}

/** One client's stream: its position in the membership log, its timers, its wake-ups. */
class WatchSession {
  #options: WatchStreamOptions;
  #encoder = new TextEncoder();
  #stop = new AbortController();
  #timers: ReturnType<typeof setInterval>[] = [];
  #controller: ReadableStreamDefaultController<Uint8Array> | undefined;
  #positionReader: ReadableStreamDefaultReader<number> | undefined;
  #wake: (() => void) | undefined;
  #woken = true;

  constructor(options: WatchStreamOptions) {
    this.#options = options;
  }

  start(controller: ReadableStreamDefaultController<Uint8Array>): void {
    const { logger, signal, sweeper } = this.#options;
    this.#controller = controller;
    logger.debug("watch stream opened");
    this.#timers.push(
      setInterval(
        () => this.#write(encodeSseComment("keepalive")),
        this.#options.keepaliveIntervalMs ?? 15_000,
      ),
      setInterval(() => void sweeper.sweepIfDue(), this.#options.sweepNudgeIntervalMs ?? 1000),
    );
    // After the timers, so that a client already gone clears them too.
    signal.addEventListener("abort", () => this.close(), { once: true });
    if (signal.aborted) this.close();
    const failed = (error: unknown) => this.#fail(error);
    this.#pumpWakeUps().catch(failed);
    this.#streamChanges().then(() => {
      try {
        controller.close();
      } catch { /* already closed or cancelled */ }
    }, failed);
  }

  close(): void {
    if (this.#stop.signal.aborted) return;
    this.#stop.abort();
    this.#options.logger.debug("watch stream closed");
    for (const timer of this.#timers) clearInterval(timer);
    this.#positionReader?.cancel().catch(() => {});
    this.#wake?.();
  }

  #fail(error: unknown): void {
    if (this.#stop.signal.aborted) return;
    this.#options.logger.error("Cannot continue a watch stream", { reason: String(error) });
    this.close();
    try {
      this.#controller?.error(error);
    } catch { /* already closed */ }
  }

  #write(text: string): void {
    if (this.#stop.signal.aborted) return;
    try {
      this.#controller?.enqueue(this.#encoder.encode(text));
    } catch {
      this.close();
    }
  }

  #nudge(): void {
    this.#woken = true;
    this.#wake?.();
  }

  async #sendSnapshot(): Promise<number> {
    const snapshot = await this.#options.registry.snapshot();
    const data = JSON.stringify({ activeNodes: snapshot.activeNodes });
    this.#write(encodeSseEvent("snapshot", data, String(snapshot.position)));
    return snapshot.position;
  }

  /** Every growth of the log (from any process sharing the KV) wakes the stream. */
  async #pumpWakeUps(): Promise<void> {
    if (this.#stop.signal.aborted) return;
    this.#positionReader = this.#options.registry.watchPosition().getReader();
    while (!this.#stop.signal.aborted) {
      const { done } = await this.#positionReader.read();
      if (done) break;
      this.#nudge();
    }
  }

  /** The snapshot, then each change in log order; a fresh snapshot after a gap. */
  async #streamChanges(): Promise<void> {
    const stopped = this.#stop.signal;
    this.#write(`retry: ${RETRY_MS}\n\n`);
    let position = await this.#sendSnapshot();
    while (!stopped.aborted) {
      if (!this.#woken) await new Promise<void>((resolve) => (this.#wake = resolve));
      this.#wake = undefined;
      if (stopped.aborted) break;
      this.#woken = false;
      const { events, gap } = await this.#options.registry.eventsAfter(position);
      if (gap) {
        position = await this.#sendSnapshot();
        continue;
      }
      for (const event of events) {
        this.#write(encodeSseEvent(event.kind, JSON.stringify(event.node), String(event.seq)));
        position = event.seq;
      }
      if (events.length > 0) this.#woken = true; // there may be more than one page
    }
  }
}
