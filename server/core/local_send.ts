/**
 * A message from a local client (WebSocket or REST) into the chat node's group
 * commit: inside the commit, ONE lookup of its (sender, clientMsgId) decides
 * between a resend (answered with the stored message, no seq taken) and a new
 * message, which only then gets its seq and its stamp, and goes through the
 * visibility step like every message (message_visibility.ts). The promise
 * resolves once the batch is durable, after the message went out live.
 *
 * Invariants: a resend while the first send is still queued or being made
 * durable gets the same outcome (the pending map), never a second message; a
 * seq is taken only by a message that is stored; nothing resolves before the
 * commit is durable.
 * @module
 */

import type { ChatMessage, NewMessagePayload } from "../../common/protocol.ts";
import { toWireMessage } from "../../common/wire_message.ts";
import type { MessageStore } from "../store/message_store.ts";
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
  const { store, commits, storage, pending } = context;
  const key = input.clientMsgId === undefined
    ? undefined
    : `${input.sender}\u0000${input.clientMsgId}`;
  if (key !== undefined) {
    const queued = pending.get(key);
    if (queued) return queued.then((outcome) => ({ ...outcome, duplicate: true }));
  }
  const refusal = storage.refusal();
  if (refusal) return resendOrRefuse(store, input, refusal);
  const posts: Array<() => void> = [];
  let outcome: SendOutcome | Error | undefined;
  let stored: ChatMessage | undefined;
  const promise = commits.enqueue(() => {
    const copies = input.clientMsgId === undefined
      ? []
      : store.findCopies(input.sender, input.clientMsgId);
    const visible = copies.find((copy) => !copy.held && !copy.hidden);
    if (visible) {
      outcome = { message: toWireMessage(visible), duplicate: true };
      return;
    }
    const message = context.numbering.number(input);
    if (!message) {
      outcome = new Error("Cannot store message: this node's seq space is used up");
      return;
    }
    stored = message;
    const winner = context.makeVisible(message, false, posts, copies);
    outcome = { message: winner, duplicate: winner !== message };
  }, () => {
    // Durable: a resend from now on finds the message in the store.
    if (key !== undefined) pending.delete(key);
    for (const post of posts) post();
    if (stored) context.feed.committed(stored);
    if (outcome instanceof Error) throw outcome;
    return outcome!;
  }).catch((error) => {
    if (key !== undefined) pending.delete(key);
    throw storage.explain(error);
  });
  if (key !== undefined) pending.set(key, promise);
  return promise;
}

/** While writes are refused, a resend of a stored message is still acknowledged. */
function resendOrRefuse(
  store: MessageStore,
  input: NewMessagePayload,
  refusal: Error,
): Promise<SendOutcome> {
  const existing = input.clientMsgId === undefined
    ? null
    : store.findVisibleByClientMsgId(input.sender, input.clientMsgId);
  if (existing) return Promise.resolve({ message: toWireMessage(existing), duplicate: true });
  return Promise.reject(refusal);
}
