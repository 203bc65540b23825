/**
 * The step that makes a committed, not-held message visible (inside the group
 * commit, for local and peer messages alike): merge its revision with its
 * other copies' and a kept one, settle a duplicate of (sender, clientMsgId)
 * (the lowest (nodeId, seq) copy stays; every reader hears `duplicateOf` for
 * the one that goes, since a client anywhere may have been shown it), store,
 * and queue what happens after the commit (the vector moves, chatCreated,
 * live delivery).
 *
 * Invariant: a message is published live at most once, never when a copy of its
 * send was already visible, never when it arrives deleted.
 * @module
 */

import type { ReplicatedMessage } from "../../common/peer_update_protocol.ts";
import type { ChatMessage } from "../../common/protocol.ts";
import type { VersionVector } from "../../common/version_vector.ts";
import { toWireMessage } from "../../common/wire_message.ts";
import type { NodeMetrics } from "../observability/metrics_registry.ts";
import type { ChatRecord, MessageStore, StoredMessage } from "../store/message_store.ts";
import type { ChatDirectory } from "./chat_directory.ts";
import { decideCopies, sameSendCopies } from "./duplicate_copies.ts";
import { type LocalPublisher, publishLiveMessage } from "./delivery_topics.ts";
import { type MessageUpdates, revisionOf, withRevision } from "./message_updates.ts";

/** What the step needs of the chat node. */
export interface VisibilityContext {
  nodeId: number;
  store: MessageStore;
  updates: MessageUpdates;
  chats(): ChatDirectory;
  metrics: NodeMetrics;
  publisher: LocalPublisher;
  /** The node's committed contiguous marks, moved after the commit (read at each use). */
  committed(): VersionVector;
  /** After the commit: a chat the message created (a private one reaches its readers only). */
  chatCreated(chat: ChatRecord): void;
}

/** One message to make visible, inside a commit. */
export interface VisibleStep {
  incoming: ReplicatedMessage;
  /** The message is already in the store (held until now). */
  stored: boolean;
  /** Where the steps after the commit go. */
  posts: Array<() => void>;
  /** Every stored copy of its (sender, clientMsgId), when the caller read them already. */
  copies?: StoredMessage[];
}

/**
 * Inside a commit: makes a not-held message visible unless a lower copy of its
 * (sender, clientMsgId) is; returns the copy that is visible afterwards. The copies are
 * read once (or given): the same lookup settles the revision and the duplicate.
 */
export function makeVisible(context: VisibilityContext, step: VisibleStep): ChatMessage {
  const { store, updates } = context;
  const { incoming, stored, posts } = step;
  const copies = step.copies ??
    (incoming.clientMsgId === undefined
      ? []
      : store.findCopies(incoming.sender, incoming.clientMsgId));
  const message = stored
    ? incoming
    : updates.reviseIncoming(incoming, sameSendCopies(copies, incoming), posts);
  const { hidden, publish, winner, hideStored } = decideCopies(copies, message);
  if (hideStored) {
    store.setMessageState(hideStored.nodeId, hideStored.seq, { held: false, hidden: true });
  }
  if (!publish) {
    // A client anywhere may have been shown the copy that loses (on its own node, before it
    // failed over here): every reader learns which copy stays.
    const goes = hideStored
      ? copies.find((c) => c.nodeId === hideStored.nodeId && c.seq === hideStored.seq)
      : message;
    if (goes) {
      const duplicate = toWireMessage(withRevision(goes, revisionOf(message)));
      duplicate.duplicateOf = winner.messageId;
      posts.push(() => updates.publishUpdated(duplicate));
    }
  }
  if (stored) {
    store.setMessageState(message.nodeId, message.seq, { held: false, hidden });
  } else if (store.insertMessage({ ...message, held: false, hidden })) {
    context.metrics.stored.inc();
  }
  const created = hidden ? undefined : context.chats().noteVisibleMessage(message);
  posts.push(() => {
    const committed = context.committed();
    if (message.seq > (committed.get(message.nodeId) ?? 0)) {
      committed.set(message.nodeId, message.seq);
    }
    if (created) context.chatCreated(created);
    // A message that arrives deleted is no news to anyone: history shows its tombstone.
    if (publish && !hidden && !message.deleted) publishMessage(context, message);
  });
  return winner;
}

/** `newMessagesForClient` to the chat's readers (delivery_topics.ts), in the client form. */
function publishMessage(context: VisibilityContext, message: ReplicatedMessage): void {
  // An edited message (its edit arrived first) leaves without its replication stamp.
  const client = message.edit ? toWireMessage(message) : message;
  context.metrics.recordDelivery(message.dateTime);
  context.metrics.delivered.inc(publishLiveMessage(context.publisher, client, context.nodeId));
}
