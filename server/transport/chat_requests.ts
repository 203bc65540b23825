/**
 * A client's requests about chats beyond creating one: `listChats` (the
 * contract's `{chatId, name, lastMessageAt?}`; with the extension flag
 * `creators: true` also each named chat's `creator`) and the extension
 * `renameChat {chatId, name}` (docs/SERVER.md), answered with `chatRenamed`
 * carrying the request's `ref`, or `forbidden` / `not_found`.
 *
 * Invariant: a contract client (no `creators` flag, no `renameChat`) sees the
 * chat list exactly as before: no extra field.
 * @module
 */

import type {
  Chat,
  ErrorCode,
  ListChatsPayload,
  RenameChatPayload,
} from "../../common/protocol.ts";
import type { ChatNode } from "../core/chat_node.ts";
import { RenameRefusedError } from "../core/chat_rename.ts";
import { chatRenamedFrame } from "../core/client_frames.ts";

/** The chatList payload for a request. */
export function chatListPayload(node: ChatNode, request: ListChatsPayload): Chat[] {
  return node.chats().map(({ chatId, name, lastMessageAt, creator }) => {
    const chat: Chat = { chatId, name };
    if (lastMessageAt !== undefined) chat.lastMessageAt = lastMessageAt;
    if (request.creators === true && creator !== undefined) chat.creator = creator;
    return chat;
  });
}

export interface RenameSession {
  /** The hello name; undefined before hello. */
  readonly helloName: string | undefined;
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
  node.renameChat(request.chatId, request.name, session.helloName).then(
    (chat) => session.sendText(chatRenamedFrame(chat, node.nodeId, ref)),
    (error: Error) => {
      if (error instanceof RenameRefusedError) session.error(error.code, error.message, ref);
      else session.refused(error, ref);
    },
  );
}
