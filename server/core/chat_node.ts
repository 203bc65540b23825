/**
 * The chat node core: accepts messages from local clients and from peers
 * through ONE path (store durably in a group commit, observe the hybrid logical
 * clock, hold back past gaps, hide losing duplicates of (sender, clientMsgId),
 * then publish what became visible), and answers history and `since` reads.
 * It knows nothing of sockets: delivery goes through a LocalPublisher, the mesh
 * plugs in through acceptRemote / readAfter / onLocalCommitted (the seam in
 * docs/ARCHITECTURE.md).
 *
 * Invariants:
 * - vector() only covers committed messages, each origin contiguous from 1.
 * - A message is published to local clients at most once, after its commit, and
 *   never when a copy of its send was already visible; of all copies of one send
 *   (duplicate_copies.ts) the lowest (nodeId, seq) not held is visible.
 * - No peer message is stored or observed by the clock when remote_screen.ts
 *   refuses it (malformed, stamped too far ahead, or this node's own seq ahead).
 * - A private chat's messages go to its chat topic only (never ALL_CHATS_TOPIC)
 *   and its chatCreated to the chat listeners only (never HELLO_TOPIC): only
 *   connections that canRead it subscribe there (chat_access.ts); every read
 *   takes the reader's Identity (default: anonymous, who reads no private chat).
 * @module
 */

import { type Clock, systemClock } from "../../common/clock.ts";
import { createHybridLogicalClock, type Stamp } from "../../common/hybrid_logical_clock.ts";
import {
  type Chat,
  type ChatMessage,
  type NewMessagePayload,
  type VectorWire,
} from "../../common/protocol.ts";
import { presenceFrame } from "./client_frames.ts";
import { encodeVector } from "../../common/version_vector.ts";
import { HELLO_TOPIC, type LocalPublisher } from "./delivery_topics.ts";
import { ANONYMOUS, type AuthMode, type Identity } from "./chat_access.ts";
import { AccessControl } from "./access_control.ts";
import { type ChatChangedListener, ChatRecords, type CreateChatOptions } from "./chat_records.ts";
import { TokenNames } from "./token_names.ts";
import { ChatDirectory } from "./chat_directory.ts";
import type { ReplicatedMessage } from "../../common/peer_update_protocol.ts";
import type { SearchRequestPayload } from "../../common/protocol.ts";
import { NodeReads } from "./node_reads.ts";
import { MessageUpdates } from "./message_updates.ts";
import { makeVisible, type VisibilityContext } from "./message_visibility.ts";
import type { SearchOutcome } from "./message_search.ts";
import { TypingRelay } from "./typing_relay.ts";
import { groupCommitIndexer, type SearchIndexer } from "./search_indexer.ts";
import { GroupCommit } from "./group_commit.ts";
import { StorageGuard } from "./storage_guard.ts";
import { MessageNumbering } from "./message_numbering.ts";
import { LocalCommitFeed } from "./local_commit_feed.ts";
import { sendLocalMessage, type SendOutcome } from "./local_send.ts";
import { acceptRemoteMessages } from "./remote_accept.ts";
import type { WritePath } from "./write_path.ts";
import { type Logger, silentLogger } from "../../common/logger.ts";
import type { ChatRecord, MessageStore } from "../store/message_store.ts";
import type { NodeMetrics } from "../observability/metrics_registry.ts";
import type { HistoryQuery, HistoryResult, SinceQuery, SinceResult } from "./history_reads.ts";
import { type PresenceMember, PresenceRegistry } from "./presence_registry.ts";
import type { ReplicatedChat } from "./chat_rules.ts";
import { SendRetries } from "./send_retries.ts";
import { type RemoteOutcome, RemoteScreen } from "./remote_screen.ts";
import { PeerActivity } from "./peer_activity.ts";

export type { ReplicatedChat };
export type { ChatChange, ChatChangedListener } from "./chat_records.ts";
export type { HistoryResult, SinceResult } from "./history_reads.ts";
export type { SendOutcome } from "./local_send.ts";
export type { RemoteOutcome, RemoteRefusal } from "./remote_screen.ts";
export { ClientMsgIdConflictError } from "./send_retries.ts";

