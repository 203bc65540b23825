/**
 * Retractions of hidden copies for a resuming client (contract section 7):
 * when a `since` reply lists a message whose (sender, clientMsgId) has other
 * copies that lost (hidden), the client may have been shown one of them live
 * or in a reply on another node before this node decided. The live
 * `messageUpdated` with `duplicateOf` went only to the connections open at the
 * moment of the decision, so the reply is followed by one for each such copy.
 *
 * Invariant: only hidden, committed (not held) copies of the same send
 * (chat_rules.ts isSameSend) are retracted, each naming the copy in the reply
 * as the one that stays and carrying that copy's text as it now is (edited or
 * deleted), like the live retraction.
 * @module
 */

import type { ChatMessage, MessageUpdatePayload } from "../../common/protocol.ts";
import { toWireMessage } from "../../common/wire_message.ts";
import type { MessageStore } from "../store/message_store.ts";
import { copiesOfSend } from "./duplicate_copies.ts";

/** The `messageUpdated` payloads that retract the hidden copies of `shown`'s sends. */
export function retractionsFor(
  store: Pick<MessageStore, "findCopies">,
  shown: readonly ChatMessage[],
): MessageUpdatePayload[] {
  const retractions: MessageUpdatePayload[] = [];
  for (const stays of shown) {
    // Copies of this send only: another chat or text under the same key is another message.
    const send = { ...stays, edit: stays.editedAt };
    for (const copy of copiesOfSend(store, send)) {
      if (!copy.hidden || copy.held || copy.messageId === stays.messageId) continue;
      const retraction = toWireMessage({
        ...copy,
        text: stays.text,
        editedAt: stays.editedAt,
        deleted: stays.deleted,
      });
      retraction.duplicateOf = stays.messageId;
      retractions.push(retraction);
    }
  }
  return retractions;
}
