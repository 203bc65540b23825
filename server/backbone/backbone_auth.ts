/**
 * Proof of cluster membership on the backbone, the counterpart of the mesh's
 * dial proof: every message a node puts on NATS carries
 * `Dsatter-Auth: v1.<unixMs>.<hmac>` where hmac = HMAC-SHA256 over
 * (kind, subject, unixMs, payload) keyed with a key derived from the cluster
 * secret. A receiver drops anything without a valid proof, so a client of the
 * same NATS server that lacks the secret cannot inject messages, chats,
 * presence or sync pages. The cluster tag (the subjects' second token) is
 * derived from the secret too: two clusters on one NATS never share a subject.
 *
 * Invariant: the secret never travels and is never logged; core-NATS frames
 * (beats, presence, sync) older or newer than the window are refused (a
 * recorded one cannot be replayed later); stream messages are checked without
 * the window (the stream keeps them for days and they are idempotent).
 * @module
 */

import { createHmac, timingSafeEqual } from "node:crypto";
import { headers, type MsgHdrs } from "@nats-io/transport-node";

export const BACKBONE_AUTH_HEADER = "Dsatter-Auth";

/** Core frames whose stamp is further than this from our clock are refused. */
export const CORE_FRAME_WINDOW_MS = 60_000;

export interface BackboneAuth {
  /** The cluster's subject tag: 12 hex characters derived from the secret. */
  readonly tag: string;
  /** The header value proving `payload` on `subject` comes from a cluster member. */
  sign(subject: string, payload: string | Uint8Array): string;
  /** True when `proof` is valid for (subject, payload); `windowed` also checks its age. */
  verify(
    subject: string,
    payload: string | Uint8Array,
    proof: string | undefined,
    windowed: boolean,
  ): boolean;
}

export function createBackboneAuth(secret: string, nowMs: () => number = Date.now): BackboneAuth {
  if (secret.length === 0) throw new TypeError("Cannot sign backbone messages: empty secret");
  const derive = (label: string) => createHmac("sha256", secret).update(label).digest();
  const key = derive("dsatter.backbone.key.v1");
  const tag = derive("dsatter.backbone.tag.v1").toString("hex").slice(0, 12);

  function mac(subject: string, stampMs: number, payload: string | Uint8Array): Buffer {
    return createHmac("sha256", key).update(`${subject}\n${stampMs}\n`).update(payload).digest();
  }

  return {
    tag,
    sign(subject, payload) {
      const stampMs = nowMs();
      return `v1.${stampMs}.${mac(subject, stampMs, payload).toString("base64url")}`;
    },
    verify(subject, payload, proof, windowed) {
      const match = /^v1\.([0-9]{1,16})\.([A-Za-z0-9_-]{43})$/.exec(proof ?? "");
      if (!match) return false;
      const stampMs = Number(match[1]);
      if (windowed && Math.abs(nowMs() - stampMs) > CORE_FRAME_WINDOW_MS) return false;
      const expected = mac(subject, stampMs, payload);
      const given = Buffer.from(match[2], "base64url");
      return given.length === expected.length && timingSafeEqual(given, expected);
    },
  };
}

/** NATS headers carrying the proof for (subject, payload), plus any extra ones. */
export function signedHeaders(
  auth: BackboneAuth,
  subject: string,
  payload: string,
  extra: Record<string, string> = {},
): MsgHdrs {
  const hdrs = headers();
  hdrs.set(BACKBONE_AUTH_HEADER, auth.sign(subject, payload));
  for (const [name, value] of Object.entries(extra)) hdrs.set(name, value);
  return hdrs;
}

/** The subject a reply's proof is made for: replies go to inboxes, so the request's subject. */
export function replySubject(requestSubject: string): string {
  return `${requestSubject}#reply`;
}
