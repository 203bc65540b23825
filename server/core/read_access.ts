/**
 * Who may read a chat and who may change a message, asked in ONE place by every
 * section 7 path (search, typing, `messageUpdated` delivery, the `updated` of a
 * `since` reply) and by edits and deletes. The answer is the node's access
 * control (access_control.ts: chat_access.ts canRead on what this node knows of
 * the chat) applied to the reader's identity: a token's `sub` and `chats` claim,
 * or anonymous (who reads every public chat and no private one; with `--auth off`
 * every connection is anonymous and no private chat can be made).
 *
 * Invariants: a reader never learns of a message of a chat it may not read (a
 * change of one reads as an unknown messageId); only a message's sender may
 * change it: with a token its `sub`, without one the hello name (never a token
 * holder's name with `--auth optional`).
 * @module
 */

import type { ProtocolError } from "../../common/protocol.ts";
import { chatInScope, type ChatScope } from "../store/message_store.ts";
import type { Identity } from "./chat_access.ts";

/** The part of the node's access control (AccessControl) the section 7 paths ask. */
export interface ReadAccess {
  /** `forbidden` when reader may not use the chat. */
  checkChat(chatId: number, reader: Identity): ProtocolError | undefined;
  /** `forbidden` when reader may not speak as name. */
  checkSpeaker(name: string, reader: Identity): ProtocolError | undefined;
  /** What reader may read across chats. */
  scopeOf(reader: Identity): ChatScope;
}

/** True when reader may read chatId's messages, typing and updates. */
export function mayRead(access: ReadAccess, reader: Identity, chatId: number): boolean {
  return access.checkChat(chatId, reader) === undefined;
}

/**
 * For reads over many messages (search, `since`'s updated): the chats reader may read,
 * as one predicate (its scope is worked out once, not per message).
 */
export function readableChats(access: ReadAccess, reader: Identity): (chatId: number) => boolean {
  const scope = access.scopeOf(reader);
  return (chatId) => chatInScope(scope, chatId);
}

/** Who asks to change a message: same rule for edits and deletes. */
export interface Actor {
  identity: Identity;
  /** The hello name (with a token, the hello checks that it is the token's subject). */
  name?: string;
}

const UNKNOWN_MESSAGE: ProtocolError = {
  code: "not_found",
  message: "no message has this messageId",
};

/**
 * Why actor may not edit or delete message, or undefined when it may: a message of a
 * chat it may not read is unknown to it; anyone but the sender gets `forbidden`.
 */
export function checkChange(
  access: ReadAccess,
  actor: Actor,
  message: { sender: string; chatId: number },
): ProtocolError | undefined {
  if (!mayRead(access, actor.identity, message.chatId)) return UNKNOWN_MESSAGE;
  const name = actor.identity.kind === "user" ? actor.identity.name : actor.name;
  if (name === undefined || name !== message.sender) {
    return { code: "forbidden", message: "only the sender of a message may edit or delete it" };
  }
  return access.checkSpeaker(name, actor.identity);
}
