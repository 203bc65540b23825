/**
 * Rows of the SQLite store as the store's types and back: messages (with their
 * revision), chats, revisions, the identity. One mapping per shape, used by
 * every query.
 *
 * Invariant: a message leaves as the contract writes it: `editedAt` only while
 * edited and not deleted, `deleted: true` and "" once deleted; the edit stamp
 * (what replicas merge by) only on the replicated and stored forms.
 * @module
 */

import { encodeMessageId } from "../../common/message_id.ts";
import type { EditStamp, MessageRevision } from "../../common/message_revision.ts";
import type { ChatMessage } from "../../common/protocol.ts";
import type {
  ChatRecord,
  NodeIdentity,
  ReplicatedMessage,
  StoredMessage,
} from "./message_store.ts";

export const MESSAGE_COLUMNS =
  "node_id, seq, chat_id, sender, text, date_time, lc, client_msg_id, held, hidden, " +
  "edit_date_time, edit_lc, edit_node, deleted";

export interface MessageRow {
  node_id: number;
  seq: number;
  chat_id: number;
  sender: string;
  text: string;
  date_time: string;
  lc: number;
  client_msg_id: string | null;
  held: number;
  hidden: number;
  edit_date_time: string | null;
  edit_lc: number | null;
  edit_node: number | null;
  deleted: number;
}

export interface ChatRow {
  chat_id: number;
  name: string;
  last_message_at: string | null;
  named: number;
  created_at: string;
  created_lc: number;
  created_by: number;
  /** A private chat's members as a JSON array; null for a public chat. */
  members: string | null;
  creator: string | null;
  renamed_at: string | null;
  renamed_lc: number | null;
  renamed_by: number | null;
}

export interface RevisionRow {
  text: string;
  edit_date_time: string | null;
  edit_lc: number | null;
  edit_node: number | null;
  deleted: number;
}

export function editOf(row: RevisionRow): EditStamp | undefined {
  return row.edit_date_time === null
    ? undefined
    : { dateTime: row.edit_date_time, lc: row.edit_lc ?? 0, nodeId: row.edit_node ?? 0 };
}

export function toRevision(row: RevisionRow): MessageRevision {
  const revision: MessageRevision = { text: row.text, deleted: row.deleted === 1 };
  const edit = editOf(row);
  if (edit) revision.edit = edit;
  return revision;
}

/** The values of the insert statement (sqlite_message_statements.ts), in MESSAGE_COLUMNS order. */
export function messageRowValues(rowid: number, m: StoredMessage): Array<string | number | null> {
  const deleted = m.deleted === true;
  return [
    rowid,
    m.nodeId,
    m.seq,
    m.chatId,
    m.sender,
    deleted ? "" : m.text,
    m.dateTime,
    m.lc,
    m.clientMsgId ?? null,
    m.held ? 1 : 0,
    m.hidden ? 1 : 0,
    m.edit?.dateTime ?? null,
    m.edit?.lc ?? null,
    m.edit?.nodeId ?? null,
    deleted ? 1 : 0,
  ];
}

/** The client form. */
export function toWire(row: MessageRow): ChatMessage {
  const message: ChatMessage = {
    messageId: encodeMessageId(row.node_id, row.seq),
    nodeId: row.node_id,
    seq: row.seq,
    chatId: row.chat_id,
    text: row.text,
    sender: row.sender,
    dateTime: row.date_time,
    lc: row.lc,
  };
  if (row.client_msg_id !== null) message.clientMsgId = row.client_msg_id;
  if (row.deleted === 1) message.deleted = true;
  else if (row.edit_date_time !== null) message.editedAt = row.edit_date_time;
  return message;
}

/** The peer form: the client form plus the edit stamp. */
export function toReplicated(row: MessageRow): ReplicatedMessage {
  const message: ReplicatedMessage = toWire(row);
  const edit = editOf(row);
  if (edit) message.edit = edit;
  return message;
}

export function toStored(row: MessageRow): StoredMessage {
  return { ...toReplicated(row), held: row.held === 1, hidden: row.hidden === 1 };
}

export function toChat(row: ChatRow): ChatRecord {
  const chat: ChatRecord = {
    chatId: row.chat_id,
    name: row.name,
    named: row.named === 1,
    createdAt: row.created_at,
    createdLc: row.created_lc,
    createdBy: row.created_by,
  };
  if (row.last_message_at !== null) chat.lastMessageAt = row.last_message_at;
  if (row.members !== null) chat.members = JSON.parse(row.members) as string[];
  if (row.creator !== null) chat.creator = row.creator;
  if (row.renamed_at !== null && row.renamed_lc !== null && row.renamed_by !== null) {
    chat.renamed = { at: row.renamed_at, lc: row.renamed_lc, by: row.renamed_by };
  }
  return chat;
}

/** The values of the chat insert, in the statement's column order. */
export function chatRowValues(chat: ChatRecord): Array<string | number | null> {
  return [
    chat.chatId,
    chat.name,
    chat.lastMessageAt ?? null,
    chat.named ? 1 : 0,
    chat.createdAt,
    chat.createdLc,
    chat.createdBy,
    chat.creator ?? null,
    chat.renamed?.at ?? null,
    chat.renamed?.lc ?? null,
    chat.renamed?.by ?? null,
    chat.members ? JSON.stringify(chat.members) : null,
  ];
}

export interface IdentityRow {
  node_id: number;
  password: string;
  origin: string;
}

export function toIdentity(row: IdentityRow): NodeIdentity {
  return {
    nodeId: row.node_id,
    password: row.password,
    origin: row.origin === "discovery" ? "discovery" : "local",
  };
}
