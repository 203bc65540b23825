/**
 * A soak writer: one connection to one node, sending acknowledged messages
 * (with clientMsgId) at a steady rate to the chats the ledger lists, as an
 * honest client does: after a reconnect it sends again, with the same
 * clientMsgId, everything not yet acknowledged.
 *
 * Invariant: every send stays pending until its acknowledgement; close()
 * waits (up to a deadline) for the pending ones before it closes.
 * @module
 */

import { sleep } from "../common/abortable_sleep.ts";
import { connectRawWebSocket, type RawWebSocket } from "../perf/raw_websocket.ts";
import type { SeededRandom } from "../chaos/seeded_random.ts";
import type { SoakLedger, SoakNode } from "./soak_ledger.ts";

export class SoakWriter {
  #node: SoakNode;
  #ledger: SoakLedger;
  #random: SeededRandom;
  #name: string;
  #ratePerSecond: number;
  #pending = new Map<string, string>();
  #ws: RawWebSocket | undefined;
  #next = 0;

  constructor(
    options: {
      node: SoakNode;
      ledger: SoakLedger;
      random: SeededRandom;
      name: string;
      ratePerSecond: number;
    },
  ) {
    this.#node = options.node;
    this.#ledger = options.ledger;
    this.#random = options.random;
    this.#name = options.name;
    this.#ratePerSecond = options.ratePerSecond;
  }

  get pending(): number {
    return this.#pending.size;
  }

  async #connect(signal: AbortSignal): Promise<RawWebSocket | undefined> {
    while (!signal.aborted) {
      try {
        const ws = await connectRawWebSocket(this.#node.wsUrl, {
          onText: (text) => this.#onText(text),
          onClose: () => {
            if (this.#ws === ws) this.#ws = undefined;
          },
        });
        ws.sendText(JSON.stringify({ type: "subscribe", payload: { chatIds: [] } }));
        for (const frame of this.#pending.values()) {
          ws.sendText(frame);
          this.#ledger.counters.resent += 1;
        }
        return ws;
      } catch {
        await sleep(500, signal);
      }
    }
    return undefined;
  }

  #onText(text: string): void {
    const frame = JSON.parse(text) as { type: string; payload: Record<string, string> };
    if (frame.type === "clientMessageResponse") {
      this.#pending.delete(frame.payload.clientMsgId);
      this.#ledger.recordAck(frame.payload.clientMsgId, frame.payload.messageId);
    } else if (frame.type === "error") {
      this.#ledger.recordError(frame.payload.code);
    }
  }

  #send(): void {
    const clientMsgId = `${this.#name}-${this.#next++}`;
    const text = `${clientMsgId} ${"soak ".repeat(this.#random.int(1, 80))}`;
    const chatId = this.#random.pick(this.#ledger.chatIds);
    const frame = JSON.stringify({
      type: "newMessageFromClient",
      payload: { text, sender: this.#name, chatId, clientMsgId },
    });
    this.#pending.set(clientMsgId, frame);
    this.#ledger.counters.sent += 1;
    this.#ws?.sendText(frame);
  }

  /** Sends until the signal aborts, reconnecting when the node closes the connection. */
  async run(signal: AbortSignal): Promise<void> {
    const startMs = performance.now();
    while (!signal.aborted) {
      if (!this.#ws) {
        if (this.#next > 0) this.#ledger.counters.writerReconnects += 1;
        this.#ws = await this.#connect(signal);
        continue;
      }
      const due = Math.floor(((performance.now() - startMs) / 1000) * this.#ratePerSecond);
      while (this.#next < due && this.#ws) this.#send();
      await sleep(50, signal);
    }
  }

  /** Waits for the pending acknowledgements (sending them again if needed), then closes. */
  async close(deadlineMs = 30_000): Promise<void> {
    const deadline = Date.now() + deadlineMs;
    const signal = AbortSignal.timeout(deadlineMs);
    while (this.#pending.size > 0 && Date.now() < deadline) {
      if (!this.#ws) this.#ws = await this.#connect(signal);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    await this.#ws?.close();
  }
}
