/**
 * Idempotency of (sender, clientMsgId) across nodes: when a message becomes
 * visible, which copy of its send stays visible. Copies are one send only when
 * chat and text are the same too (chat_rules.ts isSameSend: a true retry); the
 * rule between them is isLowerKey: the lowest (nodeId, seq) wins everywhere,
 * the others are stored but hidden (never in history, never delivered again).
 * A copy with another chat or text is its own message: it never hides, and is
 * never hidden by, the first.
 *
 * Invariant: a decision never hides both copies, and a message that loses is
 * neither published nor shown.
 * @module
 */

import type { ChatMessage } from "../../common/protocol.ts";
import { toWireMessage } from "../../common/wire_message.ts";
import type { MessageStore, StoredMessage } from "../store/message_store.ts";
import { isLowerKey, isSameSend, type SendContent } from "./chat_rules.ts";

export interface CopyDecision {
  /** The message itself is stored hidden: a lower copy is visible. */
  hidden: boolean;
  /** The message goes out live (no other copy was visible before it). */
  publish: boolean;
  /** The copy visible afterwards (the message, or the lower copy). */
  winner: ChatMessage;
  /** A visible copy that this lower message now hides. */
  hideStored?: { nodeId: number; seq: number };
}

/**
 * The stored copies (any state, the message itself too when stored) that are one send
 * with `message`: the only ones its visibility and revisions are settled with.
 */
export function copiesOfSend(
  store: Pick<MessageStore, "findCopies">,
  message: SendContent & { sender: string; clientMsgId?: string },
): StoredMessage[] {
  if (message.clientMsgId === undefined) return [];
  return sameSendCopies(store.findCopies(message.sender, message.clientMsgId), message);
}

/** Of the copies of a (sender, clientMsgId) read already, those that are one send with message. */
export function sameSendCopies(
  copies: readonly StoredMessage[],
  message: SendContent,
): StoredMessage[] {
  return copies.length === 0 ? [] : copies.filter((copy) => isSameSend(copy, message));
}

/**
 * Decides, inside the commit, between `message` and the visible copy of its send among
 * `copies`: every stored copy of its (sender, clientMsgId), read once by the caller (the
 * same read settles the revision, message_visibility.ts).
 */
export function decideCopies(copies: readonly StoredMessage[], message: ChatMessage): CopyDecision {
  const alone: CopyDecision = { hidden: false, publish: true, winner: message };
  if (message.clientMsgId === undefined) return alone;
  const other = copies.find((copy) =>
    !copy.held && !copy.hidden && !(copy.nodeId === message.nodeId && copy.seq === message.seq) &&
    isSameSend(copy, message)
  );
  if (!other) return alone;
  if (isLowerKey(other, message)) {
    return { hidden: true, publish: false, winner: toWireMessage(other) };
  }
  return {
    hidden: false,
    publish: false,
    winner: message,
    hideStored: { nodeId: other.nodeId, seq: other.seq },
  };
}
