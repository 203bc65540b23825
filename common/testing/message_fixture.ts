/**
 * Test messages with readable defaults, shared by the tests of every part: one
 * place that knows what a complete ChatMessage looks like, so a field added to
 * the contract is added to every test's messages at once.
 *
 * Invariant: the result is a valid message (messageId matches nodeId and seq;
 * dateTime is the contract's format), whatever the overrides leave alone.
 * @module
 */

import { encodeMessageId } from "../message_id.ts";
import type { ChatMessage } from "../protocol.ts";

export interface TestMessageFields extends Partial<ChatMessage> {
  /** Seconds after 2026-01-01T00:00:00Z for dateTime. @default seq */
  second?: number;
}

/** A message of origin nodeId, number seq: chat 11, sender "ann", text "text N/S", lc 0. */
export function testMessage(
  nodeId: number,
  seq: number,
  fields: TestMessageFields = {},
): ChatMessage {
  const { second = seq, ...overrides } = fields;
  return {
    messageId: encodeMessageId(nodeId, seq),
    nodeId,
    seq,
    chatId: 11,
    text: `text ${nodeId}/${seq}`,
    sender: "ann",
    dateTime: new Date(Date.UTC(2026, 0, 1, 0, 0, second)).toISOString(),
    lc: 0,
    ...overrides,
  };
}
