/**
 * Group commit: the writes queued while the event loop runs go into ONE store
 * transaction, committed without waiting for the disk (MessageStore.commitLater);
 * while the store makes it durable off the loop, the loop keeps reading,
 * validating and queueing the next writes. Once it is durable, the batch's
 * after-commit steps run in queue order and its promises resolve, and the
 * writes queued meanwhile commit as the next batch. Acks and fan-out live in
 * those steps, so nothing is acknowledged or delivered before it is durable.
 *
 * A batch whose writes are all durable on another node already (a peer's
 * messages) or background work is committed `durableElsewhere`: the store may
 * count it durable at its commit (MessageStore.commitLater), so a replica does
 * not wait for its own disk before serving what its origin made durable.
 *
 * Invariants: one batch in flight at a time; a queued write either commits
 * with its batch and then, once durable, its `after` runs, or the whole batch
 * fails, no `after` runs and every promise rejects. A batch that fails to
 * commit is reported to onFailure (in-memory state built on it is stale); one
 * that committed but could not be made durable is reported to onNotDurable,
 * and every later write is refused (the store is in doubt: its owner stops).
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
  /** Told when a batch fails to commit (it rolled back). */
  onFailure?: (error: Error) => void;
  /** Told when a committed batch cannot be made durable (the store is in doubt). */
  onNotDurable?: (error: Error) => void;
  /** Runs inside the transaction after the batch's writes (per-batch bookkeeping). */
  beforeCommit?: () => void;
  /** Told once a batch is durable, before its after-commit steps, with its size and time taken. */
  onCommitted?: (size: number, durationMs: number) => void;
  /** Tests only: awaited once a batch is durable, before anything else happens with it. */
  pauseWhenDurable?: () => Promise<void>;
  /**
   * Pacing: a batch of fewer than fullBatchWrites writes commits no sooner than this long
   * after the previous batch began, so that a steady trickle shares commits (each costs a
   * log write, a flush to disk and thread wake-ups) instead of paying one per message or
   * two. A full batch, an explicit flush() and close() do not wait. @default 0
   */
  minCycleMs?: number;
  /** A batch this large (writes, by their weight) commits at once, paced or not. @default 256 */
  fullBatchWrites?: number;
}

