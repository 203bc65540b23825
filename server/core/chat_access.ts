/**
 * Who may use which chat (PROTOCOL.md section 6): the ONE access predicate every
 * read and write path calls (live delivery, every clientSyncRequest form,
 * listChats, presence, REST, search, typing), plus what follows from it for
 * reads across chats. Pure: no store access, no sockets.
 *
 * A chat is private when its id lies in PRIVATE_CHAT_ID_MIN..PRIVATE_CHAT_ID_MAX
 * (createChat with `"private": true` allocates there). Privacy is a property of
 * the id, so every node knows a chat is private from the first message it sees
 * of it, even before the chat's record (its members) has reached it: such a
 * chat is readable only through a `chats` claim until the record comes.
 *
 * Invariant: canRead is true for a private chat only for a token holder that is
 * one of its members or names it in its `chats` claim; reading and writing are
 * the same right.
 * @module
 */

import type { ChatScope } from "../store/message_store.ts";

/** The first id of the private range (ten digits, starting with 9). */
export const PRIVATE_CHAT_ID_MIN = 9_000_000_000;
export const PRIVATE_CHAT_ID_MAX = 9_999_999_999;

/** `--auth`: off (no tokens), optional (tokens verified when given), required. */
export type AuthMode = "off" | "optional" | "required";

/** Who a connection or a request speaks for. */
export type Identity =
  | { kind: "anonymous" }
  | {
    kind: "user";
    /** The token's `sub`. */
    name: string;
    /** The token's `chats` claim. */
    chats: ReadonlySet<number>;
  };

export const ANONYMOUS: Identity = Object.freeze({ kind: "anonymous" });

/** The part of a chat access depends on; `members` absent: public, or not learnt yet. */
export interface ChatAccessFacts {
  chatId: number;
  members?: readonly string[];
}

export function isPrivateChatId(chatId: number): boolean {
  return chatId >= PRIVATE_CHAT_ID_MIN && chatId <= PRIVATE_CHAT_ID_MAX;
}

/** True when identity may read and write the chat. */
export function canRead(identity: Identity, chat: ChatAccessFacts): boolean {
  if (!isPrivateChatId(chat.chatId)) return true;
  if (identity.kind !== "user") return false;
  return identity.chats.has(chat.chatId) || (chat.members?.includes(identity.name) ?? false);
}

/**
 * For reads across chats (history without a chat filter, `since`, search): the
 * private chats identity may read, given those it is a member of, as a ChatScope
 * (message_store.ts): the store leaves out every other chat of the private range.
 * chatInScope(scopeOf(identity), id) gives the answer canRead gives, by id.
 */
export function chatScopeOf(identity: Identity, memberOf: readonly number[]): ChatScope {
  const except = identity.kind === "user"
    ? [...new Set([...memberOf, ...identity.chats].filter(isPrivateChatId))]
    : [];
  return { excludeMin: PRIVATE_CHAT_ID_MIN, excludeMax: PRIVATE_CHAT_ID_MAX, except };
}
