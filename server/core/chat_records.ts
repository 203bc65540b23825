/**
 * Chat records as they change on a node: created here by createChat (with its
 * creator; public, or private with members), renamed here by that creator (an
 * extension: docs/SERVER.md), merged from peers (the earliest creation, the
 * latest rename, members by union), or made by a first message; each change
 * committed, then announced. A public chat's `chatCreated` or `chatRenamed`
 * goes to the hello topic; every change a reader sees goes to the listeners
 * with its frame (the transport hands a private chat's to the connections that
 * may read it); this node's own creations and renames go to the mesh (the
 * feed). A private chat's members are also token holders' names
 * (token_names.ts).
 *
 * Invariants: nothing is announced before its commit; a private chat's frames
 * never go to the hello topic; a merge that changes nothing a reader sees (a
 * name, a private chat's members) announces nothing.
 * @module
 */

import type { Stamp } from "../../common/hybrid_logical_clock.ts";
import type { Logger } from "../../common/logger.ts";
import type { Chat } from "../../common/protocol.ts";
import { type ChatRecord, copyChat } from "../store/message_store.ts";
import { isPrivateChatId } from "./chat_access.ts";
import type { ChatDirectory } from "./chat_directory.ts";
import { checkRename, compareRenames } from "./chat_rename.ts";
import type { ReplicatedChat } from "./chat_rules.ts";
import { chatCreatedFrame, chatRenamedFrame } from "./client_frames.ts";
import { HELLO_TOPIC, type LocalPublisher } from "./delivery_topics.ts";
import type { GroupCommit } from "./group_commit.ts";
import type { LocalCommitFeed } from "./local_commit_feed.ts";
import type { TokenNames } from "./token_names.ts";

/** A chat record new or changed here, after its commit. */
export interface ChatChange {
  chat: ChatRecord;
  /** What caused it (createChat's `cause`: the asking connection), if anything. */
  cause: unknown;
  /** What its readers are told: `chatCreated` (also for new members) or `chatRenamed`. */
  frame: string;
}

export type ChatChangedListener = (change: ChatChange) => void;

export interface ChatRecordsOptions {
  nodeId: number;
  directory(): ChatDirectory;
  tokenNames: TokenNames;
  commits: GroupCommit;
  /** The node's hybrid logical clock: creations and renames are stamped with it. */
  stamp(): Stamp;
  publisher: LocalPublisher;
  feed: LocalCommitFeed;
  /** Why writes are refused now (a full disk), if they are. */
  refusal(): Error | undefined;
  logger: Logger;
}

export interface CreateChatOptions {
  /** The hello name of the creator: the one who may rename the chat. */
  creator?: string;
  /** A private chat's members (the creator's name among them). */
  members?: string[];
  /** Passed to the listeners (the asking connection answers itself). */
  cause?: unknown;
}

export class ChatRecords {
  #options: ChatRecordsOptions;
  #listeners = new Set<ChatChangedListener>();

  constructor(options: ChatRecordsOptions) {
    this.#options = options;
  }

