/**
 * When what the SQLite store committed is durable, and what reads may see
 * meanwhile. The store writes through one connection (the writer) with
 * `synchronous=OFF`: a COMMIT puts the transaction in the write-ahead log (the
 * kernel's page cache, so a killed process loses nothing of it) without waiting
 * for the disk. Then:
 *
 * - makeDurable() flushes the log to disk (`fdatasync` on the runtime's I/O
 *   thread pool) and resolves once it has; the event loop keeps serving
 *   meanwhile. makeDurableNow() does the same on the caller's thread (startup,
 *   tools, tests).
 * - Reads outside a transaction go to a second connection (the reader) that
 *   holds a read transaction open: a snapshot of the database as of the last
 *   durable point, renewed only once everything committed so far is on disk.
 *   So a read never shows a commit a power loss could still take back.
 * - Checkpoints (the log copied into the database file) run in the durability
 *   worker (sqlite_sync_worker.ts, a Bun Worker with its own connection and
 *   SQLite's full syncs), in two steps once the log holds `checkpointFrames`
 *   frames: first in the background while the node keeps committing (it copies
 *   nearly all of the log), then, at the next durable point, a short one with
 *   the reader let go and no batch in flight, which copies the little that came
 *   since and lets the writer restart the log from its beginning. A text was
 *   erased: one checkpoint that also truncates the log, at once. SQLite's
 *   automatic checkpoint is off: with `synchronous=OFF` it would not sync the
 *   database file before reusing the log.
 *
 * Invariants: the reader's snapshot never holds a transaction that is not
 * durable; between makeDurable()'s start and its end the writer commits
 * nothing (the caller, MessageStore.commitLater's contract, waits); a failed
 * flush of the log rejects (the store is in doubt, its owner stops); a failed
 * checkpoint is reported and tried again later, and loses nothing (the log
 * still holds every frame).
 * @module
 */

import type { Database, Statement } from "bun:sqlite";
import { closeSync, fdatasync, fdatasyncSync, openSync } from "node:fs";
import type { SyncReply, SyncRequest } from "./sqlite_sync_worker.ts";
import { readWalFrames } from "./sqlite_wal_index.ts";

/** SQLite's own automatic checkpoint threshold (pages of the log). */
const DEFAULT_CHECKPOINT_FRAMES = 1000;
/** How long commits durable elsewhere may stay unflushed here. */
const DEFAULT_MAX_UNFLUSHED_MS = 100;

type Request = SyncRequest extends infer R ? R extends { id: number } ? Omit<R, "id"> : never
  : never;
type Answered = Extract<SyncReply, { ok: true }>;

export interface SqliteDurabilityOptions {
  /** The database file (its `-wal` and `-shm` exist: the writer opened it in WAL mode). */
  path: string;
  writer: Database;
  reader: Database;
  busyTimeoutMs: number;
  /** Checkpoint once the log holds this many frames. @default 1000 */
  checkpointFrames?: number;
  /** Told when a checkpoint fails (the next durable point tries again). */
  onCheckpointError?: (error: Error) => void;
  /**
   * Commits durable elsewhere (acceptUnflushed) wait at most this long for their flush:
   * the next commit past it flushes, and an idle store flushes on its own. @default 100
   */
  maxUnflushedMs?: number;
}

