/**
 * Chat records as they change on a node: created here by createChat (public, or
 * private with members), merged from peers, or made by a first message; each
 * change committed, then announced: a public chat's `chatCreated` on the hello
 * topic, every change to the listeners (the transport tells the connections that
 * may read a private chat, the mesh sends local creations to peers). A private
 * chat's members are also token holders' names (token_names.ts).
 *
 * Invariant: a private chat's `chatCreated` never goes to the hello topic; listeners
 * hear of a change only after its commit.
 * @module
 */

import type { Chat } from "../../common/protocol.ts";
import type { Stamp } from "../../common/hybrid_logical_clock.ts";
import type { Logger } from "../../common/logger.ts";
import type { ChatRecord } from "../store/message_store.ts";
import { isPrivateChatId } from "./chat_access.ts";
import { type ChatDirectory, copyChat } from "./chat_directory.ts";
import { chatCreatedFrame } from "./client_frames.ts";
import type { ReplicatedChat } from "./chat_rules.ts";
import { HELLO_TOPIC, type LocalPublisher } from "./delivery_topics.ts";
import type { GroupCommit } from "./group_commit.ts";
import type { TokenNames } from "./token_names.ts";

/** Told after a chat record is new or changed here, with what caused it (createChat's cause). */
export type ChatChangedListener = (chat: ChatRecord, cause: unknown) => void;

export interface ChatRecordsOptions {
  nodeId: number;
  directory: ChatDirectory;
  tokenNames: TokenNames;
  commits: GroupCommit;
  publisher: LocalPublisher;
  /** The node's hybrid logical clock: a new chat's stamp. */
  stamp: () => Stamp;
  logger: Logger;
  /** Told of each chat created on this node, after its commit (the mesh announces it). */
  onLocalCreated: (chat: ChatRecord) => void;
}

export class ChatRecords {
  #options: ChatRecordsOptions;
  #directory: ChatDirectory;
  #listeners = new Set<ChatChangedListener>();

  constructor(options: ChatRecordsOptions) {
    this.#options = options;
    this.#directory = options.directory;
  }

  /**
   * Creates a named chat; with members, a private one (they are its readers, the creator's
   * name among them). Resolves after commit. A public chat's chatCreated goes to announce
   * (default: the hello topic); a private chat reaches the chat listeners, with cause.
   */
  create(
    name: string,
    announce?: (frameText: string) => void,
    options: { members?: string[]; cause?: unknown } = {},
  ): Promise<ChatRecord> {
    const chat = this.#directory.create(
      name,
      this.#options.stamp(),
      this.#options.nodeId,
      options.members,
    );
    const names = this.#options.tokenNames.merge(chat.members ?? []);
    return this.#options.commits.enqueue(() => {
      this.#directory.store([chat]);
      this.#options.tokenNames.store(names);
    }, () => {
      if (chat.members === undefined && announce) announce(this.frame(chat));
      this.changed(chat, options.cause, announce === undefined);
      this.#options.onLocalCreated(copyChat(chat));
      this.#options.logger.info("chat created", {
        chatId: chat.chatId,
        by: this.#options.nodeId,
        private: chat.members !== undefined,
      });
      return copyChat(chat);
    });
  }

  /** Chats from a peer: new ones are stored, a name conflict is settled by preferChat. */
  acceptRemote(chats: ReplicatedChat[] | Chat[]): Promise<void> {
    const changed = this.#directory.merge(chats);
    if (changed.length === 0) return Promise.resolve();
    const names = this.#options.tokenNames.merge(changed.flatMap((chat) => chat.members ?? []));
    return this.#options.commits.enqueue(() => {
      this.#directory.store(changed);
      this.#options.tokenNames.store(names);
    }, () => {
      for (const chat of changed) this.changed(chat, undefined);
    });
  }

  /**
   * Listener gets every chat record that is new or changed here (created, from a peer, or
   * by a first message), after its commit, with the cause createChat was given.
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
   * After a commit: a public chat is announced on the hello topic (unless the caller did);
   * every listener is told. The chat node calls it for chats a first message created.
   */
  changed(chat: ChatRecord, cause: unknown, announce = true): void {
    if (announce && !isPrivateChatId(chat.chatId)) {
      this.#options.publisher.publish(HELLO_TOPIC, this.frame(chat));
    }
    for (const listener of this.#listeners) {
      try {
        listener(copyChat(chat), cause);
      } catch (error) {
        this.#options.logger.error("chat listener failed", { error: (error as Error).message });
      }
    }
  }
}
