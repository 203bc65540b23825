/**
 * A chaos writer: one sender that sends messages continuously, each with its
 * own clientMsgId, and records every attempt. After a disconnect, an ack
 * timeout or a refusal it moves to another node and sends again everything not
 * yet acknowledged, under the same clientMsgId (the contract's idempotent
 * resend), as the terminal and web clients do.
 *
 * Invariants: a message is in `pending` until its first ack; each send is one
 * WriteAttempt whose outcome is settled by the ack, the error frame, the
 * connection's end or the ack timeout (or stays "abandoned" when the run ends).
 * @module
 */

import type { WriteAttempt, WriteRecord } from "./chaos_history.ts";
import { ChaosSocket, type ServerFrame } from "./chaos_socket.ts";
import type { SeededRandom } from "./seeded_random.ts";
import { sleep } from "../common/abortable_sleep.ts";

/** Where the clients find the nodes (the harness knows their current addresses). */
export interface NodeDirectory {
  readonly count: number;
  wsUrl(index: number): string;
}

export interface ChaosWriterOptions {
  name: string;
  random: SeededRandom;
  nodes: NodeDirectory;
  chatIds: readonly number[];
  ratePerSecond: number;
  maxInFlight: number;
  ackTimeoutMs: number;
  /** ms since the start of the run. */
  clockMs: () => number;
  /** Where records go (shared by every writer of the run). */
  writes: WriteRecord[];
}

interface Pending {
  record: WriteRecord;
  text: string;
  attempt?: WriteAttempt;
  sentAtMs: number;
}

const TICK_MS = 50;
const OPEN_TIMEOUT_MS = 3000;

export class ChaosWriter {
  #o: ChaosWriterOptions;
  #pending = new Map<string, Pending>();
  #socket: ChaosSocket | null = null;
  #node = -1;
  #count = 0;
  #tokens = 0;
  #draining = false;
  #stopped = false;
  #done: Promise<void> | undefined;

  constructor(options: ChaosWriterOptions) {
    this.#o = options;
  }

  /** Starts writing (until drain() finishes). */
  start(): void {
    this.#done ??= this.#loop();
  }

  /** Stops new sends, resends what is unacknowledged until deadlineMs from now, then stops. */
  async drain(deadlineMs: number): Promise<void> {
    this.#draining = true;
    const deadline = performance.now() + deadlineMs;
    while (this.#pending.size > 0 && performance.now() < deadline) {
      await sleep(TICK_MS);
    }
    this.#stopped = true;
    await this.#done;
    this.#socket?.abandon();
  }

  get unacknowledged(): number {
    return this.#pending.size;
  }

  /** Connections opened so far. */
  connections = 0;

  async #loop(): Promise<void> {
    let last = performance.now();
    while (!this.#stopped) {
      if (!this.#socket) await this.#connect();
      const now = performance.now();
      if (!this.#draining) {
        this.#tokens = Math.min(this.#tokens + (now - last) * this.#o.ratePerSecond / 1000, 20);
      }
      last = now;
      while (this.#tokens >= 1 && this.#pending.size < this.#o.maxInFlight && this.#socket) {
        this.#tokens -= 1;
        this.#sendNew();
      }
      this.#checkTimeouts(now);
      await sleep(TICK_MS);
    }
  }

  async #connect(): Promise<void> {
    while (!this.#stopped && !this.#socket) {
      const { nodes, random } = this.#o;
      const choices = Array.from({ length: nodes.count }, (_, i) => i).filter((i) =>
        i !== this.#node || nodes.count === 1
      );
      const node = random.pick(choices);
      const holder: { socket: ChaosSocket | null } = { socket: null };
      const socket = await ChaosSocket.open(nodes.wsUrl(node), {
        onFrame: (frame) => this.#onFrame(frame),
        onClose: () => this.#onClose(holder.socket),
      }, OPEN_TIMEOUT_MS);
      holder.socket = socket;
      this.#node = node;
      if (!socket) {
        await sleep(200);
        continue;
      }
      this.#socket = socket;
      this.connections += 1;
      for (const pending of this.#pending.values()) this.#send(pending);
    }
  }

  #sendNew(): void {
    const n = ++this.#count;
    const { name, random, chatIds } = this.#o;
    const record: WriteRecord = {
      sender: name,
      clientMsgId: `${name}-${n}`,
      chatId: random.pick(chatIds),
      attempts: [],
    };
    this.#o.writes.push(record);
    const filler = "x".repeat(random.int(0, 200));
    const pending: Pending = { record, text: `${name} #${n} ${filler}`, sentAtMs: 0 };
    this.#pending.set(record.clientMsgId, pending);
    this.#send(pending);
  }

  #send(pending: Pending): void {
    const socket = this.#socket;
    if (!socket) return;
    const attempt: WriteAttempt = {
      node: this.#node,
      atMs: this.#o.clockMs(),
      outcome: "abandoned",
    };
    pending.record.attempts.push(attempt);
    pending.attempt = attempt;
    pending.sentAtMs = performance.now();
    const { record } = pending;
    socket.send({
      type: "newMessageFromClient",
      payload: {
        chatId: record.chatId,
        sender: record.sender,
        text: pending.text,
        clientMsgId: record.clientMsgId,
      },
      ref: record.clientMsgId,
    });
  }

  #onFrame(frame: ServerFrame): void {
    if (frame.type === "clientMessageResponse") {
      const ack = frame.payload as { clientMsgId: string; messageId: string };
      const pending = this.#pending.get(ack.clientMsgId);
      if (!pending?.attempt) return;
      pending.attempt.outcome = "acked";
      pending.attempt.messageId = ack.messageId;
      this.#pending.delete(ack.clientMsgId);
    } else if (frame.type === "error" && frame.ref !== undefined) {
      const pending = this.#pending.get(frame.ref);
      if (!pending?.attempt) return;
      const code = (frame.payload as { code?: string })?.code ?? "unknown";
      pending.attempt.outcome = "refused";
      pending.attempt.errorCode = code;
      pending.attempt = undefined;
      if (code === "rate_limited") setTimeout(() => this.#send(pending), 1000);
      else this.#leave(); // the node cannot store: go elsewhere with everything pending
    }
  }

  #checkTimeouts(now: number): void {
    for (const pending of this.#pending.values()) {
      if (pending.attempt && now - pending.sentAtMs > this.#o.ackTimeoutMs) {
        pending.attempt.outcome = "timeout";
        pending.attempt = undefined;
        this.#leave();
        return;
      }
    }
  }

  /** Drops the current node; the loop connects elsewhere and resends. */
  #leave(): void {
    const socket = this.#socket;
    this.#socket = null;
    socket?.abandon();
  }

  #onClose(socket: ChaosSocket | null): void {
    if (socket === null) return; // never opened: nothing was sent on it
    for (const pending of this.#pending.values()) {
      if (pending.attempt?.outcome === "abandoned") pending.attempt.outcome = "disconnected";
      pending.attempt = undefined;
    }
    if (this.#socket === socket) this.#socket = null;
  }
}
