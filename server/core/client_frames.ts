/**
 * The frames the node core publishes to its clients by itself (live messages,
 * chat and presence events), built through the one encoder
 * (common/server_frame_codec.ts) so they are typed by the `ServerFrame` union.
 *
 * Invariant: a live frame holds exactly one message, encoded once
 * (message_json.ts) however many sockets it is published to.
 * @module
 */

import type { ChatMessage, PresenceEventPayload } from "../../common/protocol.ts";
import { ServerFrameType } from "../../common/protocol.ts";
import { encodeServerFrame } from "../../common/server_frame_codec.ts";
import type { ChatRecord } from "../store/message_store.ts";
import { clientChat } from "./chat_directory.ts";

/** `newMessagesForClient` with one message, from node `source`. */
export function liveMessageFrame(message: ChatMessage, source: number): string {
  return encodeServerFrame({
    type: ServerFrameType.newMessagesForClient,
    payload: [message],
    source,
  });
}

/**
 * `chatCreated` with the chat's client fields only (never its replication fields); a
 * private chat says so and lists its members.
 */
export function chatCreatedFrame(chat: ChatRecord, source: number, ref?: string): string {
  const { lastMessageAt: _last, ...payload } = clientChat(chat);
  return encodeServerFrame({ type: ServerFrameType.chatCreated, payload, source, ref });
}

/** `chatRenamed` (an extension, to hello clients only): the chat's new name. */
export function chatRenamedFrame(chat: ChatRecord, source: number, ref?: string): string {
  const payload = { chatId: chat.chatId, name: chat.name };
  return encodeServerFrame({ type: ServerFrameType.chatRenamed, payload, source, ref });
}

/** `presence`: a name came online or went offline on a node. */
export function presenceFrame(event: PresenceEventPayload, source: number): string {
  return encodeServerFrame({ type: ServerFrameType.presence, payload: event, source });
}
