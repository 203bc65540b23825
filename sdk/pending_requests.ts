/**
 * The requests a session has in flight on the current connection, by the
 * `ref` it set on them (nodes echo it on the reply), so each reply is read for
 * what it answers: the entry history, a resume page, a page someone asked for,
 * the chat list, who is here, a created chat. A request may carry callbacks:
 * they are told the reply, or why none will come.
 *
 * Invariant: a ref is answered at most once; on rejectAll() (the connection
 * is gone: no reply can come on another one) every waiting callback is told.
 * @module
 */

import type { ClientFrame, ServerFrame } from "../common/protocol.ts";

export type RequestPurpose =
  | "history"
  | "resume"
  | "page"
  | "chats"
  | "presence"
  | "create"
  | "rename"
  | "edit"
  | "delete"
  | "search";

const SYNC_PURPOSES: ReadonlySet<RequestPurpose> = new Set(["history", "resume", "page"]);
/** Frame types that answer a request (and carry its ref). */
const REPLY_TYPES: ReadonlySet<string> = new Set([
  "clientSyncReply",
  "chatCreated",
  "chatRenamed",
  "chatList",
  "presenceList",
  "searchResults",
  "messageUpdated", // the answer to an edit or a delete carries its ref
]);

export interface RequestCallbacks {
  onReply(frame: ServerFrame): void;
  onFailure(error: Error): void;
}

export interface PendingRequest {
  ref: string;
  purpose: RequestPurpose;
  callbacks?: RequestCallbacks;
}

export class PendingRequests {
  #requests = new Map<string, PendingRequest>();
  #counter = 0;

  /** A new ref for a request with this purpose. */
  create(purpose: RequestPurpose, callbacks?: RequestCallbacks): string {
    const ref = `${purpose[0]}${++this.#counter}`;
    this.#requests.set(ref, { ref, purpose, callbacks });
    return ref;
  }

  /** The request this ref answers, forgetting it; undefined when unknown. */
  take(ref: string | undefined): PendingRequest | undefined {
    if (ref === undefined) return undefined;
    const request = this.#requests.get(ref);
    this.#requests.delete(ref);
    return request;
  }

  /**
   * The request a reply answers, forgotten and told (its onReply); undefined for a
   * frame that answers nothing. A sync reply without ref (a node that does not echo
   * refs) answers the oldest sync request.
   */
  answer(frame: ServerFrame): PendingRequest | undefined {
    if (!REPLY_TYPES.has(frame.type)) return undefined;
    const request = frame.ref !== undefined
      ? this.take(frame.ref)
      : frame.type === "clientSyncReply"
      ? this.takeOldestSync()
      : undefined;
    request?.callbacks?.onReply(frame);
    return request;
  }

  /** For nodes that do not echo `ref`: the oldest sync request still unanswered. */
  takeOldestSync(): PendingRequest | undefined {
    for (const request of this.#requests.values()) {
      if (SYNC_PURPOSES.has(request.purpose)) {
        this.#requests.delete(request.ref);
        return request;
      }
    }
    return undefined;
  }

  /** Forgets every request, telling each waiting one why. */
  rejectAll(error: Error): void {
    const requests = [...this.#requests.values()];
    this.#requests.clear();
    for (const request of requests) request.callbacks?.onFailure(error);
  }
}

/** A request whose answer someone awaits: how to send it and how to read its reply. */
export interface Query<T> {
  purpose: RequestPurpose;
  /** For errors: "Cannot <action>: <why>". */
  action: string;
  frame(ref: string): ClientFrame;
  /** The answer in the reply, or undefined when the reply is not one. */
  read(reply: ServerFrame): T | undefined;
}

/** Sends a query through send() and resolves with its answer; rejects when none can come. */
export function ask<T>(
  requests: PendingRequests,
  query: Query<T>,
  send: (frame: ClientFrame) => void,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const ref = requests.create(query.purpose, {
      onReply(reply) {
        const value = query.read(reply);
        if (value !== undefined) resolve(value);
        else reject(new Error(`Cannot ${query.action}: the node answered ${reply.type}`));
      },
      onFailure: (error) =>
        reject(new Error(`Cannot ${query.action}: ${error.message}`, { cause: error })),
    });
    send(query.frame(ref));
  });
}
