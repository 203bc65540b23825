/**
 * MessageStore in memory: the reference implementation the conformance suite
 * pins down, and a store for tests that need no disk. Nothing survives the
 * process, so a node never uses it in production.
 *
 * It keeps the store's durability rules as the SQLite store does: a
 * transaction works on one state (`#working`); reads outside a transaction see
 * another (`#durable`), on which a commit's writes are replayed once it is
 * durable (at once for transaction(), a microtask later for commitLater(),
 * since memory has no disk to wait for). A transaction that throws leaves
 * nothing behind.
 *
 * Invariant: same observable behaviour as SqliteMessageStore (one suite runs
 * against both); `#working` equals `#durable` plus the journal's writes.
 * @module
 */

import type { MessageRevision } from "../../common/message_revision.ts";
import type { ChatMessage } from "../../common/protocol.ts";
import {
  type ChatRecord,
  type CommitLaterOptions,
  copyChat,
  type DeferredCommit,
  type HistoryQuery,
  type MessageStore,
  type NodeIdentity,
  type ReplicatedMessage,
  type SinceQuery,
  type StoredMessage,
  type StoredUpdate,
  type StoreSearchQuery,
  type StoreSearchResult,
  type UpdateRecord,
} from "./message_store.ts";
import { MemoryStoreState } from "./memory_store_state.ts";

type Write<T> = (state: MemoryStoreState) => T;

export interface MemoryMessageStoreOptions {
  /**
   * What a commitLater() waits for before it is durable: a test's stand-in for the disk
   * (a rejection is a disk that failed). @default the next microtask
   */
  whenDurable?: () => Promise<void>;
}

export class MemoryMessageStore implements MessageStore {
  #options: MemoryMessageStoreOptions;
  /** What transactions read and write. */
  #working = new MemoryStoreState();
  /** What reads outside a transaction see: the store as of the last durable point. */
  #durable = new MemoryStoreState();
  /** Writes since the last durable point, to replay on #durable. */
  #journal: Array<Write<unknown>> = [];
  #depth = 0;
  /** A commitLater() not durable yet: no write may start. */
  #pending = false;

  constructor(options: MemoryMessageStoreOptions = {}) {
    this.#options = options;
  }

