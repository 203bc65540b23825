/**
 * The writer pinned to the node whose disk the nemesis filled: it keeps sending
 * large messages to that node alone, counts how the node refuses them while the
 * disk is full, and, once the space is back, how long until the node
 * acknowledges a write again. Its sends are recorded like any writer's, so an
 * acknowledgement the node gave without storing shows up as a lost message.
 *
 * Invariants: a refusal counts for the fill when its write was sent before
 * freed() (on a loaded machine the answer may come after the space is back);
 * recoveredAfterMs is set by the first ack that arrives after freed(); the
 * probe sends at most one message per SEND_EVERY_MS and stops at stop() or
 * when recovery is seen.
 * @module
 */

import { DISK_PROBE_SENDER, type DiskFillRecord, type WriteRecord } from "./chaos_history.ts";
import { ChaosSocket } from "./chaos_socket.ts";
import type { NodeDirectory } from "./chaos_writer.ts";
import { sleep } from "../common/abortable_sleep.ts";

const SEND_EVERY_MS = 50;
const OPEN_TIMEOUT_MS = 3000;
/** Big messages fill what is left of the database's pages quickly. */
const PROBE_TEXT = "ballast ".repeat(450);

export interface DiskProbeOptions {
  nodes: NodeDirectory;
  record: DiskFillRecord;
  writes: WriteRecord[];
  clockMs: () => number;
}

export class DiskProbe {
  #o: DiskProbeOptions;
  #socket: ChaosSocket | null = null;
  #count = 0;
  #freedAtPerfMs = 0;
  #stopped = false;
  #byClientMsgId = new Map<string, WriteRecord>();
  /** clientMsgIds sent while the disk was still full. */
  #sentWhileFull = new Set<string>();
  #done: Promise<void>;

  constructor(options: DiskProbeOptions) {
    this.#o = options;
    this.#done = this.#loop();
  }

  /** The ballast is gone: from now on an ack counts as recovery. */
  freed(): void {
    this.#freedAtPerfMs = performance.now();
    this.#o.record.freedAtMs = this.#o.clockMs();
  }

  /**
   * Waits (at most deadlineMs) until the node has refused a write with one of `codes`:
   * a fill stays in place until then, however slowly a loaded machine answers.
   */
  async refusedOnce(codes: readonly string[], deadlineMs: number): Promise<void> {
    const deadline = performance.now() + deadlineMs;
    while (
      !codes.some((code) => (this.#o.record.refusals[code] ?? 0) > 0) &&
      performance.now() < deadline
    ) {
      await sleep(50);
    }
  }

  /** Waits (at most deadlineMs) for recovery, then stops. */
  async finish(deadlineMs: number): Promise<void> {
    const deadline = performance.now() + deadlineMs;
    while (this.#o.record.recoveredAfterMs === undefined && performance.now() < deadline) {
      await sleep(50);
    }
    this.#stopped = true;
    await this.#done;
    this.#socket?.abandon();
  }

  async #loop(): Promise<void> {
    while (!this.#stopped && this.#o.record.recoveredAfterMs === undefined) {
      if (!this.#socket?.isOpen) {
        this.#socket = await ChaosSocket.open(this.#o.nodes.wsUrl(this.#o.record.node), {
          onFrame: (frame) => this.#onFrame(frame.type, frame.payload, frame.ref),
          onClose: () => {},
        }, OPEN_TIMEOUT_MS);
      }
      if (this.#socket) this.#send(this.#socket);
      await sleep(SEND_EVERY_MS);
    }
  }

  #send(socket: ChaosSocket): void {
    const clientMsgId = `probe-${this.#o.record.fault}-${++this.#count}`;
    const record: WriteRecord = {
      sender: DISK_PROBE_SENDER,
      clientMsgId,
      chatId: 1,
      attempts: [{ node: this.#o.record.node, atMs: this.#o.clockMs(), outcome: "abandoned" }],
    };
    this.#o.writes.push(record);
    this.#byClientMsgId.set(clientMsgId, record);
    if (this.#freedAtPerfMs === 0) this.#sentWhileFull.add(clientMsgId);
    socket.send({
      type: "newMessageFromClient",
      payload: {
        chatId: 1,
        sender: DISK_PROBE_SENDER,
        text: `${clientMsgId} ${PROBE_TEXT}`,
        clientMsgId,
      },
      ref: clientMsgId,
    });
  }

  #onFrame(type: string, payload: unknown, ref: string | undefined): void {
    const { record } = this.#o;
    if (type === "clientMessageResponse") {
      const ack = payload as { clientMsgId: string; messageId: string };
      const write = this.#byClientMsgId.get(ack.clientMsgId);
      if (!write) return;
      write.attempts[0].outcome = "acked";
      write.attempts[0].messageId = ack.messageId;
      if (this.#freedAtPerfMs === 0) record.ackedWhileFull.push(ack.messageId);
      else if (record.recoveredAfterMs === undefined) {
        record.recoveredAfterMs = Math.round(performance.now() - this.#freedAtPerfMs);
      }
    } else if (type === "error" && ref !== undefined) {
      const write = this.#byClientMsgId.get(ref);
      if (!write) return;
      const code = (payload as { code?: string })?.code ?? "unknown";
      write.attempts[0].outcome = "refused";
      write.attempts[0].errorCode = code;
      if (this.#sentWhileFull.has(ref)) record.refusals[code] = (record.refusals[code] ?? 0) + 1;
    }
  }
}
