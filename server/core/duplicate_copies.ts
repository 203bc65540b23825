/**
 * Idempotency of (sender, clientMsgId) across nodes: when a message becomes
 * visible, which copy of its (sender, clientMsgId) stays visible. The rule is
 * chat_rules.ts's isLowerKey: the lowest (nodeId, seq) wins everywhere, the
 * others are stored but hidden (never in history, never delivered again).
 *
 * Invariant: a decision never hides both copies, and a message that loses is
 * neither published nor shown.
 * @module
 */

import type { ChatMessage } from "../../common/protocol.ts";
import { toWireMessage } from "../../common/wire_message.ts";
import type { StoredMessage } from "../store/message_store.ts";
import { isLowerKey } from "./chat_rules.ts";

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
 * Decides, inside the commit, between `message` and `visible`, the copy of its clientMsgId
 * that is visible now (null when none is).
 */
export function decideCopies(visible: StoredMessage | null, message: ChatMessage): CopyDecision {
  const alone: CopyDecision = { hidden: false, publish: true, winner: message };
  if (message.clientMsgId === undefined) return alone;
  const other = visible;
  if (!other || (other.nodeId === message.nodeId && other.seq === message.seq)) return alone;
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
