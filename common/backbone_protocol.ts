/**
 * The NATS backbone's names and small frames (docs/BACKBONE.md): the subjects a
 * cluster uses under `dsatter.<tag>`, the JetStream stream that keeps its
 * messages and chats, the JetStream message id of a chat message, the
 * heartbeat ("beat") every node publishes, and the `--backbone` URL list.
 * Pure: names and validation only, no connection.
 *
 * Invariant: one (nodeId, seq) always maps to the same JetStream message id, so
 * a message published twice (a restart republishing) is stored once within the
 * stream's duplicate window; every name built here is a valid NATS subject
 * token sequence (no spaces, dots only between tokens).
 * @module
 */

import type { Parsed, VectorWire } from "./protocol.ts";
import { decodeVector } from "./version_vector.ts";

/** Every subject and name of one cluster on the backbone. */
export interface BackboneNames {
  /** The JetStream stream holding the cluster's messages and chat announcements. */
  stream: string;
  /** Stream subjects: one per origin node for messages, one per node for chats. */
  streamSubjects: string[];
  /** Where node `nodeId` publishes its committed messages (stream). */
  messages(nodeId: number): string;
  /** Where node `nodeId` announces the chats it creates (stream). */
  chats(nodeId: number): string;
  /** Core NATS: node `nodeId`'s heartbeat (vector, presence revision). */
  beat(nodeId: number): string;
  /** Core NATS: node `nodeId`'s full hello list, in one or more frames. */
  presence(nodeId: number): string;
  /** Core NATS: "node `nodeId`, publish your hello list again". */
  presenceWanted(nodeId: number): string;
  /** Core NATS request/reply: anti-entropy pages served by node `nodeId`. */
  sync(nodeId: number): string;
  /** Core NATS request/reply: pages of node `nodeId`'s chats. */
  chatPages(nodeId: number): string;
  /** Core NATS: node `nodeId`'s live section 7 frames (`peerUpdates`, `peerTyping`). */
  events(nodeId: number): string;
  /** Core NATS request/reply: update-log anti-entropy pages served by node `nodeId`. */
  updateSync(nodeId: number): string;
  /** Core NATS: token holders' names first seen on node `nodeId` (`peerNames`, live). */
  tokenNames(nodeId: number): string;
  /** Core NATS request/reply: pages of every token holder's name node `nodeId` knows. */
  tokenNamePages(nodeId: number): string;
  /** Wildcard for the subscription to every node's live section 7 frames. */
  allEvents: string;
  /** Wildcard for the subscription to every node's new token holders' names. */
  allTokenNames: string;
  /** Wildcards for the subscriptions to every node's beat and presence. */
  allBeats: string;
  allPresence: string;
  /** The prefix of every subject (`dsatter.<tag>.`). */
  prefix: string;
}

/** A cluster tag: lower-case letters and digits, 1..32 (it becomes a subject token). */
const TAG_PATTERN = /^[a-z0-9]{1,32}$/;

export function backboneNames(tag: string): BackboneNames {
  if (!TAG_PATTERN.test(tag)) {
    throw new TypeError(
      `Cannot name the backbone: tag ${JSON.stringify(tag)} is not [a-z0-9]{1,32}`,
    );
  }
  const prefix = `dsatter.${tag}.`;
  return {
    stream: `DSATTER_${tag.toUpperCase()}`,
    streamSubjects: [`${prefix}msg.*`, `${prefix}chat.*`],
    messages: (nodeId) => `${prefix}msg.${nodeId}`,
    chats: (nodeId) => `${prefix}chat.${nodeId}`,
    beat: (nodeId) => `${prefix}beat.${nodeId}`,
    presence: (nodeId) => `${prefix}presence.${nodeId}`,
    presenceWanted: (nodeId) => `${prefix}want.${nodeId}`,
    sync: (nodeId) => `${prefix}sync.${nodeId}`,
    chatPages: (nodeId) => `${prefix}chatpages.${nodeId}`,
    events: (nodeId) => `${prefix}events.${nodeId}`,
    updateSync: (nodeId) => `${prefix}updsync.${nodeId}`,
    tokenNames: (nodeId) => `${prefix}names.${nodeId}`,
    tokenNamePages: (nodeId) => `${prefix}namepages.${nodeId}`,
    allEvents: `${prefix}events.*`,
    allTokenNames: `${prefix}names.*`,
    allBeats: `${prefix}beat.*`,
    allPresence: `${prefix}presence.*`,
    prefix,
  };
}

