/**
 * Chat records as they change on a node: created here by createChat (with its
 * creator), renamed here by that creator (an extension: docs/SERVER.md), or
 * merged from peers (the earliest creation, the latest rename); each change
 * committed, then announced: `chatCreated` or `chatRenamed` on the hello
 * topic, and this node's own creations and renames to the mesh (the feed).
 *
 * Invariant: nothing is announced before its commit; a merge that changes
 * no name announces nothing.
 * @module
 */

import type { Stamp } from "../../common/hybrid_logical_clock.ts";
import type { Logger } from "../../common/logger.ts";
import type { Chat } from "../../common/protocol.ts";
import type { ChatRecord } from "../store/message_store.ts";
import type { ChatDirectory } from "./chat_directory.ts";
import { checkRename, compareRenames } from "./chat_rename.ts";
import type { ReplicatedChat } from "./chat_rules.ts";
import { chatCreatedFrame, chatRenamedFrame } from "./client_frames.ts";
import { HELLO_TOPIC, type LocalPublisher } from "./delivery_topics.ts";
import type { GroupCommit } from "./group_commit.ts";
import type { LocalCommitFeed } from "./local_commit_feed.ts";

export interface ChatRecordsOptions {
  nodeId: number;
  /** The node's directory (it is made anew when the store is rebuilt). */
  directory(): ChatDirectory;
  commits: GroupCommit;
  /** The node's hybrid logical clock: creations and renames are stamped with it. */
  stamp(): Stamp;
  publisher: LocalPublisher;
  feed: LocalCommitFeed;
  /** Why writes are refused now (a full disk), if they are. */
  refusal(): Error | undefined;
  logger: Logger;
}

export class ChatRecords {
  #options: ChatRecordsOptions;

  constructor(options: ChatRecordsOptions) {
    this.#options = options;
  }

  /**
   * Creates a named chat, `creator` (a hello name) the one who may rename it; resolves
   * after commit. announce defaults to the hello topic.
   */
  create(
    name: string,
    announce?: (frameText: string) => void,
    creator?: string,
  ): Promise<ChatRecord> {
    const { commits, feed, logger, nodeId } = this.#options;
    const refusal = this.#options.refusal();
    if (refusal) return Promise.reject(refusal);
    const directory = this.#options.directory();
    const chat = directory.create(name, this.#options.stamp(), nodeId, creator);
    return commits.enqueue(() => directory.store([chat]), () => {
      const frame = this.frame(chat);
      if (announce) announce(frame);
      else this.#options.publisher.publish(HELLO_TOPIC, frame);
      feed.chatCreated(chat);
      logger.info("chat created", { chatId: chat.chatId, by: nodeId });
      return { ...chat };
    });
  }

  /**
   * Renames a chat for its creator (`by`, a hello name): `chatRenamed` to every hello
   * client here and, through the mesh, everywhere; resolves with the renamed record, or
   * rejects with a RenameRefusedError (`forbidden`, `not_found`).
   */
  rename(chatId: number, name: string, by: string | undefined): Promise<ChatRecord> {
    const { commits, feed, logger, nodeId } = this.#options;
    const refusal = this.#options.refusal() ??
      checkRename(this.#options.directory().get(chatId), by);
    if (refusal) return Promise.reject(refusal);
    const directory = this.#options.directory();
    const chat = directory.rename(chatId, name, this.#options.stamp(), nodeId)!;
    return commits.enqueue(() => directory.store([chat]), () => {
      this.#options.publisher.publish(HELLO_TOPIC, chatRenamedFrame(chat, nodeId));
      feed.chatCreated(chat); // peers learn renames as they learn new chats
      logger.info("chat renamed", { chatId, by: nodeId });
      return { ...chat };
    });
  }

  /**
   * Chats from a peer: the earliest creation and the latest rename win (chat_rename.ts
   * mergeChat); a new chat, or a named creation winning over `chat <id>`, is announced as
   * `chatCreated` (as before renames existed), a rename as `chatRenamed`.
   */
  acceptRemote(chats: ReplicatedChat[] | Chat[]): Promise<void> {
    const refusal = this.#options.refusal();
    if (refusal) return Promise.reject(refusal);
    const directory = this.#options.directory();
    const changed = directory.merge(chats);
    if (changed.length === 0) return Promise.resolve();
    return this.#options.commits.enqueue(() => {
      directory.store(changed.map(({ chat }) => chat));
    }, () => {
      for (const { chat, before } of changed) {
        if (before?.name === chat.name) continue; // the same name (a creator or a stamp learnt)
        const renamed = before !== undefined && compareRenames(chat.renamed, before.renamed) !== 0;
        const frame = renamed ? chatRenamedFrame(chat, this.#options.nodeId) : this.frame(chat);
        this.#options.publisher.publish(HELLO_TOPIC, frame);
      }
    });
  }

  /** The `chatCreated` frame text for a chat. */
  frame(chat: ChatRecord, ref?: string): string {
    return chatCreatedFrame(chat, this.#options.nodeId, ref);
  }
}