export interface ChatNodeOptions {
  store: MessageStore;
  nodeId: number;
  publisher: LocalPublisher;
  metrics: NodeMetrics;
  logger?: Logger;
  /** The wall clock of message stamps. @default systemClock */
  clock?: Clock;
  /** A peer's message stamped further ahead of `clock` is refused. @default 60_000 */
  maxClockAheadMs?: number;
  /**
   * Told when the store cannot even be read after a failed commit: the in-memory state
   * cannot be rebuilt, the process should exit. (A failed commit alone is not fatal: the
   * node refuses writes for a while and tries again, see storage_guard.ts.)
   */
  onFatal?: (error: Error) => void;
  /** Decides whether anonymous names are checked against token holders'. @default "off" */
  authMode?: AuthMode;
  /**
   * Tests only (DSATTER_TEST_HOLD_ACKS): awaited each time a batch is durable, before its
   * acknowledgements and deliveries; a crash test kills the node while it waits.
   */
  pauseWhenDurable?: () => Promise<void>;
  /** GroupCommit's minCycleMs: a small batch commits no sooner after the last one. @default 0 */
  commitCycleMs?: number;
}

export class ChatNode {
  readonly nodeId: number;
  readonly presence: PresenceRegistry;
  readonly tokenNames: TokenNames;
  readonly authMode: AuthMode;
  /** Who may use which chat, and what each reader sees (chat_access.ts applied). */
  readonly access: AccessControl;
  #store: MessageStore;
  #publisher: LocalPublisher;
  #metrics: NodeMetrics;
  #logger: Logger;
  #numbering: MessageNumbering;
  readonly #chats: ChatDirectory;
  #commits: GroupCommit;
  #storage: StorageGuard;
  /** Edits and deletes (section 7): the update log, its replication and delivery. */
  readonly updates: MessageUpdates;
  /** Typing indicators (section 7). */
  readonly typingRelay: TypingRelay;
  #indexer: SearchIndexer;
  #peerActivity = new PeerActivity(); // peers served or stored lately: the indexer waits
  #feed: LocalCommitFeed;
  #chatRecords: ChatRecords;
  #writes: WritePath;
  #reads: NodeReads;