export class SqliteDurability {
  #options: SqliteDurabilityOptions;
  #worker: Worker;
  #nextId = 1;
  #waiting = new Map<number, { resolve: (reply: Answered) => void; reject: (e: Error) => void }>();
  #workerFailure: Error | undefined;
  /** The reader holds a read transaction (its snapshot). */
  #readerInSnapshot = false;
  #snapshotRead: Statement;
  #walFd: number;
  #shmFd: number;
  /** A text was erased and the log not yet truncated (a failed checkpoint owes it). */
  #eraseOwed = false;
  /** The background step of a checkpoint, while it runs. */
  #background: Promise<void> | undefined;
  /** The background step finished: the short step is due at the next durable point. */
  #finishCheckpoint = false;
  /** performance.now() of the oldest commit accepted unflushed since the last flush. */
  #unflushedSinceMs: number | undefined;
  /** Commits accepted unflushed so far (tells a flush whether more came meanwhile). */
  #unflushedCommits = 0;
  /** close() was called: no idle flush any more. */
  #closed = false;
  /** The idle flush of commits accepted unflushed. */
  #unflushedTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(options: SqliteDurabilityOptions) {
    this.#options = options;
    this.#walFd = openSync(`${options.path}-wal`, "r+");
    this.#shmFd = openSync(`${options.path}-shm`, "r");
    this.#snapshotRead = options.reader.prepare("SELECT 1 FROM sqlite_master LIMIT 1");
    this.#worker = new Worker(new URL("./sqlite_sync_worker.ts", import.meta.url).href);
    this.#worker.onmessage = (event: MessageEvent<SyncReply>) => this.#answered(event.data);
    this.#worker.onerror = (event) => {
      this.#failAll(new Error(`the durability worker failed: ${event.message}`));
    };
    // The worker never keeps the process alive (Bun's Worker has unref(); the DOM type lacks it).
    (this.#worker as unknown as { unref?: () => void }).unref?.();
    this.#request({ op: "open", path: options.path, busyTimeoutMs: options.busyTimeoutMs })
      .catch(() => {}); // the first sync reports it
    this.renewReader();
  }

  /** The reader's snapshot becomes the writer's state now (all of which must be durable). */
  renewReader(): void {
    this.#releaseReader();
    this.#options.reader.exec("BEGIN");
    this.#snapshotRead.get(); // a read takes the snapshot; BEGIN alone does not
    this.#readerInSnapshot = true;
  }

  /** True while commits accepted unflushed wait for their flush. */
  get unflushed(): boolean {
    return this.#unflushedSinceMs !== undefined;
  }

  /**
   * What the writer just committed is durable on another node already (or derived): reads
   * see it now, and its flush is left to the next makeDurable() or to an idle flush within
   * maxUnflushedMs. False when it cannot be (a checkpoint step or an erase is due, or the
   * oldest unflushed commit is that old already): the caller then calls makeDurable().
   */
  acceptUnflushed(): boolean {
    if (this.#finishCheckpoint || this.#eraseOwed) return false;
    const nowMs = performance.now();
    if (
      this.#unflushedSinceMs !== undefined &&
      nowMs - this.#unflushedSinceMs >= this.#maxUnflushedMs()
    ) {
      return false;
    }
    this.#unflushedSinceMs ??= nowMs;
    this.#unflushedCommits += 1;
    this.renewReader();
    if (!this.#background && readWalFrames(this.#shmFd) >= this.#checkpointFrames()) {
      this.#startBackground();
    }
    this.#armIdleFlush();
    return true;
  }

  /** Flushes what the writer committed, off this thread; then reads see it. */
  async makeDurable(options: { erase: boolean }): Promise<void> {
    const unflushed = this.#unflushedCommits;
    await flushFile(this.#walFd);
    this.#flushed(unflushed, 0);
    const erase = options.erase || this.#eraseOwed;
    if (erase) {
      await this.#checkpointHoldingReads("TRUNCATE");
    } else if (this.#finishCheckpoint && !this.#background) {
      this.#finishCheckpoint = false;
      await this.#checkpointHoldingReads("PASSIVE");
    }
    this.renewReader();
    if (!this.#background && !this.#finishCheckpoint) {
      if (readWalFrames(this.#shmFd) >= this.#checkpointFrames()) this.#startBackground();
    }
  }

  /** makeDurable() on this thread: returns once the commit is on disk and seen by reads. */
  makeDurableNow(options: { erase: boolean }): void {
    fdatasyncSync(this.#walFd);
    this.#flushed(this.#unflushedCommits, 0);
    const erase = options.erase || this.#eraseOwed;
    if (erase || readWalFrames(this.#shmFd) >= this.#checkpointFrames()) {
      this.#releaseReader();
      const { writer } = this.#options;
      try {
        writer.exec("PRAGMA synchronous = FULL");
        writer.query(`PRAGMA wal_checkpoint(${erase ? "TRUNCATE" : "PASSIVE"})`).get();
        if (erase) fdatasyncSync(this.#walFd);
        this.#eraseOwed = false;
      } catch (error) {
        this.#eraseOwed = erase;
        this.#options.onCheckpointError?.(error as Error);
      } finally {
        writer.exec("PRAGMA synchronous = OFF");
      }
    }
    this.renewReader();
  }

  /**
   * Before the store closes: the log goes into the database file with full syncs and is
   * emptied, the reader lets go, the worker closes its connection and ends.
   */
  close(): void {
    this.#closed = true;
    clearTimeout(this.#unflushedTimer);
    this.#releaseReader();
    this.#snapshotRead.finalize();
    const { writer } = this.#options;
    try {
      writer.exec("PRAGMA synchronous = FULL");
      writer.query("PRAGMA wal_checkpoint(TRUNCATE)").get();
    } catch {
      // the log stays; the next open recovers from it
    }
    closeSync(this.#walFd);
    closeSync(this.#shmFd);
    const worker = this.#worker;
    this.#request({ op: "close" }).finally(() => worker.terminate()).catch(() => {});
  }

  /**
   * The short step (or an erasing checkpoint): with the reader let go and nothing committed
   * meanwhile (the caller waits), the whole log goes into the file, so it restarts.
   */
  async #checkpointHoldingReads(mode: "PASSIVE" | "TRUNCATE"): Promise<void> {
    await this.#background;
    this.#releaseReader();
    try {
      await this.#request({ op: "checkpoint", mode });
      this.#eraseOwed = false;
    } catch (error) {
      this.#eraseOwed = mode === "TRUNCATE";
      this.#options.onCheckpointError?.(error as Error);
    }
  }

  /** The background step: copies the log up to the reader's snapshot while commits go on. */
  #startBackground(): void {
    this.#background = this.#request({ op: "checkpoint", mode: "PASSIVE" }).then(
      () => {
        this.#finishCheckpoint = true;
      },
      (error) => this.#options.onCheckpointError?.(error as Error),
    ).finally(() => {
      this.#background = undefined;
    });
  }

  /**
   * The idle flush: commits accepted unflushed are flushed now (commits may go on meanwhile:
   * it claims only those accepted before it began).
   */
  #flushUnflushed(): void {
    this.#unflushedTimer = undefined;
    if (this.#unflushedSinceMs === undefined || this.#closed) return;
    const commits = this.#unflushedCommits;
    const startMs = performance.now();
    flushFile(this.#walFd).then(
      () => this.#flushed(commits, startMs),
      // The next commit past maxUnflushedMs flushes through makeDurable(), which reports it.
      () => {},
    );
  }

  /**
   * A flush that began at startMs covered the commits accepted unflushed up to `commits`;
   * those accepted after it began wait for the next one.
   */
  #flushed(commits: number, startMs: number): void {
    if (commits !== this.#unflushedCommits) {
      this.#unflushedSinceMs = startMs;
      if (this.#closed) return;
      this.#armIdleFlush();
      return;
    }
    this.#unflushedSinceMs = undefined;
    clearTimeout(this.#unflushedTimer);
    this.#unflushedTimer = undefined;
  }

  /** The idle flush comes within maxUnflushedMs (once armed, it stays as it is). */
  #armIdleFlush(): void {
    if (this.#unflushedTimer) return;
    this.#unflushedTimer = setTimeout(() => this.#flushUnflushed(), this.#maxUnflushedMs());
    (this.#unflushedTimer as { unref?: () => void }).unref?.();
  }

  #maxUnflushedMs(): number {
    return this.#options.maxUnflushedMs ?? DEFAULT_MAX_UNFLUSHED_MS;
  }

  #checkpointFrames(): number {
    return this.#options.checkpointFrames ?? DEFAULT_CHECKPOINT_FRAMES;
  }

  /** The reader ends its snapshot (a checkpoint can then empty the whole log). */
  #releaseReader(): void {
    if (!this.#readerInSnapshot) return;
    this.#options.reader.exec("COMMIT");
    this.#readerInSnapshot = false;
  }

  #request(request: Request): Promise<Answered> {
    if (this.#workerFailure) return Promise.reject(this.#workerFailure);
    const id = this.#nextId++;
    return new Promise<Answered>((resolve, reject) => {
      this.#waiting.set(id, { resolve, reject });
      this.#worker.postMessage({ ...request, id } as SyncRequest);
    });
  }

  #answered(reply: SyncReply): void {
    const waiting = this.#waiting.get(reply.id);
    if (!waiting) return;
    this.#waiting.delete(reply.id);
    if (reply.ok) waiting.resolve(reply);
    else {
      waiting.reject(
        Object.assign(new Error(`Cannot checkpoint the database: ${reply.error}`), {
          code: reply.code,
        }),
      );
    }
  }

  #failAll(error: Error): void {
    this.#workerFailure = error;
    for (const waiting of this.#waiting.values()) waiting.reject(error);
    this.#waiting.clear();
  }
}

/** fdatasync on the runtime's I/O threads: the event loop does not wait for the disk. */
function flushFile(fd: number): Promise<void> {
  return new Promise((resolve, reject) => {
    fdatasync(fd, (error) => error ? reject(error) : resolve());
  });
}
