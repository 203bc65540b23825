/**
 * A chaos reader: follows every chat on one node at a time and records every
 * message it is sent. On each connection it asks `since` its position (paging
 * while `more`), and it moves to another node when the connection ends, when a
 * probe goes unanswered (a frozen node), and now and then on its own, so that
 * resumes also happen while messages flow. A `hello` reader says hello first;
 * an original-style one never does.
 *
 * Invariant: the position only covers what the reader was given: a reply's
 * vector, and a live frame once the connection's `since` pages are complete
 * (a node publishes each origin's messages in seq order, so from then on live
 * frames continue the position without a hole).
 * @module
 */

import { decodeMessageId } from "../common/message_id.ts";
import type { ReaderConnection, ReaderRecord, SeenMessage, Vector } from "./chaos_history.ts";
import { ChaosSocket, type ServerFrame } from "./chaos_socket.ts";
import type { NodeDirectory } from "./chaos_writer.ts";
import type { SeededRandom } from "./seeded_random.ts";
import { sleep } from "../common/abortable_sleep.ts";

export interface ChaosReaderOptions {
  name: string;
  hello: boolean;
  random: SeededRandom;
  nodes: NodeDirectory;
  /** ms since the start of the run. */
  clockMs: () => number;
  /** A silent connection is probed after this; left when the probe stays unanswered as long. */
  silenceMs: number;
  /** Moves to another node after a random time in this range. */
  churnMs: [number, number];
}

const OPEN_TIMEOUT_MS = 3000;
const TICK_MS = 100;
/** A chat nobody writes to: the probe asks its history. */
const QUIET_CHAT = 987_654_321;

export class ChaosReader {
  readonly record: ReaderRecord;
  #o: ChaosReaderOptions;
  #position: Vector = {};
  #socket: ChaosSocket | null = null;
  #connection: ReaderConnection | null = null;
  #node = -1;
  #caughtUp = false;
  #pages = 0;
  #probeSentAtMs = 0;
  #leaveAtMs = 0;
  #stopped = false;
  #done: Promise<void> | undefined;
  /** Churn is paused for the end of the run (readers then stay to catch up). */
  #settling = false;

  constructor(options: ChaosReaderOptions) {
    this.#o = options;
    this.record = { name: options.name, hello: options.hello, connections: [] };
  }

  start(): void {
    this.#done ??= this.#loop();
  }

  /** Stops moving between nodes on its own (faults still move it). */
  settle(): void {
    this.#settling = true;
  }

  /** True when a complete `since` on the current connection and live frames cover `vector`. */
  covers(vector: Vector): boolean {
    if (!this.#caughtUp || !this.#socket) return false;
    return Object.entries(vector).every(([origin, seq]) => (this.#position[origin] ?? 0) >= seq);
  }

  /**
   * Asks `since` again on the current connection: a complete reply's vector also covers
   * what never comes live (hidden copies), so covers() can become true at the end.
   */
  refresh(): void {
    if (this.#socket && this.#connection && this.#caughtUp) {
      this.#caughtUp = false;
      this.#askSince(this.#connection, { ...this.#position });
    }
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    await this.#done;
    this.#leave();
  }

  async #loop(): Promise<void> {
    while (!this.#stopped) {
      if (!this.#socket) await this.#connect();
      const socket = this.#socket;
      const now = performance.now();
      if (socket && this.#probeSentAtMs > 0 && now - this.#probeSentAtMs > this.#o.silenceMs) {
        this.#leave(); // the probe went unanswered: a frozen or cut-off node
      } else if (
        socket && this.#probeSentAtMs === 0 && now - socket.lastFrameAtMs > this.#o.silenceMs
      ) {
        this.#probeSentAtMs = now;
        socket.send({
          type: "clientSyncRequest",
          payload: { chatId: QUIET_CHAT, limit: 1 },
          ref: "probe",
        });
      } else if (socket && !this.#settling && now > this.#leaveAtMs) {
        this.#leave();
      }
      await sleep(TICK_MS);
    }
  }

  async #connect(): Promise<void> {
    const { nodes, random } = this.#o;
    while (!this.#stopped && !this.#socket) {
      const choices = Array.from({ length: nodes.count }, (_, i) => i).filter((i) =>
        i !== this.#node || nodes.count === 1
      );
      const node = random.pick(choices);
      const connection: ReaderConnection = { node, openedAtMs: this.#o.clockMs(), events: [] };
      const socket = await ChaosSocket.open(nodes.wsUrl(node), {
        onFrame: (frame) => this.#onFrame(connection, frame),
        onClose: () => {
          if (this.#connection === connection) this.#socket = null;
        },
      }, OPEN_TIMEOUT_MS);
      this.#node = node;
      if (!socket) {
        await sleep(200);
        continue;
      }
      this.record.connections.push(connection);
      this.#socket = socket;
      this.#connection = connection;
      this.#caughtUp = false;
      this.#pages = 0;
      this.#probeSentAtMs = 0;
      this.#leaveAtMs = performance.now() + random.int(...this.#o.churnMs);
      if (this.#o.hello) socket.send({ type: "hello", payload: { name: this.#o.name } });
      this.#askSince(connection, { ...this.#position });
    }
  }

  #askSince(connection: ReaderConnection, vector: Vector): void {
    const ref = `since-${this.record.connections.length}-${++this.#pages}`;
    connection.events.push({ t: "since", ref, vector });
    this.#socket?.send({ type: "clientSyncRequest", payload: { since: vector, limit: 1000 }, ref });
  }

  #onFrame(connection: ReaderConnection, frame: ServerFrame): void {
    if (this.#connection !== connection) return;
    this.#probeSentAtMs = 0;
    if (frame.type === "newMessagesForClient") {
      const message = seen((frame.payload as unknown[])[0]);
      if (!message) return;
      connection.events.push({ t: "live", message });
      if (this.#caughtUp) raise(this.#position, message.id);
    } else if (frame.type === "clientSyncReply" && frame.ref?.startsWith("since-")) {
      const messages = (frame.payload as unknown[]).map(seen).filter((m) => m !== null);
      const vector = frame.vector ?? {};
      connection.events.push({ t: "reply", ref: frame.ref, messages, vector, more: !!frame.more });
      for (const [origin, seq] of Object.entries(vector)) {
        if (seq > (this.#position[origin] ?? 0)) this.#position[origin] = seq;
      }
      if (frame.more) this.#askSince(connection, vector);
      else this.#caughtUp = true;
    } else if (frame.type === "messageUpdated") {
      const payload = frame.payload as { messageId?: string; duplicateOf?: string };
      if (typeof payload?.messageId === "string") {
        connection.events.push({
          t: "updated",
          id: payload.messageId,
          duplicateOf: payload.duplicateOf,
        });
      }
    }
  }

  #leave(): void {
    const socket = this.#socket;
    this.#socket = null;
    this.#connection = null;
    socket?.abandon();
  }
}

function seen(value: unknown): SeenMessage | null {
  const m = value as { messageId?: unknown; sender?: unknown; clientMsgId?: unknown } | null;
  if (!m || typeof m.messageId !== "string" || typeof m.sender !== "string") return null;
  const message: SeenMessage = { id: m.messageId, sender: m.sender };
  if (typeof m.clientMsgId === "string") message.clientMsgId = m.clientMsgId;
  return message;
}

function raise(vector: Vector, messageId: string): void {
  const key = decodeMessageId(messageId);
  if (key && key.seq > (vector[String(key.nodeId)] ?? 0)) vector[String(key.nodeId)] = key.seq;
}
