/**
 * Signed core-NATS messages between backbone nodes: the steps every backbone
 * part takes with them, in one place. A message goes out with its proof
 * (backbone_auth.ts); a received one counts only with a valid, fresh proof for
 * its subject and payload, and a live frame only from another node of this
 * cluster; a request's reply only with the replier's proof (made for the
 * request's subject, since replies go to inboxes).
 *
 * Invariant: nothing unsigned, stale or foreign is ever parsed: the proof is
 * checked before the payload is read.
 * @module
 */

import type { Msg, NatsConnection } from "@nats-io/transport-node";
import { type BackboneNames, parseSubject } from "../../common/backbone_protocol.ts";
import type { Logger } from "../../common/logger.ts";
import { parsePeerFrame, type PeerFrame } from "../../common/peer_protocol.ts";
import {
  BACKBONE_AUTH_HEADER,
  type BackboneAuth,
  replySubject,
  signedHeaders,
} from "./backbone_auth.ts";

/** What a backbone part that speaks with the live peers takes (events, token names). */
export interface LivePeersPartOptions {
  nc: NatsConnection;
  names: BackboneNames;
  auth: BackboneAuth;
  log: Logger;
  /** The peers heard lately (BackbonePeers). */
  livePeers: () => number[];
  /** The sync round's period. @default 3000 */
  syncIntervalMs?: number;
}

/** The part of a received NATS message a check reads. */
export interface ReceivedMessage {
  subject: string;
  data: Uint8Array;
  headers?: { get(name: string): string };
  string(): string;
}

/** True when msg carries a valid proof, within the core window, for its subject and payload. */
export function isSigned(auth: BackboneAuth, msg: ReceivedMessage): boolean {
  return auth.verify(msg.subject, msg.data, msg.headers?.get(BACKBONE_AUTH_HEADER), true);
}

/**
 * Publishes payload on subject with its proof (and extra headers); false when the
 * connection cannot take it now (closed or disconnected: the caller's catch-up heals it).
 */
export function publishSigned(
  nc: NatsConnection,
  auth: BackboneAuth,
  message: { subject: string; payload: string; extra?: Record<string, string> },
): boolean {
  const { subject, payload, extra } = message;
  if (nc.isClosed()) return false;
  try {
    nc.publish(subject, payload, { headers: signedHeaders(auth, subject, payload, extra) });
    return true;
  } catch {
    return false;
  }
}

/**
 * A live frame from another node of this cluster: its origin and the parsed frame; null
 * for this node's own, a foreign subject, a missing or stale proof, or a malformed frame.
 */
export function receivedFrame(
  msg: ReceivedMessage,
  from: { names: BackboneNames; auth: BackboneAuth; selfId: number },
): { origin: number; frame: PeerFrame } | null {
  const origin = parseSubject(from.names, msg.subject);
  if (!origin || origin.nodeId === from.selfId || !isSigned(from.auth, msg)) return null;
  const frame = parsePeerFrame(msg.string());
  return frame.ok ? { origin: origin.nodeId, frame: frame.value } : null;
}

/**
 * Sends a signed request and resolves with the reply's frame; rejects on a timeout, a
 * reply without the replier's proof, or one that is not a peer frame.
 */
export async function requestFrame(
  nc: NatsConnection,
  auth: BackboneAuth,
  request: { subject: string; payload: string; timeoutMs: number },
): Promise<PeerFrame> {
  const { subject, payload, timeoutMs } = request;
  const reply = await nc.request(subject, payload, {
    timeout: timeoutMs,
    headers: signedHeaders(auth, subject, payload),
  });
  const proof = reply.headers?.get(BACKBONE_AUTH_HEADER);
  if (!auth.verify(replySubject(subject), reply.data, proof, true)) {
    throw new Error(`Cannot use the reply on ${subject}: it has no valid cluster proof`);
  }
  const frame = parsePeerFrame(reply.string());
  if (!frame.ok) throw new Error(`Cannot use the reply on ${subject}: ${frame.error.message}`);
  return frame.value;
}

/** Answers a request with payload and the proof for the request's subject (none: no answer). */
export function respondSigned(auth: BackboneAuth, msg: Msg, payload: string | undefined): void {
  if (payload === undefined || !msg.reply) return;
  msg.respond(payload, { headers: signedHeaders(auth, replySubject(msg.subject), payload) });
}
