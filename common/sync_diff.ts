/**
 * Anti-entropy paging: given what a requester holds (its contiguous vector) and
 * what this node holds, the next bounded page of messages the requester lacks.
 * Pure: the store read is injected.
 *
 * Invariant: per origin, a page holds a contiguous run that starts right after
 * the requester's mark and never passes this node's own contiguous mark, so the
 * requester can make every message of it visible at once (no gap is ever
 * created by a page); `more` is true whenever something was left out.
 * @module
 */

import type { ChatMessage } from "./protocol.ts";
import { messageJson } from "./message_json.ts";
import { PEER_FRAME_MAX_BYTES, utf8ByteLength } from "./peer_protocol.ts";
import { missingRanges, type VersionVector } from "./version_vector.ts";

/** What a page holds: messages, or anything else numbered per origin from 1 (updates). */
export interface SyncItem {
  nodeId: number;
  seq: number;
}

export interface SyncPageOptions<T extends SyncItem = ChatMessage> {
  /** This node's contiguous marks. */
  responderVector: VersionVector;
  /** The requester's contiguous marks. */
  requesterVector: VersionVector;
  /** Items of one origin after afterSeq, in seq order, at most limit. */
  readAfter: (originNodeId: number, afterSeq: number, limit: number) => T[];
  /** One item's JSON (its size bounds the page). @default messageJson */
  encodeItem?: (item: T) => string;
  /** Bytes of message JSON per page. @default PEER_FRAME_MAX_BYTES - 1024 */
  maxBytes?: number;
  /** Messages per page. @default 5000 */
  maxMessages?: number;
  /** Origins the requester asked to leave out for now. @default none */
  skipOrigins?: ReadonlySet<number>;
}

export interface SyncPage<T extends SyncItem = ChatMessage> {
  messages: T[];
  /** True when the requester still lacks something after this page. */
  more: boolean;
}

const READ_BATCH = 1024;
/** Messages on a page before their average size says how many more will fit. */
const SIZED_AFTER = 64;

/**
 * How many to read next: a batch, or, once the page's average message size is known, about
 * what still fits (a read past the page's end is work thrown away). At least one.
 */
function readLimit(count: number, bytes: number, maxBytes: number, maxMessages: number): number {
  let limit = Math.min(READ_BATCH, maxMessages - count + 1);
  if (count >= SIZED_AFTER) {
    limit = Math.min(limit, Math.ceil((maxBytes - bytes) * count / bytes) + 16);
  }
  return Math.max(1, limit);
}

/** The next page; origins in node-id order, each in seq order. */
export function buildSyncPage<T extends SyncItem = ChatMessage>(
  options: SyncPageOptions<T>,
): SyncPage<T> {
  const { responderVector, requesterVector, readAfter } = options;
  const maxBytes = options.maxBytes ?? PEER_FRAME_MAX_BYTES - 1024;
  const maxMessages = options.maxMessages ?? 5000;
  if (!(maxBytes > 0) || !(maxMessages > 0)) {
    throw new RangeError("Cannot build a sync page: maxBytes and maxMessages must be > 0");
  }
  const encodeItem = options.encodeItem ?? (messageJson as unknown as (item: T) => string);
  const messages: T[] = [];
  let bytes = 0;
  for (const range of missingRanges(requesterVector, responderVector)) {
    if (options.skipOrigins?.has(range.nodeId)) continue;
    let after = range.fromSeq - 1;
    while (after < range.toSeq) {
      const limit = readLimit(messages.length, bytes, maxBytes, maxMessages);
      const batch = readAfter(range.nodeId, after, Math.min(limit, range.toSeq - after));
      if (batch.length === 0) break;
      for (const message of batch) {
        if (message.seq !== after + 1 || message.seq > range.toSeq) {
          after = range.toSeq; // a hole below our own mark: never pass it
          break;
        }
        const size = utf8ByteLength(encodeItem(message)) + 1;
        if (messages.length > 0 && (bytes + size > maxBytes || messages.length >= maxMessages)) {
          return { messages, more: true };
        }
        messages.push(message);
        bytes += size;
        after = message.seq;
      }
    }
  }
  return { messages, more: false };
}

/** Per origin, the highest seq in a page (pages hold contiguous runs from the requester's marks). */
export function pageEnds(messages: SyncItem[]): VersionVector {
  const ends: VersionVector = new Map();
  for (const m of messages) if (m.seq > (ends.get(m.nodeId) ?? 0)) ends.set(m.nodeId, m.seq);
  return ends;
}
