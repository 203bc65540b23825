/**
 * A soak reader that comes and goes: connects to some node, says hello,
 * resumes with `since` from where it was (paging until the node says no more),
 * reads live messages for a few seconds, then leaves, politely or by dropping
 * the connection, and comes back a moment later, maybe to another node.
 * It remembers every messageId it got: the contract says a resuming client
 * gets nothing twice, so a second delivery is counted (the two kinds that
 * docs/SERVER.md allows while a resume crosses live frames, apart).
 *
 * Invariant: its `since` vector only moves forward.
 * @module
 */

import { sleep } from "../common/abortable_sleep.ts";
import { connectRawWebSocket } from "../perf/raw_websocket.ts";
import type { SeededRandom } from "../chaos/seeded_random.ts";
import type { SoakLedger, SoakNode } from "./soak_ledger.ts";

interface Message {
  messageId: string;
  nodeId: number;
  seq: number;
}

export class ChurnReader {
  #nodes: SoakNode[];
  #ledger: SoakLedger;
  #random: SeededRandom;
  #name: string;
  #vector: Record<string, number> = {};
  /** messageId -> how and in which cycle (connection) it first came. */
  #seen = new Map<string, { how: "live" | "since"; cycle: number }>();
  #cycles = 0;
  #leaving = false;
  /** True once this connection got its first `since` reply. */
  #replied = false;
  /** Highest live seq per origin on the current connection, merged once the resume is done. */
  #liveMax: Record<string, number> = {};
  #close: (() => void) | undefined;

  constructor(
    options: { nodes: SoakNode[]; ledger: SoakLedger; random: SeededRandom; name: string },
  ) {
    this.#nodes = options.nodes;
    this.#ledger = options.ledger;
    this.#random = options.random;
    this.#name = options.name;
  }

  #receive(message: Message, how: "live" | "since"): void {
    if (this.#leaving) return; // past the position it will resume from: it will come again
    this.#ledger.counters.churnMessages += 1;
    const first = this.#seen.get(message.messageId);
    if (first) return this.#again(message, how, first);
    this.#seen.set(message.messageId, { how, cycle: this.#cycles });
    if (how === "live") {
      this.#liveMax = maxVector(this.#liveMax, { [String(message.nodeId)]: message.seq });
    }
  }

  /**
   * A second delivery. docs/SERVER.md allows two kinds while a resume and live frames
   * cross (the client keeps the first): one that came live on this connection and again
   * in its `since` reply, and a live frame sent before the node read the `since` request
   * of something an earlier connection had. Any other is a broken promise.
   */
  #again(message: Message, how: "live" | "since", first: { how: string; cycle: number }): void {
    const counters = this.#ledger.counters;
    const sameConnection = first.cycle === this.#cycles;
    if (how === "since" && sameConnection && first.how === "live") {
      counters.churnLiveThenReply += 1;
    } else if (how === "live" && !sameConnection && !this.#replied) {
      counters.churnCrossedResume += 1;
    } else {
      counters.churnDuplicates += 1;
      if (this.#ledger.duplicateExamples.length < 10) {
        this.#ledger.duplicateExamples.push(
          `${this.#name} got ${message.messageId} again (${how}, connection ${this.#cycles}; ` +
            `first ${first.how}, connection ${first.cycle})`,
        );
      }
    }
  }

  async #cycle(signal: AbortSignal): Promise<void> {
    const node = this.#random.pick(this.#nodes);
    let resumed = false;
    let page = 0;
    this.#cycles += 1;
    this.#leaving = false;
    this.#replied = false;
    this.#liveMax = {};
    const ws = await connectRawWebSocket(node.wsUrl, {
      onText: (text) => {
        const frame = JSON.parse(text) as {
          type: string;
          payload: Message[];
          more?: boolean;
          vector?: Record<string, number>;
        };
        if (frame.type === "newMessagesForClient") return this.#receive(frame.payload[0], "live");
        if (frame.type !== "clientSyncReply") return;
        this.#replied = true;
        for (const message of frame.payload) this.#receive(message, "since");
        if (frame.vector) this.#vector = maxVector(this.#vector, frame.vector);
        if (frame.more) {
          ws?.sendText(
            JSON.stringify({
              type: "clientSyncRequest",
              payload: { since: this.#vector, limit: 1000 },
              ref: `p${++page}`,
            }),
          );
        } else resumed = true;
      },
    }).catch(() => undefined);
    if (!ws) return await sleep(1000, signal);
    this.#close = () => ws.terminate();
    ws.sendText(JSON.stringify({ type: "hello", payload: { name: this.#name } }));
    ws.sendText(
      JSON.stringify({
        type: "clientSyncRequest",
        payload: { since: this.#vector, limit: 1000 },
        ref: "p0",
      }),
    );
    await sleep(this.#random.int(1000, 4000), signal);
    for (let waited = 0; !resumed && waited < 30_000 && ws.isOpen; waited += 100) {
      await sleep(100, signal);
    }
    // Live messages move the position only after the resume finished (a page boundary is exact).
    if (resumed) this.#vector = maxVector(this.#vector, this.#liveMax);
    this.#leaving = true;
    if (this.#random.chance(0.5)) await ws.close(2000);
    else ws.terminate();
    this.#ledger.counters.churnCycles += 1;
    await sleep(this.#random.int(200, 1500), signal);
  }

  async run(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) await this.#cycle(signal);
  }

  close(): void {
    this.#close?.();
  }
}

function maxVector(a: Record<string, number>, b: Record<string, number>): Record<string, number> {
  const merged = { ...a };
  for (const [origin, seq] of Object.entries(b)) {
    merged[origin] = Math.max(merged[origin] ?? 0, seq);
  }
  return merged;
}
