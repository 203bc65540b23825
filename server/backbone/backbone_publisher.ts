/**
 * The backbone's outbox: puts every message this node originated on the
 * stream, in seq order, once it is committed (durable), in batches: one
 * JetStream message carries a run of consecutive messages in the packed form
 * (common/packed_messages.ts), with one cluster proof, and the batch's range
 * of seqs as its JetStream message id. It reads what to send from the node's own store
 * (`readAfter`), never from a queue of its own, so whatever was committed but
 * not yet acknowledged by JetStream when the process died is found again on the
 * next start: `start(fromSeq)` begins after the last own message the stream
 * holds.
 *
 * Invariant: nothing is published before its commit (readAfter only reads
 * committed messages); `ackedUpTo` only advances over messages JetStream
 * acknowledged, contiguously; after a failed publish everything from
 * `ackedUpTo` is sent again (the stream's duplicate window, and the receivers'
 * idempotency, make that harmless).
 * @module
 */

import type { JetStreamClient } from "@nats-io/jetstream";
import { backboneBatchId, type BackboneNames } from "../../common/backbone_protocol.ts";
import { groupPackedRuns } from "../../common/packed_messages.ts";
import { backoffDelayMs } from "../../common/backoff.ts";
import type { ChatMessage } from "../../common/protocol.ts";
import type { Logger } from "../../common/logger.ts";
import { type BackboneAuth, signedHeaders } from "./backbone_auth.ts";

/** What the publisher reads of the node. */
export interface PublisherNode {
  readonly nodeId: number;
  readAfter(originNodeId: number, afterSeq: number, limit: number): ChatMessage[];
}

export interface BackbonePublisherOptions {
  node: PublisherNode;
  js: JetStreamClient;
  names: BackboneNames;
  auth: BackboneAuth;
  log: Logger;
  /** Batches awaiting their acknowledgement at most. @default 64 */
  maxInFlight?: number;
  /** Bytes of packed messages per batch (a stream message holds up to 256 KiB). @default 64 KiB */
  batchBytes?: number;
}

const READ_BATCH = 1024;

export class BackbonePublisher {
  #options: BackbonePublisherOptions;
  /** Every own message up to here is acknowledged by JetStream. */
  #ackedUpTo = 0;
  #running = false;
  #again = false;
  #started = false;
  #closed = false;
  #failures = 0;
  #retryTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(options: BackbonePublisherOptions) {
    this.#options = options;
  }

  /** Own messages JetStream has acknowledged, contiguously from 1 (or from the start point). */
  get ackedUpTo(): number {
    return this.#ackedUpTo;
  }

  /** Starts sending after `fromSeq` (the last own message the stream already holds). */
  start(fromSeq: number): void {
    this.#ackedUpTo = fromSeq;
    this.#started = true;
    this.kick();
  }

  /** Something new was committed (or the connection came back): send what is unsent. */
  kick(): void {
    if (!this.#started || this.#closed) return;
    if (this.#running) {
      this.#again = true;
      return;
    }
    this.#running = true;
    void this.#pump().finally(() => {
      this.#running = false;
      if (this.#again && !this.#closed) {
        this.#again = false;
        this.kick();
      }
    });
  }

  close(): void {
    this.#closed = true;
    clearTimeout(this.#retryTimer);
  }

  async #pump(): Promise<void> {
    const { node, js, names, auth } = this.#options;
    const maxInFlight = this.#options.maxInFlight ?? 64;
    const maxBytes = this.#options.batchBytes ?? 64 * 1024;
    const subject = names.messages(node.nodeId);
    const inFlight: Array<{ seq: number; ack: Promise<unknown> }> = [];
    let sentUpTo = this.#ackedUpTo;
    try {
      while (!this.#closed) {
        const read = node.readAfter(node.nodeId, sentUpTo, READ_BATCH);
        if (read.length === 0) break;
        // Own messages in seq order: each group is one run (`[[nodeId,firstSeq,...]]`).
        let first = 0;
        for (const group of groupPackedRuns(read, { maxBytes, overheadBytes: 2 })) {
          const payload = `[${group.runs.join(",")}]`;
          const firstSeq = read[first].seq;
          const lastSeq = read[first + group.messages - 1].seq;
          first += group.messages;
          const ack = js.publish(subject, payload, {
            msgID: backboneBatchId(node.nodeId, firstSeq, lastSeq),
            headers: signedHeaders(auth, subject, payload),
          });
          ack.catch(() => {}); // awaited below, in order
          inFlight.push({ seq: lastSeq, ack });
          sentUpTo = lastSeq;
          while (inFlight.length >= maxInFlight) await this.#settle(inFlight.shift()!);
        }
      }
      while (inFlight.length > 0) await this.#settle(inFlight.shift()!);
      if (this.#failures > 0) {
        this.#options.log.info("backbone publishing again", { ackedUpTo: this.#ackedUpTo });
      }
      this.#failures = 0;
    } catch (error) {
      if (this.#closed) return;
      if (this.#failures === 0 || this.#failures % 20 === 0) {
        this.#options.log.warn("Cannot publish to the backbone", {
          error: String((error as Error)?.message ?? error),
          ackedUpTo: this.#ackedUpTo,
          failures: this.#failures,
        });
      }
      const delayMs = backoffDelayMs(Math.min(this.#failures, 10), { baseMs: 200, maxMs: 5000 });
      this.#failures += 1;
      clearTimeout(this.#retryTimer);
      this.#retryTimer = setTimeout(() => this.kick(), delayMs);
    }
  }

  async #settle(entry: { seq: number; ack: Promise<unknown> }): Promise<void> {
    await entry.ack;
    if (entry.seq > this.#ackedUpTo) this.#ackedUpTo = entry.seq;
  }
}
