/**
 * A message from a local client (WebSocket or REST) into the chat node's group
 * commit: inside the commit, ONE lookup of its (sender, clientMsgId) decides
 * between a retry (answered with the stored message, no seq taken), a conflict
 * (the key names a visible message of another chat or text: refused,
 * send_retries.ts) and a new message, which only then gets its seq and its
 * stamp, and goes through the visibility step like every message
 * (message_visibility.ts). The promise resolves once the batch is durable,
 * after the message went out live.
 *
 * Invariants: a retry while the first send is still queued or being made
 * durable gets the same outcome (SendRetries), never a second message; a seq is
 * taken only by a message that is stored; nothing resolves before the commit is
 * durable.
 * @module
 */

import type { ChatMessage, NewMessagePayload } from "../../common/protocol.ts";
import { storedOutcome } from "./send_retries.ts";
import type { WritePath } from "./write_path.ts";

export interface SendOutcome {
  /** The stored message (for a resend: the visible copy it duplicates). */
  message: ChatMessage;
  /** True when (sender, clientMsgId) was already stored. */
  duplicate: boolean;
}

/** Stores a local client's message; resolves once durable and published. */
export function sendLocalMessage(
  context: WritePath,
  input: NewMessagePayload,
): Promise<SendOutcome> {
  const { store, commits, storage, retries } = context;
  const pending = retries.pending(input);
  if (pending) return pending;
  const refusal = storage.refusal();
  if (refusal) return retries.known(input) ?? Promise.reject(refusal);
  const posts: Array<() => void> = [];
  let outcome: SendOutcome | Error | undefined;
  let stored: ChatMessage | undefined;
  const promise = commits.enqueue(() => {
    const copies = input.clientMsgId === undefined
      ? []
      : store.findCopies(input.sender, input.clientMsgId);
    outcome = storedOutcome(copies, input);
    if (outcome) return; // a retry of a visible message, or a conflict with one
    const message = context.numbering.number(input);
    if (!message) {
      outcome = new Error("Cannot store message: this node's seq space is used up");
      return;
    }
    stored = message;
    const winner = context.makeVisible(message, false, posts, copies);
    outcome = { message: winner, duplicate: winner !== message };
  }, () => {
    for (const post of posts) post();
    if (stored) context.feed.committed(stored);
    return outcome!;
  }).then((settled) => {
    if (settled instanceof Error) throw settled;
    return settled;
  }, (error) => {
    throw storage.explain(error);
  });
  retries.track(input, promise);
  return promise;
}
