/**
 * Access control of one node (PROTOCOL.md section 6), over its chat directory,
 * presence and token holders' names: whether a reader may use a chat (the ONE
 * predicate, chat_access.ts canRead, applied to what this node knows of it),
 * whether it may speak as a name, and what it sees of chats and presence. The
 * chat node's reads (history, since) take their scope from here; typing and
 * search go through checkChat and scopeOf the same way.
 *
 * Invariant: every answer for a private chat follows canRead on the chat's record
 * here (or its id alone while the record has not arrived).
 * @module
 */

import type { Chat, Parsed, PresenceEntry, ProtocolError } from "../../common/protocol.ts";
import type { ChatScope } from "../store/message_store.ts";
import {
  type AuthMode,
  canRead,
  chatScopeOf,
  type Identity,
  isPrivateChatId,
} from "./chat_access.ts";
import { type ChatDirectory, clientChat } from "./chat_directory.ts";
import type { PresenceRegistry } from "./presence_registry.ts";
import type { TokenNames } from "./token_names.ts";

export interface AccessControlOptions {
  chats: ChatDirectory;
  presence: PresenceRegistry;
  tokenNames: TokenNames;
  authMode: AuthMode;
}

export class AccessControl {
  #chats: ChatDirectory;
  #presence: PresenceRegistry;
  #tokenNames: TokenNames;
  #authMode: AuthMode;

  constructor(options: AccessControlOptions) {
    this.#chats = options.chats;
    this.#presence = options.presence;
    this.#tokenNames = options.tokenNames;
    this.#authMode = options.authMode;
  }

  /** `forbidden` when reader may not use the chat (chat_access.ts canRead). */
  checkChat(chatId: number, reader: Identity): ProtocolError | undefined {
    // A public chat needs no record (asked per connection for every section 7 event).
    if (!isPrivateChatId(chatId)) return undefined;
    if (canRead(reader, this.#chats.get(chatId) ?? { chatId })) return undefined;
    return { code: "forbidden", message: `chat ${chatId} is private: members only` };
  }

  /**
   * `forbidden` when reader may not speak as name (a message's sender, a hello's name):
   * a token holder speaks as its sub only; with --auth optional, an anonymous client
   * never as a token holder.
   */
  checkSpeaker(name: string, reader: Identity): ProtocolError | undefined {
    if (reader.kind === "user") {
      if (name === reader.name) return undefined;
      return { code: "forbidden", message: `this connection speaks as ${reader.name} only` };
    }
    if (this.#authMode === "optional" && this.#tokenNames.isTaken(name)) {
      return { code: "forbidden", message: `the name ${name} belongs to a token holder` };
    }
    return undefined;
  }

  /**
   * The chats reader may use, as clients see them (private ones with their members; with
   * `creators`, each named chat's creator: an extension, docs/SERVER.md).
   */
  chatsFor(reader: Identity, options: { creators?: boolean } = {}): Chat[] {
    return this.#chats.list().filter((chat) => canRead(reader, chat))
      .map((chat) => clientChat(chat, options));
  }

  /**
   * A page of chatsFor(reader): chats with ids above `after`, at most `limit`, read on
   * past chats the reader may not see until the page is full or none is left.
   */
  chatPageFor(
    reader: Identity,
    options: { after: number; limit: number; creators?: boolean },
  ): { chats: Chat[]; more: boolean } {
    const chats: Chat[] = [];
    let after = options.after;
    for (;;) {
      const page = this.#chats.page(after, options.limit - chats.length);
      for (const chat of page.chats) {
        if (canRead(reader, chat)) chats.push(clientChat(chat, options));
      }
      if (!page.more || chats.length >= options.limit) return { chats, more: page.more };
      after = page.chats[page.chats.length - 1].chatId;
    }
  }

  /**
   * `presenceList` for reader: everyone, or those following chatId. A private chat lists its
   * members following it (or every chat) and those who subscribed to it by name.
   */
  presenceFor(chatId: number | undefined, reader: Identity): Parsed<PresenceEntry[]> {
    if (chatId === undefined) return { ok: true, value: this.#presence.list() };
    const forbidden = this.checkChat(chatId, reader);
    if (forbidden) return { ok: false, error: forbidden };
    if (!isPrivateChatId(chatId)) return { ok: true, value: this.#presence.list(chatId) };
    const members = new Set(this.#chats.get(chatId)?.members ?? []);
    return { ok: true, value: this.#presence.list(chatId, (name) => members.has(name)) };
  }

  /**
   * A createChat's members: undefined for a public chat, the names asked for plus the
   * creator's for a private one, or why not: private chats need a token (with --auth off,
   * none has one).
   */
  privateMembers(
    payload: { private?: boolean; members?: string[] },
    creator: Identity,
  ): Parsed<string[] | undefined> {
    if (payload.private !== true) return { ok: true, value: undefined };
    if (creator.kind !== "user") {
      const why = this.#authMode === "off"
        ? "this node runs with --auth off"
        : "connect with a user token";
      const message = `Cannot create a private chat: ${why}`;
      return { ok: false, error: { code: "forbidden", message } };
    }
    return { ok: true, value: [...payload.members ?? [], creator.name] };
  }

  /** What reader may read across chats (history without a chat, since, search). */
  scopeOf(reader: Identity): ChatScope {
    return chatScopeOf(reader, reader.kind === "user" ? this.#chats.memberOf(reader.name) : []);
  }
}
