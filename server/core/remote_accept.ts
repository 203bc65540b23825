/**
 * Messages from a peer into the chat node's group commit: each one screened
 * (remote_screen.ts: what is refused is neither stored nor observed), tracked
 * by (nodeId, seq) (a duplicate is dropped, one past a gap is stored
 * held, invisible), and those that become contiguous go through the
 * visibility step with the held ones they release, in seq order. Any batch is
 * fine: duplicates, any order, seqs past a gap, copies of this node's own
 * messages.
 *
 * Invariants: a held message is stored but never published nor served; what a
 * batch makes visible is published only after its commit is durable, which for
 * a peer's messages (durable on their origin already) may be at the commit
 * itself (group_commit.ts, `durableElsewhere`).
 * @module
 */

import type { ReplicatedMessage } from "../../common/peer_update_protocol.ts";
import { toWireMessage } from "../../common/wire_message.ts";
import { normalizeRemote } from "./chat_rules.ts";
import { copiesOfSend } from "./duplicate_copies.ts";
import type { RemoteOutcome } from "./remote_screen.ts";
import type { WritePath } from "./write_path.ts";

/**
 * Stores a peer's messages; resolves once durable and published, with what it refused
 * (remote_screen.ts: malformed, stamped too far ahead, this node's own seqs ahead).
 */
export function acceptRemoteMessages(
  context: WritePath,
  messages: ReplicatedMessage[],
): Promise<RemoteOutcome> {
  const { store, storage, numbering } = context;
  const refusal = storage.refusal();
  if (refusal) return Promise.reject(refusal);
  const screened = context.screen.screen(messages, numbering.nextSeq);
  const sorted = screened.accepted.sort((a, b) => a.nodeId - b.nodeId || a.seq - b.seq);
  const writes: Array<() => void> = [];
  const posts: Array<() => void> = [];
  for (const input of sorted) {
    const message = normalizeRemote(input);
    const outcome = context.numbering.track(message);
    if (outcome.kind === "duplicate") continue;
    if (outcome.kind === "held") {
      writes.push(() => storeHeld(context, message, posts));
      continue;
    }
    writes.push(() => {
      context.makeVisible(message, false, posts);
      for (let seq = outcome.fromSeq + 1; seq <= outcome.toSeq; seq++) {
        const held = store.getMessage(message.nodeId, seq);
        if (held) context.makeVisible(toWireMessage(held), true, posts);
      }
    });
  }
  if (writes.length === 0) return Promise.resolve(screened.outcome);
  return context.commits.enqueue(() => {
    for (const write of writes) write();
  }, () => {
    for (const post of posts) post();
    return screened.outcome;
  }, { weight: writes.length, durableElsewhere: true });
}

/** Inside the commit: a message past a gap, stored held with its revision settled. */
function storeHeld(
  context: WritePath,
  message: ReplicatedMessage,
  posts: Array<() => void>,
): void {
  const { store } = context;
  const copies = copiesOfSend(store, message);
  const revised = context.updates.reviseIncoming(message, copies, posts);
  if (store.insertMessage({ ...revised, held: true, hidden: false })) {
    context.metrics.stored.inc();
  }
}
