/**
 * Soak readers that do not keep up. A "never" reader stops reading at once and
 * asks for pages of history (1,000 messages each) a few times a second: its
 * unsent replies pile up in the node until the node drops it (4000) past its
 * buffer limit; after a while it looks, closes and starts over. A "rarely"
 * reader reads for one second in ten and must be kept.
 *
 * Invariant: at most one connection per reader at a time; close() ends it.
 * @module
 */

import { sleep } from "../common/abortable_sleep.ts";
import { connectRawWebSocket, type RawWebSocket } from "../perf/raw_websocket.ts";
import type { SoakLedger, SoakNode } from "./soak_ledger.ts";

export class SlowReader {
  #node: SoakNode;
  #ledger: SoakLedger;
  #mode: "never" | "rarely";
  #ws: RawWebSocket | undefined;
  /** How long a "never" reader lives before it looks whether it was dropped. */
  #cycleMs: number;

  constructor(
    options: { node: SoakNode; ledger: SoakLedger; mode: "never" | "rarely"; cycleMs?: number },
  ) {
    this.#node = options.node;
    this.#ledger = options.ledger;
    this.#mode = options.mode;
    this.#cycleMs = options.cycleMs ?? 20_000;
  }

  async #open(): Promise<RawWebSocket | undefined> {
    try {
      return await connectRawWebSocket(this.#node.wsUrl, {
        onText: (text) => {
          if (this.#mode === "rarely") this.#ledger.counters.rareReaderBytes += text.length;
        },
      });
    } catch {
      return undefined;
    }
  }

  async #neverCycle(signal: AbortSignal): Promise<void> {
    const ws = this.#ws = await this.#open();
    if (!ws) return await sleep(1000, signal);
    ws.pauseReading();
    const endMs = Date.now() + this.#cycleMs;
    while (!signal.aborted && Date.now() < endMs) {
      ws.sendText(JSON.stringify({ type: "clientSyncRequest", payload: { limit: 1000 } }));
      await sleep(250, signal);
    }
    ws.resumeReading();
    const code = await Promise.race([
      ws.closed,
      sleep(3000, signal).then(() => undefined),
    ]);
    if (code === 4000) this.#ledger.counters.slowReaderDropsSeen += 1;
    ws.terminate();
    this.#ledger.counters.slowReaderCycles += 1;
  }

  async #rareCycle(signal: AbortSignal): Promise<void> {
    if (!this.#ws?.isOpen) {
      this.#ws = await this.#open();
      if (!this.#ws) return await sleep(1000, signal);
    }
    this.#ws.pauseReading();
    await sleep(9000, signal);
    this.#ws.resumeReading();
    await sleep(1000, signal);
  }

  async run(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      if (this.#mode === "never") await this.#neverCycle(signal);
      else await this.#rareCycle(signal);
    }
  }

  close(): void {
    this.#ws?.terminate();
  }
}