export class GroupCommit {
  #store: Pick<MessageStore, "commitLater">;
  #queue: QueuedWrite[] = [];
  #scheduled = false;
  #options: GroupCommitOptions;
  #closed = false;
  /** The batch being made durable; the next one commits once it is. */
  #inFlight: Promise<void> | undefined;
  /** Tasks that need the store with no batch in flight (whenQuiet). */
  #quietTasks: Array<() => void> = [];
  /** Set when a batch could not be made durable: every later write is refused with it. */
  #broken: Error | undefined;
  /** performance.now() of the last write queued that was not background work. */
  #lastWriteMs = -Infinity;
  /** The queued writes' total weight (a peer batch weighs its messages). */
  #queuedWeight = 0;
  /** Every write queued is durable elsewhere or background work (see enqueue). */
  #queuedElsewhere = true;
  /** performance.now() when the last batch began to commit. */
  #lastStartMs = -Infinity;
  /** The pacing timer, while a small batch waits for its turn. */
  #paceTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(store: Pick<MessageStore, "commitLater">, options: GroupCommitOptions = {}) {
    this.#store = store;
    this.#options = options;
  }

  /**
   * Queues a write; resolves with after()'s value once the batch is durable. A `background`
   * write (search indexing) does not count as activity for idleMs(); `weight` (default 1) is
   * what it counts toward a full batch (a peer batch: its messages); `durableElsewhere`: what
   * it writes is durable on another node already (a peer's messages).
   */
  enqueue<T>(
    write: () => void,
    after: () => T,
    options?: { background?: boolean; weight?: number; durableElsewhere?: boolean },
  ): Promise<T> {
    if (this.#broken) return Promise.reject(this.#broken);
    if (this.#closed) return Promise.reject(new Error("Cannot write: the store is closing"));
    if (!options?.background) this.#lastWriteMs = performance.now();
    if (!options?.background && !options?.durableElsewhere) this.#queuedElsewhere = false;
    return new Promise<T>((resolve, reject) => {
      this.#queue.push({ write, after, resolve: resolve as (value: unknown) => void, reject });
      this.#queuedWeight += options?.weight ?? 1;
      if (this.#paceTimer && this.#queuedWeight >= this.#fullBatchWrites()) {
        clearTimeout(this.#paceTimer); // full now: no more waiting, but never inside enqueue()
        this.#paceTimer = undefined;
      }
      this.#scheduleFlush();
    });
  }

  /** True while a batch is being made durable. */
  get inFlight(): boolean {
    return this.#inFlight !== undefined;
  }

  /**
   * Milliseconds the store has been idle: 0 while a batch is queued or being made durable,
   * else the time since the last write (not background work) was queued.
   */
  idleMs(): number {
    if (this.#inFlight || this.#queue.length > 0) return 0;
    return Math.max(0, performance.now() - this.#lastWriteMs);
  }

  /**
   * Commits everything queued now, unless a batch is in flight (then the queue commits as
   * soon as that one is durable).
   */
  flush(): void {
    this.#scheduled = false;
    clearTimeout(this.#paceTimer);
    this.#paceTimer = undefined;
    if (this.#inFlight) return;
    this.#runQuietTasks();
    const batch = this.#queue;
    if (batch.length === 0) return;
    const durableElsewhere = this.#queuedElsewhere;
    this.#queue = [];
    this.#queuedWeight = 0;
    this.#queuedElsewhere = true;
    const startMs = performance.now();
    this.#lastStartMs = startMs;
    let durable: Promise<void>;
    try {
      durable = this.#store.commitLater(() => {
        for (const item of batch) item.write();
        this.#options.beforeCommit?.();
      }, { durableElsewhere }).durable;
    } catch (cause) {
      this.#fail(batch, `Cannot commit ${batch.length} writes`, cause, this.#options.onFailure);
      return;
    }
    const pause = this.#options.pauseWhenDurable;
    this.#inFlight = durable.then(
      () => {
        const durationMs = performance.now() - startMs;
        if (pause) return pause().then(() => this.#durable(batch, durationMs));
        this.#durable(batch, durationMs);
      },
      (cause) => {
        const error = this.#fail(batch, "Cannot make writes durable", cause);
        this.#broken = error;
        this.#options.onNotDurable?.(error);
      },
    ).finally(() => {
      this.#inFlight = undefined;
      this.#pacedFlush();
    });
  }

  /**
   * Runs task with no batch in flight (nothing committed that is not durable): now if so,
   * else as soon as the batch in flight is durable, before the next one commits.
   */
  whenQuiet<T>(task: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const run = () => {
        try {
          resolve(task());
        } catch (error) {
          reject(error);
        }
      };
      if (this.#inFlight) this.#quietTasks.push(run);
      else run();
    });
  }

  /** Refuses further writes, commits what is queued and waits until all of it is durable. */
  async close(): Promise<void> {
    this.#closed = true;
    while (this.#inFlight || this.#queue.length > 0) {
      if (this.#inFlight) await this.#inFlight;
      else this.flush();
    }
  }

  #scheduleFlush(): void {
    if (this.#scheduled || this.#inFlight || this.#paceTimer) return;
    this.#scheduled = true;
    (this.#options.schedule ?? setImmediate)(() => this.#pacedFlush());
  }

  /** flush(), unless the queue is small and the last batch began less than minCycleMs ago. */
  #pacedFlush(): void {
    this.#scheduled = false;
    if (this.#inFlight || this.#paceTimer) return;
    const waitMs = this.#lastStartMs + (this.#options.minCycleMs ?? 0) - performance.now();
    const small = this.#queue.length > 0 && this.#queuedWeight < this.#fullBatchWrites();
    if (!small || waitMs < 0.5 || this.#closed) {
      this.flush();
      return;
    }
    this.#paceTimer = setTimeout(() => this.flush(), waitMs);
  }

  #fullBatchWrites(): number {
    return this.#options.fullBatchWrites ?? 256;
  }

  #durable(batch: QueuedWrite[], durationMs: number): void {
    this.#options.onCommitted?.(batch.length, durationMs);
    for (const item of batch) {
      try {
        item.resolve(item.after());
      } catch (error) {
        item.reject(error as Error);
      }
    }
  }

  #fail(
    batch: QueuedWrite[],
    what: string,
    cause: unknown,
    report?: (error: Error) => void,
  ): Error {
    const error = new Error(`${what}: ${(cause as Error)?.message ?? String(cause)}`, { cause });
    for (const item of batch) item.reject(error);
    report?.(error);
    return error;
  }

  #runQuietTasks(): void {
    const tasks = this.#quietTasks;
    this.#quietTasks = [];
    for (const task of tasks) task();
  }
}
