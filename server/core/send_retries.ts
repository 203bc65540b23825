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
import type { MessageStore, StoredMessage } from "../store/message_store.ts";
import { isSameSend } from "./chat_rules.ts";
import { toWireMessage } from "../../common/wire_message.ts";
import type { SendOutcome } from "./local_send.ts";

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
    const pending = this.pending(input);
    if (pending) return pending;
    const stored = storedOutcome(this.#store.findCopies(input.sender, input.clientMsgId), input);
    if (stored === undefined) return undefined;
    return stored instanceof Error ? Promise.reject(stored) : Promise.resolve(stored);
  }

  /**
   * The outcome for a send whose key a send in its group commit holds (a retry waits for
   * it; another chat or text is a conflict); undefined otherwise. The store is not read:
   * the write path reads the copies once, inside its commit (storedOutcome()).
   */
  pending(input: NewMessagePayload): Promise<SendOutcome> | undefined {
    if (input.clientMsgId === undefined) return undefined;
    const pending = this.#pending.get(keyOf(input));
    if (!pending) return undefined;
    if (!isSameSend(pending, input)) {
      return Promise.reject(new ClientMsgIdConflictError(input.clientMsgId));
    }
    return pending.promise.then((outcome) => ({ ...outcome, duplicate: true }));
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

/**
 * For a send whose (sender, clientMsgId) has these stored copies: the visible copy of the
 * same send (a retry, answered with it), a conflict (a visible copy of another chat or
 * text), or undefined (no visible copy: a new message).
 */
export function storedOutcome(
  copies: readonly StoredMessage[],
  input: NewMessagePayload,
): SendOutcome | ClientMsgIdConflictError | undefined {
  const visible = copies.filter((copy) => !copy.held && !copy.hidden);
  if (visible.length === 0) return undefined;
  const same = visible.find((copy) => isSameSend(copy, input));
  if (!same) return new ClientMsgIdConflictError(input.clientMsgId ?? "");
  return { message: toWireMessage(same), duplicate: true };
}

function keyOf(input: NewMessagePayload): string {
  return `${input.sender}\u0000${input.clientMsgId}`;
}
