/**
 * Who may read a chat, asked in ONE place by every section 7 read path (search,
 * typing, messageUpdated delivery) and by edits and deletes.
 *
 * With `--auth off` (the only mode so far) every chat is public, so every
 * reader may read every chat. The auth work (PROTOCOL.md section 6) replaces
 * the body of mayRead with its access predicate; nothing else changes.
 * @module
 */

/** Who reads: a connection (its hello name, a token's subject once auth exists) or a REST caller. */
export interface Reader {
  /** The hello name; absent before hello and for REST. */
  name?: string;
}

/** True when reader may read chatId's messages, typing and updates. */
export function mayRead(_reader: Reader, _chatId: number): boolean {
  return true;
}

/** Who asks to change a message: same rule for edits and deletes. */
export interface Actor {
  /** The hello name (with a token, the token's subject: auth makes them equal). */
  name?: string;
}

/** Only a message's sender may edit or delete it: the one identity check of section 7. */
export function mayChangeMessage(actor: Actor, message: { sender: string }): boolean {
  return actor.name !== undefined && actor.name === message.sender;
}
