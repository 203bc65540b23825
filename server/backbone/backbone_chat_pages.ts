/**
 * Chats between backbone nodes beyond the stream's announcements: a node
 * answers `chatpages.<nodeId>` requests with one page of its chats after a
 * chat id, and a node pulls a peer's whole list page by page (a node that was
 * away longer than the stream keeps, or a wiped stream, still learns every
 * chat's name). Names are settled by the core (`acceptRemoteChats`).
 *
 * Invariant: a page is one frame under PEER_FRAME_MAX_BYTES; a pull ends on an
 * empty page, and after at most MAX_PAGES pages whatever the peer says.
 * @module
 */

import type { JetStreamClient } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/transport-node";
import type { BackboneNames } from "../../common/backbone_protocol.ts";
import type { Logger } from "../../common/logger.ts";
import { encodeListFrames, type PeerChat, PeerFrameType } from "../../common/peer_protocol.ts";
import type { ReplicaNode } from "../replication/replicator.ts";
import { type BackboneAuth, signedHeaders } from "./backbone_auth.ts";
import { requestFrame } from "./backbone_messages.ts";

const MAX_PAGES = 10_000;

/** The reply to a page request `{"afterChatId": n}` (undefined for a bad request). */
export function chatPageReply(
  node: Pick<ReplicaNode, "chats">,
  requestText: string,
): string | undefined {
  let afterChatId: unknown;
  try {
    afterChatId = (JSON.parse(requestText) as { afterChatId?: unknown })?.afterChatId;
  } catch {
    return undefined;
  }
  if (typeof afterChatId !== "number" || !Number.isSafeInteger(afterChatId)) return undefined;
  const chats = node.chats().filter((chat) => chat.chatId > afterChatId)
    .sort((a, b) => a.chatId - b.chatId);
  const [first] = encodeListFrames(PeerFrameType.chats, "chats", chats.map(wireChat));
  return first;
}

export interface PullChatsOptions {
  nc: NatsConnection;
  auth: BackboneAuth;
  /** The peer's `chatpages.<nodeId>` subject. */
  subject: string;
  node: Pick<ReplicaNode, "acceptRemoteChats">;
  timeoutMs: number;
}

/** Pulls every chat a peer knows, page by page, into the core. */
export async function pullChats(options: PullChatsOptions): Promise<number> {
  const { nc, auth, subject, node, timeoutMs } = options;
  let afterChatId = -1;
  let total = 0;
  for (let page = 0; page < MAX_PAGES; page++) {
    const payload = JSON.stringify({ afterChatId });
    const frame = await requestFrame(nc, auth, { subject, payload, timeoutMs });
    if (frame.type !== PeerFrameType.chats) {
      throw new Error("Cannot pull chats: the reply is not a chat page");
    }
    const chats = frame.payload.chats.filter((chat) => chat.chatId > afterChatId);
    if (chats.length === 0) break;
    await node.acceptRemoteChats(chats);
    total += chats.length;
    afterChatId = Math.max(...chats.map((chat) => chat.chatId));
  }
  return total;
}

/**
 * A chat as it replicates (the client fields plus what settles a name conflict, and a
 * private chat's members, section 6).
 */
function wireChat(chat: PeerChat): PeerChat {
  const { chatId, name, lastMessageAt, named, createdAt, createdLc, createdBy, members } = chat;
  const wire: PeerChat = { chatId, name, lastMessageAt, named, createdAt, createdLc, createdBy };
  if (members !== undefined) wire.members = members;
  return wire;
}

export interface PublishChatOptions {
  js: JetStreamClient;
  names: BackboneNames;
  auth: BackboneAuth;
  nodeId: number;
  chat: PeerChat;
  log: Logger;
}

/** Announces a chat created here on the stream (a lost announcement is healed by pulls). */
export function publishChat(options: PublishChatOptions): void {
  const { js, names, auth, nodeId, chat, log } = options;
  const subject = names.chats(nodeId);
  const [payload] = encodeListFrames(PeerFrameType.chats, "chats", [wireChat(chat)]);
  js.publish(subject, payload, { headers: signedHeaders(auth, subject, payload) })
    .catch((error) =>
      log.warn("Cannot announce chat on the backbone", {
        chatId: chat.chatId,
        error: String(error),
      })
    );
}
