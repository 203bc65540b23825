/**
 * The access surface's reading of PROTOCOL.md sections 6 and 7, for an identity
 * on a node: who may read a private chat (its members, holders of a `chats`
 * claim naming it; never an anonymous client; nobody while its record is
 * unknown), which names an anonymous client may not use (token holders', folded
 * as SECURITY.md says), and the answer each valid frame must get.
 *
 * Invariant: derived from the contract and the documented choices alone
 * (private ids: server/core/chat_access.ts's range, SECURITY.md), never from
 * what a node answered.
 * @module
 */

import { isPrivateChatId } from "../server/core/chat_access.ts";
import { isPlainObject } from "./value_schema.ts";

/** Who a connection or request speaks as: a token's sub (and claim), or anonymous. */
export interface Identity {
  sub?: string;
  claims?: readonly number[];
}

/** A message the surface knows: who sent it, where. */
export interface KnownMessage {
  messageId: string;
  chatId: number;
  sender: string;
}

/** One right answer: a reply type, an error code, or nothing at all. */
export type Answer = { reply: string } | { error: string } | { none: true };

export interface AccessAnswer {
  answers: Answer[];
  /** The accepted frame stores something (a message, a chat, an edit). */
  stores: boolean;
}

/** Names compared as the nodes compare token holders' names (NFKC, lower case). */
export function foldName(name: string): string {
  return name.normalize("NFKC").toLowerCase();
}

export class AccessRules {
  /** The cluster's node ids: a messageId of theirs this surface did not send may exist. */
  #nodeIds: ReadonlySet<number>;
  #members = new Map<number, Set<string>>();
  /** Private chats made during the run: a node may not have their record yet. */
  #replicating = new Set<number>();
  #taken = new Set<string>();
  #messages = new Map<string, KnownMessage>();

  constructor(nodeIds: readonly number[]) {
    this.#nodeIds = new Set(nodeIds);
  }

  /**
   * A private chat and its members (the creator included). `replicating`: made during the
   * run, so a node may not know its record yet, and then refuses its members too.
   */
  addPrivateChat(chatId: number, members: readonly string[], replicating = false): void {
    if (replicating) this.#replicating.add(chatId);
    const known = this.#members.get(chatId) ?? new Set<string>();
    for (const member of members) {
      known.add(member);
      this.#taken.add(foldName(member));
    }
    this.#members.set(chatId, known);
  }

  /** A token holder's name, seen by the cluster. */
  addTokenHolder(sub: string): void {
    this.#taken.add(foldName(sub));
  }

  addMessage(message: KnownMessage): void {
    this.#messages.set(message.messageId, message);
  }

  message(messageId: string): KnownMessage | undefined {
    return this.#messages.get(messageId);
  }

