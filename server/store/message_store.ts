/**
 * The store seam of a chat node: messages keyed by (nodeId, seq), chats, and
 * the node's identity. Two implementations (MemoryMessageStore,
 * SqliteMessageStore) pass one conformance suite (message_store_conformance.ts).
 *
 * Calls are synchronous (bun:sqlite is). transaction() makes a group of writes
 * atomic and durable together before it returns; commitLater() makes them
 * atomic at once and durable a little later, off the caller's thread, which is
 * how the node group-commits a tick without waiting for the disk (group_commit.ts).
 * Reads outside a transaction see the store as of its last durable point, so
 * nothing read from the store is ever something a crash could still take back.
 *
 * Invariant: a message is visible to clients (history, since) only when it is
 * neither held (behind a gap of its origin) nor hidden (a losing duplicate of
 * (sender, clientMsgId)); replication reads (readAfter) include hidden ones, so
 * per-origin numbering stays gapless on every node.
 * @module
 */

import type { ChatMessage } from "../../common/protocol.ts";
import type { CanonicalKey } from "../../common/canonical_order.ts";
import type { MessageKey } from "../../common/message_id.ts";
import type { MessageRevision } from "../../common/message_revision.ts";
import type { ReplicatedMessage } from "../../common/peer_update_protocol.ts";
import type { SearchTerm } from "../../common/search_terms.ts";

export type { ReplicatedMessage };

/** A message as stored, with its visibility state. */
export interface StoredMessage extends ReplicatedMessage {
  /** Past a gap of its origin: stored, not yet visible, not in the vector. */
  held: boolean;
  /** Loses to a lower (nodeId, seq) copy of the same (sender, clientMsgId). */
  hidden: boolean;
}

/**
 * One entry of the update log: node nodeId's seq-th edit or delete, of the message
 * (messageNodeId, messageSeq). Numbered per origin from 1 without gaps, apart from
 * message seqs; what it changed is in the message's revision, not here (so no text
 * lives in the log).
 */
export interface UpdateRecord {
  nodeId: number;
  seq: number;
  messageNodeId: number;
  messageSeq: number;
}

export interface StoredUpdate extends UpdateRecord {
  /** Past a gap of its origin: not in the update marks yet. */
  held: boolean;
}

export interface StoreSearchQuery {
  terms: SearchTerm[];
  chatId?: number;
  /** Only matches older than this message (the previous page's cursor). */
  before?: MessageKey;
  limit: number;
  /** Readers' filter: matches it refuses are skipped. @default every match */
  accept?: (message: ChatMessage) => boolean;
  /** Matches looked at before giving up with `more`. @default 10 * limit + 1000 */
  maxScanned?: number;
}

export interface StoreSearchResult {
  /** Newest first: by dateTime (to the ms), then by arrival here. */
  messages: ChatMessage[];
  /** Older matches may follow. */
  more: boolean;
  /** With `more`: the messageId to pass as `before` for the next page. */
  next?: string;
}

/** A chat and the stamp that decides between two names for one chatId. */
export interface ChatRecord {
  chatId: number;
  name: string;
  /** dateTime of the newest visible message, when there is one. */
  lastMessageAt?: string;
  /** True when named by createChat; false for an implicit `chat <id>`. */
  named: boolean;
  /** HLC stamp and node of the naming: the earliest named one wins everywhere. */
  createdAt: string;
  createdLc: number;
  createdBy: number;
  /** A private chat's members (token `sub` names), grow-only; absent for public chats. */
  members?: string[];
  /** Who created a named chat (hello name, or token subject): the one who may rename it. */
  creator?: string;
  /** The latest rename (extension): its HLC stamp and node; the latest wins everywhere. */
  renamed?: RenameStamp;
}

/** When a chat was renamed, as a hybrid-clock stamp and the node that did it. */
export interface RenameStamp {
  at: string;
  lc: number;
  by: number;
}