  constructor(options: ChatNodeOptions) {
    this.nodeId = options.nodeId;
    this.#store = options.store;
    this.#publisher = options.publisher;
    this.#metrics = options.metrics;
    this.#logger = options.logger ?? silentLogger;
    this.#storage = new StorageGuard({ logger: this.#logger });
    this.#feed = new LocalCommitFeed(this.#logger);
    this.presence = new PresenceRegistry(this.nodeId, (event) => {
      this.#publisher.publish(HELLO_TOPIC, presenceFrame(event, this.nodeId));
    });
    const clock = createHybridLogicalClock({
      clock: options.clock,
      initial: this.#store.lastStamp() ?? undefined,
    });
    this.#numbering = new MessageNumbering(this.#store, this.nodeId, clock);
    this.#chats = new ChatDirectory(this.#store);
    this.authMode = options.authMode ?? "off";
    this.#metrics.heldBack.collectWith(() => this.#numbering.heldBackCount());
    this.#metrics.searchBacklog.collectWith(() => this.#store.searchBacklog());
    this.#commits = this.#groupCommit(options);
    this.tokenNames = new TokenNames(this.#store, this.#commits);
    this.#chatRecords = new ChatRecords({
      nodeId: this.nodeId,
      directory: () => this.#chats,
      tokenNames: this.tokenNames,
      commits: this.#commits,
      stamp: () => clock.now(),
      publisher: this.#publisher,
      feed: this.#feed,
      refusal: () => this.#storage.refusal() ?? undefined,
      logger: this.#logger,
    });
    this.access = new AccessControl({
      chats: this.#chats,
      presence: this.presence,
      tokenNames: this.tokenNames,
      authMode: this.authMode,
    });
    this.updates = new MessageUpdates({
      store: this.#store,
      nodeId: this.nodeId,
      clock,
      commits: this.#commits,
      publisher: this.#publisher,
      access: this.access,
      refusal: () => this.#storage.refusal() ?? undefined,
    });
    this.typingRelay = new TypingRelay(this.nodeId, this.#publisher);
    this.#reads = new NodeReads({
      store: this.#store,
      access: this.access,
      updates: this.updates,
      committed: () => this.#numbering.committed,
    });
    this.#writes = this.#writePath(options, clock.last());
    this.#indexer = groupCommitIndexer({
      store: this.#store,
      commits: this.#commits,
      peers: this.#peerActivity,
      onError: (error) => this.#logger.warn("search indexing failed", { error: error.message }),
    });
  }

  // ---- reads ----

  /** Contiguous committed marks per origin (wire form). */
  vector(): VectorWire {
    return encodeVector(this.#numbering.committed);
  }

  /** The contiguous committed mark of one origin (every message up to it is published). */
  committedSeq(originNodeId: number): number {
    return this.#numbering.committed.get(originNodeId) ?? 0;
  }

  /** Every chat known here, by chat id. */
  chats(): ChatRecord[] {
    return this.#chats.list();
  }

  chat(chatId: number): ChatRecord | undefined {
    return this.#chats.get(chatId);
  }

  /** Committed, not-held messages of one origin after afterSeq, hidden ones included. */
  readAfter(originNodeId: number, afterSeq: number, limit: number): ReplicatedMessage[] {
    return this.#peerActivity.served(this.#reads.readAfter(originNodeId, afterSeq, limit));
  }

  /** Newest visible messages that reader may read (node_reads.ts). */
  history(query: HistoryQuery, reader: Identity = ANONYMOUS): HistoryResult {
    return this.#reads.history(query, reader);
  }

  /** Visible messages newer than `since` that reader may read (node_reads.ts). */
  since(query: SinceQuery & { updatesSince?: VectorWire }, reader = ANONYMOUS): SinceResult {
    return this.#reads.since(query, reader);
  }

  /** Search over what reader may read, newest first (section 7). */
  search(query: SearchRequestPayload, reader: Identity = ANONYMOUS): SearchOutcome {
    return this.#reads.search(query, reader);
  }

  // ---- writes ----

  /** A local client's message (local_send.ts): resolves once durable and published. */
  sendLocal(input: NewMessagePayload): Promise<SendOutcome> {
    return sendLocalMessage(this.#writes, input);
  }

  /** Messages from a peer, stored idempotently; resolves, committed, with what it refused. */
  acceptRemote(messages: ReplicatedMessage[]): Promise<RemoteOutcome> {
    return this.#peerActivity.during(acceptRemoteMessages(this.#writes, messages));
  }

  /** A catch-up page with more to come was stored or served: search indexing waits. */
  noteCatchUp = (): void => this.#peerActivity.noteCatchUp();

  /** Creates a named chat, with members a private one (chat_records.ts); once committed. */
  createChat(
    name: string,
    announce?: (frameText: string) => void,
    options: CreateChatOptions = {},
  ): Promise<ChatRecord> {
    return this.#chatRecords.create(name, announce, options);
  }

  /** The creator renames a chat (chat_records.ts; an extension: docs/SERVER.md). */
  renameChat(chatId: number, name: string, by: string | undefined): Promise<ChatRecord> {
    return this.#chatRecords.rename(chatId, name, by);
  }

  /** Chats from a peer, merged and announced (chat_records.ts). */
  acceptRemoteChats(chats: ReplicatedChat[] | Chat[]): Promise<void> {
    return this.#chatRecords.acceptRemote(chats);
  }

  /** Listener gets every chat record change a reader sees, after its commit (chat_records.ts). */
  onChatChanged(listener: ChatChangedListener): () => void {
    return this.#chatRecords.onChanged(listener);
  }

  /** The `chatCreated` frame text for a chat (a private one with its members). */
  chatCreatedFrame(chat: ChatRecord, ref?: string): string {
    return this.#chatRecords.frame(chat, ref);
  }

  /** Listener gets this node's own messages after their commit (batched per tick). */
  onLocalCommitted(listener: (messages: ChatMessage[]) => void): () => void {
    return this.#feed.onMessages(listener);
  }

  /** Listener gets chats created or renamed on this node after their commit (for peers). */
  onLocalChatCreated(listener: (chat: ChatRecord) => void): () => void {
    return this.#feed.onChat(listener);
  }

  /** Publishes a frame to every hello-ed local connection. */
  publishToHello(frameText: string): void {
    this.#publisher.publish(HELLO_TOPIC, frameText);
  }

  /** The hello members connected to THIS node, one per name (what the mesh sends peers). */
  localPresence(): PresenceMember[] {
    return this.presence.local();
  }

  /** Listener is called after any change of localPresence(). */
  onLocalPresenceChanged(listener: () => void): () => void {
    return this.presence.onLocalChange(listener);
  }

  /** The complete member list of another node; null when that node is gone. */
  setRemotePresence(nodeId: number, members: PresenceMember[] | null): void {
    if (members === null) this.presence.dropRemote(nodeId);
    else this.presence.replaceRemote(nodeId, members);
  }

  /** Commits whatever is queued now. */
  flush(): void {
    this.#commits.flush();
  }

  /** Runs task with no commit in flight (nothing stored is not durable): a backup, for one. */
  whenQuiet<T>(task: () => T): Promise<T> {
    return this.#commits.whenQuiet(task);
  }

  /** Refuses further writes; resolves once everything queued is durable (then close the store). */
  async close(): Promise<void> {
    this.#indexer.close();
    await this.#commits.close();
  }

  // ---- internals ----

  /** The node's group commit: a batch's chats and names are served once it is durable. */
  #groupCommit(options: ChatNodeOptions): GroupCommit {
    return new GroupCommit(this.#store, {
      beforeCommit: () => {
        this.#chats.flushTouched();
        this.#chats.seal();
        this.tokenNames.seal();
      },
      onCommitted: (_size, durationMs) => {
        this.#chats.publishSealed();
        this.tokenNames.publishSealed();
        this.#metrics.recordCommit(durationMs);
        this.#storage.succeeded();
      },
      onFailure: (error) => this.#commitFailed(error, options.onFatal),
      onNotDurable: (error) => {
        this.#logger.error("store commit not durable: stopping", { error: error.message });
        options.onFatal?.(error);
      },
      pauseWhenDurable: options.pauseWhenDurable,
      minCycleMs: options.commitCycleMs,
    });
  }

  /**
   * What the local and remote write paths share (write_path.ts); says so at start when this
   * node's own last stamp is further ahead of its wall clock than peers take.
   */
  #writePath(options: ChatNodeOptions, lastStamp: Stamp): WritePath {
    const screen = new RemoteScreen({
      nodeId: this.nodeId,
      clock: options.clock ?? systemClock,
      maxAheadMs: options.maxClockAheadMs,
      refused: this.#metrics.peerMessagesRefused,
    }).warnIfAhead(lastStamp, this.#logger);
    const visibility: VisibilityContext = {
      nodeId: this.nodeId,
      store: this.#store,
      updates: this.updates,
      metrics: this.#metrics,
      publisher: this.#publisher,
      chats: () => this.#chats,
      committed: () => this.#numbering.committed,
      chatCreated: (chat) => this.#chatRecords.changed(chat, undefined),
    };
    return {
      store: this.#store,
      commits: this.#commits,
      storage: this.#storage,
      numbering: this.#numbering,
      updates: this.updates,
      feed: this.#feed,
      metrics: this.#metrics,
      retries: new SendRetries(this.#store),
      screen,
      makeVisible: (incoming, stored, posts, copies) =>
        makeVisible(visibility, { incoming, stored, posts, copies }),
    };
  }

  /**
   * A batch rolled back: what memory numbered, tracked or named for it is rebuilt from the
   * store (per-origin seqs stay gapless); writes are refused until the backoff has passed.
   */
  #commitFailed(error: Error, onFatal?: (error: Error) => void): void {
    try {
      this.#numbering.reload();
      this.#chats.reload();
      this.tokenNames.reload();
      this.updates.reload();
    } catch (cause) {
      this.#logger.error("store unreadable after a failed commit", { error: String(cause) });
      onFatal?.(error);
    }
    // After the rebuild, which may wait on the store: the backoff starts from now.
    this.#storage.failed(error);
  }
}