  transaction<T>(fn: () => T): T {
    const value = this.#run(fn);
    if (this.#depth === 0) this.#makeDurable(this.#takeJournal());
    return value;
  }

  /** `durableElsewhere` changes nothing here: whenDurable (the test's disk) decides. */
  commitLater<T>(fn: () => T, _options?: CommitLaterOptions): DeferredCommit<T> {
    if (this.#depth > 0) throw new Error("Cannot commit later inside a transaction");
    const value = this.#run(fn);
    const journal = this.#takeJournal();
    this.#pending = true;
    const durable = (this.#options.whenDurable?.() ?? Promise.resolve()).then(() => {
      this.#makeDurable(journal);
      this.#pending = false;
    }, (error) => {
      this.#pending = false;
      throw error;
    });
    return { value, durable };
  }

  insertMessage(message: StoredMessage): boolean {
    const copy = structuredClone(message);
    return this.#write((state) => state.insertMessage(copy));
  }

  setMessageState(nodeId: number, seq: number, state: { held: boolean; hidden: boolean }): void {
    const copy = { held: state.held, hidden: state.hidden };
    this.#write((s) => s.setMessageState(nodeId, seq, copy));
  }

  reviseMessage(nodeId: number, seq: number, revision: MessageRevision): void {
    const copy = structuredClone(revision);
    this.#write((state) => state.reviseMessage(nodeId, seq, copy));
  }

  getMessage(nodeId: number, seq: number): StoredMessage | null {
    return this.#view().getMessage(nodeId, seq);
  }

  findVisibleByClientMsgId(sender: string, clientMsgId: string): StoredMessage | null {
    return this.#view().findVisibleByClientMsgId(sender, clientMsgId);
  }

  findCopies(sender: string, clientMsgId: string): StoredMessage[] {
    return this.#view().findCopies(sender, clientMsgId);
  }

  insertUpdate(update: StoredUpdate): boolean {
    const copy = { ...update };
    return this.#write((state) => state.insertUpdate(copy));
  }

  setUpdateHeld(nodeId: number, seq: number, held: boolean): void {
    this.#write((state) => state.setUpdateHeld(nodeId, seq, held));
  }

  updateMarks(): Map<number, number> {
    return this.#view().updateMarks();
  }

  heldUpdateKeys(): Array<{ nodeId: number; seq: number }> {
    return this.#view().heldUpdateKeys();
  }

  readUpdatesAfter(originNodeId: number, afterSeq: number, limit: number): UpdateRecord[] {
    return this.#view().readUpdatesAfter(originNodeId, afterSeq, limit);
  }

  putPendingRevision(nodeId: number, seq: number, revision: MessageRevision): void {
    const copy = structuredClone(revision);
    this.#write((state) => state.putPendingRevision(nodeId, seq, copy));
  }

  takePendingRevision(nodeId: number, seq: number): MessageRevision | null {
    return this.#write((state) => state.takePendingRevision(nodeId, seq));
  }

  peekPendingRevision(nodeId: number, seq: number): MessageRevision | null {
    return this.#view().peekPendingRevision(nodeId, seq);
  }

  pendingRevisionKeys(): Array<{ nodeId: number; seq: number }> {
    return this.#view().pendingRevisionKeys();
  }

  search(query: StoreSearchQuery): StoreSearchResult {
    return this.#view().search(query);
  }

  /** A scan needs no index: nothing ever waits. */
  searchBacklog(): number {
    return 0;
  }

  indexSearchBacklog(_maxRows: number): number {
    return 0;
  }

  contiguousMarks(): Map<number, number> {
    return this.#view().contiguousMarks();
  }

  heldKeys(): Array<{ nodeId: number; seq: number }> {
    return this.#view().heldKeys();
  }

  lastStamp(): { dateTime: string; lc: number } | null {
    return this.#view().lastStamp();
  }

  countMessages(): number {
    return this.#view().countMessages();
  }

  history(query: HistoryQuery): ChatMessage[] {
    return this.#view().history(query);
  }

  readSince(query: SinceQuery): ChatMessage[] {
    return this.#view().readSince(query);
  }

  readAfter(originNodeId: number, afterSeq: number, limit: number): ReplicatedMessage[] {
    return this.#view().readAfter(originNodeId, afterSeq, limit);
  }

  putChat(chat: ChatRecord): void {
    const copy = copyChat(chat);
    this.#write((state) => state.putChat(copy));
  }

  getChat(chatId: number): ChatRecord | null {
    return this.#view().getChat(chatId);
  }

  touchChat(chatId: number, dateTime: string): void {
    this.#write((state) => state.touchChat(chatId, dateTime));
  }

  listChats(): ChatRecord[] {
    return this.#view().listChats();
  }

  listTokenNames(): string[] {
    return this.#view().listTokenNames();
  }

  putTokenName(name: string): void {
    this.#write((state) => state.putTokenName(name));
  }

  loadIdentity(): NodeIdentity | null {
    return this.#view().loadIdentity();
  }

  saveIdentity(identity: NodeIdentity): void {
    const copy = { ...identity };
    this.#write((state) => state.saveIdentity(copy));
  }

  close(): void {}

  /** Inside a transaction the working state, outside it the durable one. */
  #view(): MemoryStoreState {
    return this.#depth > 0 ? this.#working : this.#durable;
  }

  /** A write: on the working state now, on the durable one once its commit is durable. */
  #write<T>(write: Write<T>): T {
    if (this.#depth === 0) return this.transaction(() => this.#write(write));
    const value = write(this.#working);
    this.#journal.push(write);
    return value;
  }

  /** Runs fn as (part of) a transaction; the outermost one undoes everything when fn throws. */
  #run<T>(fn: () => T): T {
    if (this.#depth === 0 && this.#pending) {
      throw new Error("Cannot write: the previous commit is not durable yet");
    }
    this.#depth += 1;
    try {
      return fn();
    } catch (error) {
      if (this.#depth === 1) {
        this.#working = this.#durable.clone();
        this.#journal = [];
      }
      throw error;
    } finally {
      this.#depth -= 1;
    }
  }

  #takeJournal(): Array<Write<unknown>> {
    const journal = this.#journal;
    this.#journal = [];
    return journal;
  }

  #makeDurable(journal: Array<Write<unknown>>): void {
    for (const write of journal) write(this.#durable);
  }
}

export type { StoredUpdate, UpdateRecord };