  /**
   * Creates a named chat; with members, a private one. Resolves after commit. A public
   * chat's chatCreated goes to announce (default: the hello topic); a private chat reaches
   * the listeners only.
   */
  create(
    name: string,
    announce?: (frameText: string) => void,
    options: CreateChatOptions = {},
  ): Promise<ChatRecord> {
    const { commits, feed, logger, nodeId, tokenNames } = this.#options;
    const refusal = this.#options.refusal();
    if (refusal) return Promise.reject(refusal);
    const directory = this.#options.directory();
    const chat = directory.create(name, this.#options.stamp(), nodeId, options);
    const names = tokenNames.merge(chat.members ?? []);
    return commits.enqueue(() => {
      directory.store([chat]);
      tokenNames.store(names);
    }, () => {
      if (chat.members === undefined && announce) announce(this.frame(chat));
      this.changed(chat, options.cause, announce === undefined);
      feed.chatCreated(copyChat(chat));
      logger.info("chat created", {
        chatId: chat.chatId,
        by: nodeId,
        private: chat.members !== undefined,
      });
      return copyChat(chat);
    });
  }

  /**
   * Renames a chat for its creator (`by`, a hello name): `chatRenamed` to its readers here
   * (a public chat's on the hello topic) and, through the mesh, everywhere; resolves with
   * the renamed record, or rejects with a RenameRefusedError (`forbidden`, `not_found`).
   * Whether the caller may use the chat at all is the caller's check (access_control.ts).
   */
  rename(chatId: number, name: string, by: string | undefined): Promise<ChatRecord> {
    const { commits, feed, logger, nodeId } = this.#options;
    const refusal = this.#options.refusal() ??
      checkRename(this.#options.directory().get(chatId), by);
    if (refusal) return Promise.reject(refusal);
    const directory = this.#options.directory();
    const chat = directory.rename(chatId, name, this.#options.stamp(), nodeId)!;
    return commits.enqueue(() => directory.store([chat]), () => {
      this.#announce({ chat, cause: undefined, frame: chatRenamedFrame(chat, nodeId) });
      feed.chatCreated(copyChat(chat)); // peers learn renames as they learn new chats
      logger.info("chat renamed", { chatId, by: nodeId });
      return copyChat(chat);
    });
  }

  /**
   * Chats from a peer (chat_directory.ts merge): a new chat, a named creation winning over
   * `chat <id>`, or a private chat's new members is announced as `chatCreated` (as before
   * renames existed), a rename as `chatRenamed`; a change no reader sees, as nothing.
   */
  acceptRemote(chats: ReplicatedChat[] | Chat[]): Promise<void> {
    const refusal = this.#options.refusal();
    if (refusal) return Promise.reject(refusal);
    const { commits, tokenNames, nodeId } = this.#options;
    const directory = this.#options.directory();
    const changed = directory.merge(chats);
    if (changed.length === 0) return Promise.resolve();
    const names = tokenNames.merge(changed.flatMap(({ chat }) => chat.members ?? []));
    return commits.enqueue(() => {
      directory.store(changed.map(({ chat }) => chat));
      tokenNames.store(names);
    }, () => {
      for (const { chat, before } of changed) {
        const newMembers = (chat.members?.length ?? 0) !== (before?.members?.length ?? 0);
        if (before?.name === chat.name && !newMembers) continue; // a creator or stamp learnt
        const renamed = before !== undefined && before.name !== chat.name &&
          compareRenames(chat.renamed, before.renamed) !== 0;
        const frame = renamed ? chatRenamedFrame(chat, nodeId) : this.frame(chat);
        this.#announce({ chat, cause: undefined, frame });
      }
    });
  }

  /**
   * Listener gets every chat record change a reader sees (created, renamed, new members;
   * here, from a peer, or by a first message), after its commit, with its frame.
   */
  onChanged(listener: ChatChangedListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** The `chatCreated` frame text for a chat (a private one with its members). */
  frame(chat: ChatRecord, ref?: string): string {
    return chatCreatedFrame(chat, this.#options.nodeId, ref);
  }

  /**
   * After a commit, a chat came to be: a public one is announced on the hello topic
   * (unless the caller did); every listener is told. The chat node calls it for chats a
   * first message created.
   */
  changed(chat: ChatRecord, cause: unknown, announce = true): void {
    const frame = this.frame(chat);
    if (announce) this.#announce({ chat, cause, frame });
    else this.#tell({ chat, cause, frame });
  }

  /** A public chat's frame to the hello topic; every change to the listeners. */
  #announce(change: ChatChange): void {
    if (!isPrivateChatId(change.chat.chatId)) {
      this.#options.publisher.publish(HELLO_TOPIC, change.frame);
    }
    this.#tell(change);
  }

  #tell(change: ChatChange): void {
    for (const listener of this.#listeners) {
      try {
        listener({ ...change, chat: copyChat(change.chat) });
      } catch (error) {
        this.#options.logger.error("chat listener failed", { error: (error as Error).message });
      }
    }
  }
}