/**
 * A reader's access for reads across chats: chats whose id lies in
 * [excludeMin, excludeMax] are left out, except the listed ones.
 */
export interface ChatScope {
  excludeMin: number;
  excludeMax: number;
  /** Chats of the excluded range that stay in. */
  except: readonly number[];
}

/** A copy of a chat record that shares nothing with it (its members list included). */
export function copyChat(chat: ChatRecord): ChatRecord {
  return chat.members ? { ...chat, members: [...chat.members] } : { ...chat };
}

/** True when a chat is in the scope. */
export function chatInScope(scope: ChatScope, chatId: number): boolean {
  return chatId < scope.excludeMin || chatId > scope.excludeMax || scope.except.includes(chatId);
}

/** The node's identity, from discovery or made locally once. */
export interface NodeIdentity {
  nodeId: number;
  /** Discovery password; empty for a local identity. */
  password: string;
  /** "discovery" or "local". */
  origin: "discovery" | "local";
}

export interface HistoryQuery {
  chatId?: number;
  /** Only messages strictly before this one in canonical order. */
  before?: CanonicalKey;
  limit: number;
  /** Without chatId: only chats in this scope (the caller checks access to a named chat). */
  scope?: ChatScope;
}

export interface SinceQuery {
  chatId?: number;
  /** Origin marks the reader already has; origins absent mean 0. */
  since: Map<number, number>;
  /** Upper marks: never read past these (the node's contiguous vector). */
  upTo: Map<number, number>;
  limit: number;
  /** Without chatId: only chats in this scope (the caller checks access to a named chat). */
  scope?: ChatScope;
}

/** A transaction committed without waiting for the disk (MessageStore.commitLater). */
export interface DeferredCommit<T> {
  /** What the transaction's function returned. */
  value: T;
  /**
   * Resolves once the transaction is durable. Rejects when it cannot be made durable: the
   * store is then in doubt (committed, maybe not on disk) and its owner must stop.
   */
  durable: Promise<void>;
}

export interface CommitLaterOptions {
  /** What the commit writes is durable on another node already, or derived (see commitLater). */
  durableElsewhere?: boolean;
}

export interface MessageStore {
  /**
   * Runs fn in one atomic transaction and returns once it is durable; every read sees it.
   * Nested calls join the outer transaction (or commitLater). A write outside any
   * transaction is a transaction of its own. Throws when fn throws: nothing of it stays.
   */
  transaction<T>(fn: () => T): T;
  /**
   * Runs fn in one atomic transaction and returns once it is committed, before it is
   * durable (the flush to disk runs off the caller's thread). Until `durable` resolves, reads
   * outside a transaction still see the store as it was before, so nothing of it can be
   * served before it is durable; reads inside fn see its writes. No write may start before
   * `durable` has settled (it throws): the caller commits one batch at a time.
   *
   * `durableElsewhere`: everything fn writes is already durable on another node (a peer's
   * batch, which its origin made durable before sending it) or derived from what is stored
   * (the search index). The store may then count the commit as durable at once, without
   * waiting for its own disk, and flush it with a later commit or within a bounded time; a
   * killed process loses nothing of it (the kernel holds it), a power cut only that tail,
   * which the peers still hold. A commit that erased a text never takes this shortcut.
   */
  commitLater<T>(fn: () => T, options?: CommitLaterOptions): DeferredCommit<T>;

  /** Inserts; false (and no change) when (nodeId, seq) is already stored. */
  insertMessage(message: StoredMessage): boolean;
  /** Changes the visibility state of a stored message. */
  setMessageState(nodeId: number, seq: number, state: { held: boolean; hidden: boolean }): void;
  /**
   * Writes a stored message's revision (text, edit, deleted). A deleted text is erased
   * from storage and from the search index: once the surrounding transaction has
   * committed, no file of the store holds it.
   */
  reviseMessage(nodeId: number, seq: number, revision: MessageRevision): void;
  getMessage(nodeId: number, seq: number): StoredMessage | null;
  /** The visible (not held, not hidden) copy of (sender, clientMsgId), if any. */
  findVisibleByClientMsgId(sender: string, clientMsgId: string): StoredMessage | null;
  /** Every stored copy of (sender, clientMsgId), any state, lowest (nodeId, seq) first. */
  findCopies(sender: string, clientMsgId: string): StoredMessage[];

