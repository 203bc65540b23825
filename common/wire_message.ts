/**
 * A message as the contract writes it: exactly its fields, in the contract's
 * order, whatever else the object carries (a store's held/hidden flags, a
 * client's extras). Used wherever a message leaves a process.
 * @module
 */
import type { MessageUpdatePayload } from "./protocol.ts";

export function toWireMessage(message: MessageUpdatePayload): MessageUpdatePayload {
  const wire: MessageUpdatePayload = {
    messageId: message.messageId,
    nodeId: message.nodeId,
    seq: message.seq,
    chatId: message.chatId,
    text: message.text,
    sender: message.sender,
    dateTime: message.dateTime,
    lc: message.lc,
  };
  if (message.clientMsgId !== undefined) wire.clientMsgId = message.clientMsgId;
  if (message.editedAt !== undefined) wire.editedAt = message.editedAt;
  if (message.deleted === true) wire.deleted = true;
  if (message.duplicateOf !== undefined) wire.duplicateOf = message.duplicateOf;
  return wire;
}