  privateChats(): number[] {
    return [...this.#members.keys()];
  }

  /**
   * True, false, "maybe" (a member of a chat still replicating: a node without its record
   * refuses), or undefined for a private chat whose members are not known here yet.
   */
  canRead(identity: Identity, chatId: number): boolean | "maybe" | undefined {
    if (!isPrivateChatId(chatId)) return true;
    if (identity.sub === undefined) return false;
    if (identity.claims?.includes(chatId)) return true;
    const members = this.#members.get(chatId);
    if (members === undefined) return undefined;
    if (!members.has(identity.sub)) return false;
    return this.#replicating.has(chatId) ? "maybe" : true;
  }

  /** The name a connection may not speak under: another token's, or a holder's when anonymous. */
  mayUseName(identity: Identity, name: string): boolean {
    if (identity.sub !== undefined) return name === identity.sub;
    return !this.#taken.has(foldName(name));
  }

  /**
   * The answer to a frame whose shape is valid, from `identity` (said hello as `helloName`).
   * A chat this surface does not know the members of reads as unreadable.
   */
  answer(
    identity: Identity,
    helloName: string,
    frame: { type: string; payload: unknown },
  ): AccessAnswer {
    let unsure = false;
    const readable = (chatId: unknown, maybe: boolean) => {
      if (typeof chatId !== "number") return true;
      const can = this.canRead(identity, chatId);
      if (can === "maybe") unsure = true;
      return can === true || (can === "maybe" && maybe);
    };
    const first = this.#answer(identity, helloName, frame, (id) => readable(id, true));
    if (!unsure) return first;
    const second = this.#answer(identity, helloName, frame, (id) => readable(id, false));
    const answers = [...first.answers];
    for (const answer of second.answers) {
      if (!answers.some((known) => JSON.stringify(known) === JSON.stringify(answer))) {
        answers.push(answer);
      }
    }
    return { answers, stores: first.stores || second.stores };
  }

  #answer(
    identity: Identity,
    helloName: string,
    frame: { type: string; payload: unknown },
    readable: (chatId: unknown) => boolean,
  ): AccessAnswer {
    const payload = isPlainObject(frame.payload) ? frame.payload : {};
    const one = (answer: Answer, stores = false): AccessAnswer => ({ answers: [answer], stores });
    const forbidden = one({ error: "forbidden" });
    switch (frame.type) {
      case "hello":
        return this.mayUseName(identity, payload.name as string)
          ? one({ reply: "welcome" })
          : forbidden;
      case "newMessageFromClient": {
        if (!this.mayUseName(identity, payload.sender as string)) return forbidden;
        if (!readable(payload.chatId)) return forbidden;
        const acked = payload.clientMsgId !== undefined && payload.clientMsgId !== null;
        if (!acked) return one({ none: true }, true);
        // `conflict`: the clientMsgId already names another chat or text of the sender (SERVER.md).
        return {
          answers: [{ reply: "clientMessageResponse" }, { error: "conflict" }],
          stores: true,
        };
      }
      case "editMessage":
      case "deleteMessage":
        return this.#change(identity, helloName, payload.messageId as string, readable);
      case "typing":
        return readable(payload.chatId) ? one({ none: true }) : forbidden;
      case "search": {
        if (!readable(payload.chatId)) return forbidden;
        const answers: Answer[] = [{ reply: "searchResults" }];
        if (payload.before !== undefined && payload.before !== null) {
          answers.push({ error: "not_found" });
        }
        return { answers, stores: false };
      }
      case "createChat":
        if (payload.private === true && identity.sub === undefined) return forbidden;
        // `rate_limited`: the chat quotas (SECURITY.md; raised on the access nodes).
        return { answers: [{ reply: "chatCreated" }, { error: "rate_limited" }], stores: true };
      case "clientSyncRequest": {
        if (!readable(payload.chatId)) return forbidden;
        const answers: Answer[] = [{ reply: "clientSyncReply" }];
        if (payload.before !== undefined) answers.push({ error: "not_found" });
        return { answers, stores: false };
      }
      case "subscribe": {
        const ids = Array.isArray(payload.chatIds) ? payload.chatIds : [];
        return ids.every(readable) ? one({ none: true }) : forbidden;
      }
      case "presence":
        return readable(payload.chatId) ? one({ reply: "presenceList" }) : forbidden;
      case "listChats":
        return one({ reply: "chatList" });
    }
    return { answers: [], stores: false };
  }

  /** editMessage / deleteMessage: unknown or unreadable -> not_found; not the sender -> forbidden. */
  #change(
    identity: Identity,
    helloName: string,
    messageId: string,
    readable: (chatId: unknown) => boolean,
  ): AccessAnswer {
    const known = this.#messages.get(messageId);
    if (!known) {
      if (!this.#mayExist(messageId)) return { answers: [{ error: "not_found" }], stores: false };
      // A messageId this surface did not send may still name a real message (any sender).
      return {
        answers: [{ error: "not_found" }, { error: "forbidden" }, { reply: "messageUpdated" }],
        stores: true,
      };
    }
    if (!readable(known.chatId)) {
      return { answers: [{ error: "not_found" }], stores: false };
    }
    const speaker = identity.sub ?? helloName;
    if (known.sender !== speaker) return { answers: [{ error: "forbidden" }], stores: false };
    return { answers: [{ reply: "messageUpdated" }], stores: true };
  }

  /** A messageId of one of the cluster's nodes (leading zeros or not). */
  #mayExist(messageId: string): boolean {
    if (!/^[0-9]{1,40}$/.test(messageId)) return false;
    return this.#nodeIds.has(Number(BigInt(messageId) / 1_000_000_000_000n));
  }
}
