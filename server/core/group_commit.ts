/**
 * Group commit: writes queued during one event-loop turn run in ONE store
 * transaction (one fsync), then their after-commit steps run in queue order,
 * then their promises resolve. Acks and fan-out live in those steps, so nothing
 * is acknowledged or delivered before it is durable.
 *
 * Invariant: a queued write either commits with its batch and then its `after`
 * runs, or the whole batch fails, no `after` runs and every promise rejects
 * (and onFailure is told: in-memory state built on the batch is then stale).
 * @module
 */

import type { MessageStore } from "../store/message_store.ts";

interface QueuedWrite {
  write: () => void;
  after: () => unknown;
  resolve: (value: unknown) => void;
  reject: (error: Error) => void;
}

export interface GroupCommitOptions {
  /** Runs the flush later in the same turn's end. @default setImmediate */
  schedule?: (flush: () => void) => void;
  /** Told when a batch fails to commit. */
  onFailure?: (error: Error) => void;
  /** Runs inside the transaction after the batch's writes (per-batch bookkeeping). */
  beforeCommit?: () => void;
  /** Told after every committed batch with its size and how long the transaction took. */
  onCommitted?: (size: number, durationMs: number) => void;
}

export class GroupCommit {
  #store: MessageStore;
  #queue: QueuedWrite[] = [];
  #scheduled = false;
  #options: GroupCommitOptions;
  #closed = false;

  constructor(store: MessageStore, options: GroupCommitOptions = {}) {
    this.#store = store;
    this.#options = options;
  }

  /** Queues a write; resolves with after()'s value once the batch committed. */
  enqueue<T>(write: () => void, after: () => T): Promise<T> {
    if (this.#closed) return Promise.reject(new Error("Cannot write: the store is closing"));
    return new Promise<T>((resolve, reject) => {
      this.#queue.push({ write, after, resolve: resolve as (value: unknown) => void, reject });
      if (!this.#scheduled) {
        this.#scheduled = true;
        (this.#options.schedule ?? setImmediate)(() => this.flush());
      }
    });
  }

  /** Commits everything queued now (also called at shutdown). */
  flush(): void {
    this.#scheduled = false;
    const batch = this.#queue;
    if (batch.length === 0) return;
    this.#queue = [];
    const startMs = performance.now();
    try {
      this.#store.transaction(() => {
        for (const item of batch) item.write();
        this.#options.beforeCommit?.();
      });
    } catch (cause) {
      const error = new Error(`Cannot commit ${batch.length} writes: ${(cause as Error).message}`, {
        cause,
      });
      for (const item of batch) item.reject(error);
      this.#options.onFailure?.(error);
      return;
    }
    this.#options.onCommitted?.(batch.length, performance.now() - startMs);
    for (const item of batch) {
      try {
        item.resolve(item.after());
      } catch (error) {
        item.reject(error as Error);
      }
    }
  }

  /** Flushes and refuses further writes. */
  close(): void {
    this.flush();
    this.#closed = true;
  }
}
