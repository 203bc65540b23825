/**
 * A client's requests about chats beyond creating one: `listChats` (the
 * contract's `{chatId, name, lastMessageAt?}`; with the extension flag
 * `creators: true` also each named chat's `creator`; `limit` (1..1,000) and
 * `after` ask for a page, `{}` for every chat) and the extension
 * `renameChat {chatId, name}` (docs/SERVER.md), answered with `chatRenamed`
 * carrying the request's `ref`, or `forbidden` / `not_found`.
 *
 * Invariants: a contract client (no `creators` flag, no `renameChat`) sees the
 * chat list exactly as before: no extra field; a connection sees and renames only
 * chats it may read (section 6: a private chat it may not is left out of the list,
 * and naming it in `renameChat` is `forbidden`).
 * @module
 */

import type {
  Chat,
  ErrorCode,
  ListChatsPayload,
  RenameChatPayload,
} from "../../common/protocol.ts";
import type { ChatNode } from "../core/chat_node.ts";
import type { Identity } from "../core/chat_access.ts";
import { RenameRefusedError } from "../core/chat_rename.ts";
import { chatRenamedFrame } from "../core/client_frames.ts";
import { CHAT_LIST_PAGE_MAX } from "../../common/client_frame_validation.ts";

/**
 * The `chatList` page a request asks for: the chats reader may read, by chat id after
 * `after`, at most `limit` (1,000 with `after` alone), `more` when chats with higher ids
 * follow. A request naming neither (`{}`, what the contract and original clients send)
 * gets every chat in one frame, as PROTOCOL.md section 3 promises; the session charges
 * it by its size like any page.
 */
export function chatListPage(
  node: ChatNode,
  request: ListChatsPayload,
  reader: Identity,
): { chats: Chat[]; more: boolean } {
  const paged = request.limit !== undefined || request.after !== undefined;
  return node.access.chatPageFor(reader, {
    after: request.after ?? -1,
    limit: request.limit ?? (paged ? CHAT_LIST_PAGE_MAX : Infinity),
    creators: request.creators === true,
  });
}

export interface RenameSession {
  /** The hello name; undefined before hello. */
  readonly helloName: string | undefined;
  /** Who the connection speaks for (its token, or anonymous). */
  readonly identity: Identity;
  sendText(text: string): void;
  error(code: ErrorCode, message: string, ref?: string): void;
  /** A write the node could not store (storage refusals, anything unexpected). */
  refused(error: Error, ref?: string): void;
}

/** `renameChat`: the creator renames; everyone hello'd hears `chatRenamed`. */
export function renameChat(
  node: ChatNode,
  request: RenameChatPayload,
  session: RenameSession,
  ref: string | undefined,
): void {
  const forbidden = node.access.checkChat(request.chatId, session.identity);
  if (forbidden) return session.error(forbidden.code, forbidden.message, ref);
  node.renameChat(request.chatId, request.name, session.helloName).then(
    (chat) => session.sendText(chatRenamedFrame(chat, node.nodeId, ref)),
    (error: Error) => {
      if (error instanceof RenameRefusedError) session.error(error.code, error.message, ref);
      else session.refused(error, ref);
    },
  );
}
