/**
 * What the chat node's two write paths share (local_send.ts for its own
 * clients' messages, remote_accept.ts for peers'): the store, the group commit
 * every write goes through, the storage guard that refuses writes after a
 * failed commit, the numbering, and the visibility step every message that
 * becomes visible takes (message_visibility.ts).
 *
 * Invariant: both paths write only inside a group commit, and publish, ack or
 * serve only after it is durable.
 * @module
 */

import type { ReplicatedMessage } from "../../common/peer_update_protocol.ts";
import type { ChatMessage } from "../../common/protocol.ts";
import type { NodeMetrics } from "../observability/metrics_registry.ts";
import type { MessageStore, StoredMessage } from "../store/message_store.ts";
import type { GroupCommit } from "./group_commit.ts";
import type { LocalCommitFeed } from "./local_commit_feed.ts";
import type { MessageNumbering } from "./message_numbering.ts";
import type { MessageUpdates } from "./message_updates.ts";
import type { StorageGuard } from "./storage_guard.ts";
import type { SendRetries } from "./send_retries.ts";
import type { RemoteScreen } from "./remote_screen.ts";

export interface WritePath {
  store: MessageStore;
  commits: GroupCommit;
  storage: StorageGuard;
  numbering: MessageNumbering;
  updates: MessageUpdates;
  feed: LocalCommitFeed;
  metrics: NodeMetrics;
  /** Local sends with a clientMsgId that are queued or being made durable (retries wait). */
  retries: SendRetries;
  /** What a peer's batch may not store (remote_screen.ts). */
  screen: RemoteScreen;
  /**
   * Inside the commit: the visibility step; returns the copy visible afterwards. `stored`:
   * the message is in the store already (held until now); `copies`: every stored copy of
   * its (sender, clientMsgId), when the caller read them already.
   */
  makeVisible(
    message: ReplicatedMessage,
    stored: boolean,
    posts: Array<() => void>,
    copies?: StoredMessage[],
  ): ChatMessage;
}
