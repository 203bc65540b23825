/**
 * Which local send a (sender, clientMsgId) already names: a send still in its
 * group commit (a retry waits for it), or a visible stored copy (a retry gets
 * it). A retry repeats the chat and the text (chat_rules.ts isSameSend); a send
 * reusing the key for another chat or text is refused as a conflict instead of
 * being acknowledged as, or hidden behind, a message it is not.
 *
 * Invariant: a key is pending only while its send's commit is in flight.
 * @module
 */

import type { NewMessagePayload } from "../../common/protocol.ts";
import type { MessageStore } from "../store/message_store.ts";
import { isSameSend } from "./chat_rules.ts";
import { toWireMessage } from "../../common/wire_message.ts";
import type { SendOutcome } from "./chat_node.ts";

/** A local send reusing a (sender, clientMsgId) of another message (other chat or text). */
export class ClientMsgIdConflictError extends Error {
  readonly code = "conflict";
  constructor(clientMsgId: string) {
    super(
      `clientMsgId ${JSON.stringify(clientMsgId)} already names another message of this ` +
        "sender: a retry must repeat the chat and text; a new message needs a new clientMsgId",
    );
    this.name = "ClientMsgIdConflictError";
  }
}

interface PendingSend {
  promise: Promise<SendOutcome>;
  chatId: number;
  text: string;
}

export class SendRetries {
  #store: MessageStore;
  #pending = new Map<string, PendingSend>();

  constructor(store: MessageStore) {
    this.#store = store;
  }

  /**
   * The outcome for a send whose key is known (a retry, or a conflict as a rejection);
   * undefined when the key is new (or the send has no clientMsgId).
   */
  known(input: NewMessagePayload): Promise<SendOutcome> | undefined {
    if (input.clientMsgId === undefined) return undefined;
    const pending = this.#pending.get(keyOf(input));
    if (pending) {
      if (!isSameSend(pending, input)) {
        return Promise.reject(new ClientMsgIdConflictError(input.clientMsgId));
      }
      return pending.promise.then((outcome) => ({ ...outcome, duplicate: true }));
    }
    const visible = this.#store.findCopies(input.sender, input.clientMsgId)
      .filter((copy) => !copy.held && !copy.hidden);
    if (visible.length === 0) return undefined;
    const same = visible.find((copy) => isSameSend(copy, input));
    if (!same) return Promise.reject(new ClientMsgIdConflictError(input.clientMsgId));
    return Promise.resolve({ message: toWireMessage(same), duplicate: true });
  }

  /** A new send with a clientMsgId: retries of it wait for `promise` until it settles. */
  track(input: NewMessagePayload, promise: Promise<SendOutcome>): void {
    if (input.clientMsgId === undefined) return;
    const key = keyOf(input);
    this.#pending.set(key, { promise, chatId: input.chatId, text: input.text });
    const forget = () => this.#pending.delete(key);
    promise.then(forget, forget);
  }
}

function keyOf(input: NewMessagePayload): string {
  return `${input.sender}\u0000${input.clientMsgId}`;
}
