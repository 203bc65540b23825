/**
 * What readers get of one node: peers' pages of an origin's messages (readAfter),
 * history and `since` pages (history_reads.ts),
 * with `since`'s edits and deletes (update_reads.ts), and search
 * (message_search.ts), each kept to what the reader may read (access_control.ts),
 * and each read from the store's durable view up to the node's committed marks,
 * so nothing a client is given can be lost by a crash afterwards.
 *
 * Invariant: a named chat the reader may not use is `forbidden` (history,
 * search) or empty (`since`: callers answer checkChat() first); across chats,
 * only the reader's scope is read.
 * @module
 */

import type { ReplicatedMessage } from "../../common/peer_update_protocol.ts";
import type { SearchRequestPayload, VectorWire } from "../../common/protocol.ts";
import type { VersionVector } from "../../common/version_vector.ts";
import { encodeVector } from "../../common/version_vector.ts";
import type { MessageStore } from "../store/message_store.ts";
import type { AccessControl } from "./access_control.ts";
import type { Identity } from "./chat_access.ts";
import {
  type HistoryQuery,
  type HistoryResult,
  readHistory,
  readSince,
  type SinceQuery,
  type SinceResult,
} from "./history_reads.ts";
import type { MessageUpdates } from "./message_updates.ts";
import { searchMessages, type SearchOutcome } from "./message_search.ts";
import { readableChats } from "./read_access.ts";
import { withUpdatedSince } from "./update_reads.ts";

export interface NodeReadsOptions {
  store: MessageStore;
  access: AccessControl;
  updates: MessageUpdates;
  /** The node's committed marks (read at each use). */
  committed(): VersionVector;
}

export class NodeReads {
  #options: NodeReadsOptions;

  constructor(options: NodeReadsOptions) {
    this.#options = options;
  }

  /** Committed, not-held messages of one origin after afterSeq, hidden ones included (peers). */
  readAfter(originNodeId: number, afterSeq: number, limit: number): ReplicatedMessage[] {
    const upTo = this.#options.committed().get(originNodeId) ?? 0;
    if (afterSeq >= upTo) return [];
    return this.#options.store.readAfter(originNodeId, afterSeq, Math.min(limit, upTo - afterSeq));
  }

  /**
   * The newest `limit` visible messages (before `before`) that reader may read, canonical
   * order; `forbidden` for a private chat it may not use.
   */
  history(query: HistoryQuery, reader: Identity): HistoryResult {
    const { store, access } = this.#options;
    if (query.chatId !== undefined) {
      const forbidden = access.checkChat(query.chatId, reader);
      if (forbidden) return { ok: false, error: forbidden };
    }
    return readHistory(store, { ...query, scope: access.scopeOf(reader) });
  }

  /**
   * Visible messages newer than `since` that reader may read, canonical order, at most
   * `limit`; with `updatesSince`, the edits and deletes since then too (update_reads.ts).
   */
  since(query: SinceQuery & { updatesSince?: VectorWire }, reader: Identity): SinceResult {
    const { store, access, updates } = this.#options;
    const committed = this.#options.committed();
    if (query.chatId !== undefined && access.checkChat(query.chatId, reader)) {
      return { messages: [], more: false, vector: encodeVector(committed) };
    }
    const result = readSince(store, committed, { ...query, scope: access.scopeOf(reader) });
    if (query.updatesSince === undefined) return result;
    return withUpdatedSince(store, updates.vector(), result, {
      ...query,
      updatesSince: query.updatesSince,
      readable: readableChats(access, reader),
    });
  }

  /** Search over what reader may read, newest first (section 7). */
  search(query: SearchRequestPayload, reader: Identity): SearchOutcome {
    const { store, access } = this.#options;
    return searchMessages(store, query, { identity: reader, access });
  }
}