  /** Logs an update; false (and no change) when (nodeId, seq) is already logged. */
  insertUpdate(update: StoredUpdate): boolean;
  /** Moves a logged update out of (or into) the held state. */
  setUpdateHeld(nodeId: number, seq: number, held: boolean): void;
  /** Per origin, the highest update seq not held. */
  updateMarks(): Map<number, number>;
  /** Every held update's key. */
  heldUpdateKeys(): Array<{ nodeId: number; seq: number }>;
  /** Not-held updates of one origin after afterSeq, in seq order. */
  readUpdatesAfter(originNodeId: number, afterSeq: number, limit: number): UpdateRecord[];
  /** Keeps the revision of a message not stored yet (merged by the caller). */
  putPendingRevision(nodeId: number, seq: number, revision: MessageRevision): void;
  /** The kept revision of a message, removed from where it was kept; null when none. */
  takePendingRevision(nodeId: number, seq: number): MessageRevision | null;
  /** The kept revision of a message, left in place; null when none. */
  peekPendingRevision(nodeId: number, seq: number): MessageRevision | null;
  /** The keys of every kept revision (to rebuild the node's view at start). */
  pendingRevisionKeys(): MessageKey[];

  /** Visible, not deleted messages matching every term, newest first, paged. */
  search(query: StoreSearchQuery): StoreSearchResult;
  /** Messages stored but not yet in the search index (search finds them all the same). */
  searchBacklog(): number;
  /** Moves up to maxRows of the backlog into the search index, in one transaction; how many. */
  indexSearchBacklog(maxRows: number): number;

  /** Per origin, the highest seq not held (the contiguous marks, as of the store). */
  contiguousMarks(): Map<number, number>;
  /** Every held message's key, to rebuild contiguity at start. */
  heldKeys(): Array<{ nodeId: number; seq: number }>;
  /** The highest (dateTime, lc) stored, to resume the clock after a restart. */
  lastStamp(): { dateTime: string; lc: number } | null;
  /** How many messages are stored (all states). */
  countMessages(): number;

  /** Visible messages, the newest `limit` before `before`, returned in canonical order. */
  history(query: HistoryQuery): ChatMessage[];
  /**
   * Visible messages after `since` and up to `upTo`, per origin, at most `limit` + 1 of each
   * origin in seq order (the caller merges and cuts in canonical order).
   */
  readSince(query: SinceQuery): ChatMessage[];
  /** Not-held messages of one origin after afterSeq, in seq order, hidden ones included. */
  readAfter(originNodeId: number, afterSeq: number, limit: number): ReplicatedMessage[];

  /** Inserts or replaces a chat record. */
  putChat(chat: ChatRecord): void;
  getChat(chatId: number): ChatRecord | null;
  /** Raises lastMessageAt when dateTime is newer. */
  touchChat(chatId: number, dateTime: string): void;
  listChats(): ChatRecord[];

  /** Names seen as the `sub` of a valid user token anywhere in the cluster (grow-only). */
  listTokenNames(): string[];
  /** Adds a token holder's name (no-op when present). */
  putTokenName(name: string): void;

  loadIdentity(): NodeIdentity | null;
  saveIdentity(identity: NodeIdentity): void;

  /** Flushes and closes; the store is unusable afterwards. */
  close(): void;
}

/** Drops the store-only fields: the client/peer wire form. */
export { toWireMessage } from "../../common/wire_message.ts";
