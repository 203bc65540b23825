/**
 * A message for the client core's tests: `(nodeId, seq)` names it, its text
 * says so (`m<nodeId>.<seq>`), its time grows with seq (so canonical order
 * follows seq), in chat 11; anything else as the test says.
 * @module
 */

import { encodeMessageId } from "../../common/message_id.ts";
import type { ChatMessage } from "../../common/protocol.ts";

export function testMessage(
  nodeId: number,
  seq: number,
  extra: Partial<ChatMessage> = {},
): ChatMessage {
  return {
    messageId: encodeMessageId(nodeId, seq),
    nodeId,
    seq,
    chatId: 11,
    text: `m${nodeId}.${seq}`,
    sender: "other",
    dateTime: `2026-01-01T00:00:${String(seq).padStart(2, "0")}.000Z`,
    lc: 0,
    ...extra,
  };
}
