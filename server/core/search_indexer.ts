/**
 * The loop that moves stored messages into the search index (see
 * server/store/sqlite_search_index.ts) when the node has time: batch after
 * batch once the store has been idle for a moment (nothing queued, nothing
 * being made durable, no write for idleMs); while writes keep coming, only a
 * small batch now and then once the backlog is large, so a burst of messages
 * pays a few percent of a core for indexing (the rest waits for the burst to
 * end) and one commit waits at most a millisecond or two for its share. A
 * quiet batch is kept short too (a few milliseconds of FTS5 work), so a
 * message arriving in the middle of one waits little.
 *
 * A batch is a write like any other: it goes through the node's group commit
 * (chat_node.ts), so it commits with the batch of its turn and counts as done
 * once durable.
 *
 * Invariants: at most one batch runs at a time; a failed batch is retried later
 * and never stops the node; close() stops it.
 * @module
 */

import type { MessageStore } from "../store/message_store.ts";
import type { GroupCommit } from "./group_commit.ts";
import type { PeerActivity } from "./peer_activity.ts";

export interface SearchIndexerOptions {
  /** Rows waiting for the index (MessageStore.searchBacklog). */
  backlog: () => number;
  /** Indexes up to maxRows of the backlog; resolves with how many, once durable. */
  index: (maxRows: number) => Promise<number>;
  /**
   * Milliseconds the store has been idle: 0 while writes are queued or being made durable
   * (GroupCommit.idleMs).
   */
  idleMs: () => number;
  /** Rows per batch when the node is quiet (one transaction, ~30 µs a row). @default 250 */
  batchRows?: number;
  /**
   * Rows per batch while writes keep coming: small, since the batch's group commit (and
   * the acks of the messages in it) waits for it. @default 25
   */
  busyBatchRows?: number;
  /** Pause after a batch while writes keep coming. @default 12 */
  busyIntervalMs?: number;
  /** Idle time of the store before full batches run. @default 50 */
  quietAfterMs?: number;
  /** A backlog this large gets busy batches even while commits keep coming. @default 5000 */
  forceBacklogRows?: number;
  /** True while no batch may run at all (a catch-up with peers: peer_activity.ts). */
  paused?: () => boolean;
  /** How often an empty or busy backlog is looked at. @default 100 */
  pollMs?: number;
  onError?: (error: Error) => void;
}

export class SearchIndexer {
  #options: SearchIndexerOptions;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #closed = false;

  constructor(options: SearchIndexerOptions) {
    this.#options = options;
    this.#schedule(options.pollMs ?? 100);
  }

  /** Runs one step now: a batch when due. "quiet": a full batch ran; "busy": a small one. */
  async step(): Promise<"quiet" | "busy" | "none"> {
    const { backlog, index } = this.#options;
    if (this.#options.paused?.()) return "none";
    const waiting = backlog();
    if (waiting === 0) return "none";
    if (this.#options.idleMs() >= (this.#options.quietAfterMs ?? 50)) {
      return await index(this.#options.batchRows ?? 250) > 0 ? "quiet" : "none";
    }
    if (waiting < (this.#options.forceBacklogRows ?? 5000)) return "none";
    return await index(this.#options.busyBatchRows ?? 25) > 0 ? "busy" : "none";
  }

  close(): void {
    this.#closed = true;
    clearTimeout(this.#timer);
  }

  #schedule(delayMs: number): void {
    if (this.#closed) return;
    this.#timer = setTimeout(() => this.#tick(), delayMs);
    (this.#timer as { unref?: () => void }).unref?.();
  }

  async #tick(): Promise<void> {
    const pollMs = this.#options.pollMs ?? 100;
    try {
      // Quiet with more to do: come back soon, after other work of the loop had its turn.
      const done = await this.step();
      this.#schedule(
        done === "quiet" ? 2 : done === "busy" ? this.#options.busyIntervalMs ?? 12 : pollMs,
      );
    } catch (error) {
      if (this.#closed) return;
      this.#options.onError?.(error as Error);
      this.#schedule(10 * pollMs);
    }
  }
}

/**
 * A node's indexer: each batch a write of the node's group commit (with messages, or in
 * one of its own), done once durable.
 */
export function groupCommitIndexer(options: {
  store: Pick<MessageStore, "searchBacklog" | "indexSearchBacklog">;
  commits: Pick<GroupCommit, "enqueue" | "idleMs">;
  /** Work for peers: it caps the idle time, and a catch-up pauses indexing. */
  peers?: Pick<PeerActivity, "idleMs" | "catchingUp">;
  onError: (error: Error) => void;
}): SearchIndexer {
  const { store, commits, peers } = options;
  return new SearchIndexer({
    backlog: () => store.searchBacklog(),
    index: (maxRows) => {
      let indexed = 0;
      return commits.enqueue(
        () => {
          indexed = store.indexSearchBacklog(maxRows);
        },
        () => indexed,
        { background: true },
      );
    },
    idleMs: () => peers ? peers.idleMs(commits.idleMs()) : commits.idleMs(),
    paused: peers && (() => peers.catchingUp),
    onError: options.onError,
  });
}
