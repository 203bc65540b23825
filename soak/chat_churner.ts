/**
 * Soak chat churn: a hello client that creates a chat every few seconds (the
 * writers then write to it), changes its subscriptions, lists chats and asks
 * for presence, and moves to another node now and then.
 *
 * Invariant: only chats a node confirmed (chatCreated with our ref) reach the ledger.
 * @module
 */

import { sleep } from "../common/abortable_sleep.ts";
import { connectRawWebSocket, type RawWebSocket } from "../perf/raw_websocket.ts";
import type { SeededRandom } from "../chaos/seeded_random.ts";
import type { SoakLedger, SoakNode } from "./soak_ledger.ts";

export class ChatChurner {
  #nodes: SoakNode[];
  #ledger: SoakLedger;
  #random: SeededRandom;
  #ws: RawWebSocket | undefined;
  #created = 0;

  constructor(options: { nodes: SoakNode[]; ledger: SoakLedger; random: SeededRandom }) {
    this.#nodes = options.nodes;
    this.#ledger = options.ledger;
    this.#random = options.random;
  }

  async #stay(signal: AbortSignal): Promise<void> {
    const node = this.#random.pick(this.#nodes);
    const ws = this.#ws = await connectRawWebSocket(node.wsUrl, {
      onText: (text) => {
        const frame = JSON.parse(text) as {
          type: string;
          ref?: string;
          payload: { chatId: number; code?: string };
        };
        if (frame.type === "chatCreated" && frame.ref?.startsWith("create")) {
          this.#ledger.addChat(frame.payload.chatId);
        }
        if (frame.type === "error") this.#ledger.recordError(frame.payload.code ?? "?");
      },
    }).catch(() => undefined);
    if (!ws) return await sleep(1000, signal);
    ws.sendText(JSON.stringify({ type: "hello", payload: { name: "chat-churner" } }));
    for (let step = 0; step < 15 && !signal.aborted && ws.isOpen; step++) {
      ws.sendText(
        JSON.stringify({
          type: "createChat",
          payload: { name: `soak chat ${this.#created++}` },
          ref: `create${step}`,
        }),
      );
      const chatIds = this.#ledger.chatIds.filter(() => this.#random.chance(0.3));
      ws.sendText(
        JSON.stringify({
          type: "subscribe",
          payload: { chatIds: this.#random.chance(0.2) ? null : chatIds },
        }),
      );
      if (step % 5 === 0) {
        ws.sendText(JSON.stringify({ type: "listChats", payload: {} }));
        ws.sendText(JSON.stringify({ type: "presence", payload: {} }));
      }
      await sleep(2000, signal);
    }
    await ws.close(2000);
  }

  async run(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) await this.#stay(signal);
  }

  close(): void {
    this.#ws?.terminate();
  }
}