/** What a subject of this cluster names: its kind (`msg`, `beat`, ...) and node id. */
export function parseSubject(
  names: BackboneNames,
  subject: string,
): { kind: string; nodeId: number } | null {
  if (!subject.startsWith(names.prefix)) return null;
  const match = /^([a-z]+)\.([0-9]{1,15})$/.exec(subject.slice(names.prefix.length));
  if (!match) return null;
  const nodeId = Number(match[2]);
  return Number.isSafeInteger(nodeId) && nodeId > 0 ? { kind: match[1], nodeId } : null;
}

/**
 * The JetStream message id (Nats-Msg-Id) of a batch of node nodeId's messages firstSeq to
 * lastSeq: `<nodeId>.<seq>` for one message (what a node published before batches),
 * `<nodeId>.<firstSeq>-<lastSeq>` for more. The same range always gets the same id (a
 * republished batch is stored once); another range a different one (never dropped as a
 * duplicate of a batch that lacks some of its messages).
 */
export function backboneBatchId(nodeId: number, firstSeq: number, lastSeq: number): string {
  return firstSeq === lastSeq ? `${nodeId}.${lastSeq}` : `${nodeId}.${firstSeq}-${lastSeq}`;
}

/** The JetStream message id of the single message (nodeId, seq). */
export function backboneMessageId(nodeId: number, seq: number): string {
  return backboneBatchId(nodeId, seq, seq);
}

/**
 * The origin and last seq (`seq`) of a JetStream message id, with the batch's first seq,
 * or null when it is not one of ours.
 */
export function parseBackboneMessageId(
  text: string | undefined,
): { nodeId: number; firstSeq: number; seq: number } | null {
  const match = /^([0-9]{1,15})\.(?:([0-9]{1,15})-)?([0-9]{1,15})$/.exec(text ?? "");
  if (!match) return null;
  const nodeId = Number(match[1]);
  const seq = Number(match[3]);
  const firstSeq = match[2] === undefined ? seq : Number(match[2]);
  return nodeId > 0 && firstSeq > 0 && firstSeq <= seq ? { nodeId, firstSeq, seq } : null;
}

/** A node's heartbeat on the backbone. */
export interface BeatPayload {
  nodeId: number;
  /** Its contiguous marks: who lacks what, without asking. */
  vector: VectorWire;
  /** Bumped on every change of its hello list; a different one means "ask for the list". */
  presenceRev: number;
  /** True on the last beat of a clean stop: drop its presence now, not at the timeout. */
  leaving: boolean;
}

export const BEAT_TYPE = "backboneBeat";

export function encodeBeat(beat: BeatPayload): string {
  return JSON.stringify({ type: BEAT_TYPE, payload: beat });
}

/** Parses one beat; never throws. */
export function parseBeat(text: string): Parsed<BeatPayload> {
  const fail = (message: string): Parsed<BeatPayload> => ({
    ok: false,
    error: { code: "bad_frame", message },
  });
  let frame: unknown;
  try {
    frame = JSON.parse(text);
  } catch {
    return fail("beat is not JSON");
  }
  const payload = (frame as { type?: unknown; payload?: Record<string, unknown> })?.payload;
  if (
    (frame as { type?: unknown })?.type !== BEAT_TYPE || typeof payload !== "object" || !payload
  ) {
    return fail("not a beat");
  }
  const { nodeId, vector, presenceRev, leaving } = payload;
  if (typeof nodeId !== "number" || !Number.isSafeInteger(nodeId) || nodeId < 1) {
    return fail("bad nodeId");
  }
  if (!decodeVector(vector)) return fail("bad vector");
  if (typeof presenceRev !== "number" || !Number.isSafeInteger(presenceRev) || presenceRev < 0) {
    return fail("bad presenceRev");
  }
  if (typeof leaving !== "boolean") return fail("bad leaving");
  return { ok: true, value: { nodeId, vector: vector as VectorWire, presenceRev, leaving } };
}

/** `--backbone nats://HOST:PORT[,...]` as a list of server URLs, or why not. */
export function parseBackboneUrls(text: string): { ok: true; value: string[] } | {
  ok: false;
  error: string;
} {
  const entries = text.split(",").map((entry) => entry.trim()).filter(Boolean);
  if (entries.length === 0) return { ok: false, error: "needs at least one nats://HOST:PORT" };
  for (const entry of entries) {
    let url: URL;
    try {
      url = new URL(entry);
    } catch {
      return { ok: false, error: `${entry} is not a nats://HOST:PORT URL` };
    }
    if (url.protocol !== "nats:" && url.protocol !== "tls:") {
      return { ok: false, error: `${entry} is not a nats:// (or tls://) URL` };
    }
    if (url.hostname === "" || (url.pathname !== "" && url.pathname !== "/")) {
      return { ok: false, error: `${entry} must be nats://HOST:PORT, without a path` };
    }
  }
  return { ok: true, value: entries };
}
