/**
 * Peer authentication at `/peer`: the dialler proves it holds the cluster secret
 * with an HMAC-SHA256 over (node id, timestamp, nonce), sent in one header before
 * the WebSocket upgrade; the accepting node answers with its own HMAC over the
 * dialler's nonce in its first frame, so both sides know the other holds the secret.
 * WebCrypto only (`crypto.subtle`), so it runs unchanged in both runtimes.
 *
 * Invariant: a proof is accepted at most once (its nonce is remembered for as long
 * as its timestamp is inside the window), and only within `maxSkewMs` of now; the
 * secret never appears in a header, a frame or a log.
 * @module
 */

import { bytesToHex, randomHex } from "./random_hex.ts";

/** The request header that carries the dialler's proof. */
export const PEER_AUTH_HEADER = "x-dsatter-peer-auth";

const VERSION = "v1";
const encoder = new TextEncoder();

export interface PeerAuthOptions {
  /** How far a proof's timestamp may be from now, either way. @default 30_000 */
  maxSkewMs?: number;
  /** How many nonces the replay guard remembers at most. @default 100_000 */
  maxRememberedNonces?: number;
}

/** A verified dialler. */
export type PeerProofCheck =
  | { ok: true; nodeId: number; nonce: string }
  | { ok: false; reason: string };

export interface PeerAuth {
  /** The header value a dialler with this id sends at `nowMs`. */
  signDial(nodeId: number, nowMs: number, nonce?: string): Promise<string>;
  /** Checks a header value; each proof passes once. */
  verifyDial(header: string | null, nowMs: number): Promise<PeerProofCheck>;
  /** The accepting node's answer to a dialler's nonce. */
  signAccept(nodeId: number, nonce: string): Promise<string>;
  /** Checks the accepting node's answer. */
  verifyAccept(nodeId: number, nonce: string, proof: unknown): Promise<boolean>;
}

/** Builds the signer/verifier for one cluster secret. */
export function createPeerAuth(secret: string, options: PeerAuthOptions = {}): PeerAuth {
  const { maxSkewMs = 30_000, maxRememberedNonces = 100_000 } = options;
  if (typeof secret !== "string" || secret.length === 0) {
    throw new TypeError("Cannot create peer auth: the cluster secret is empty");
  }
  const keyPromise = crypto.subtle.importKey(
    "raw",
    encoder.encode(secret),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign", "verify"],
  );
  /** nonce -> the time after which its proof is stale anyway and may be forgotten. */
  const seenNonces = new Map<string, number>();

  async function hmacHex(text: string): Promise<string> {
    const signature = await crypto.subtle.sign("HMAC", await keyPromise, encoder.encode(text));
    return bytesToHex(new Uint8Array(signature));
  }

  async function hmacMatches(text: string, hex: string): Promise<boolean> {
    const bytes = fromHex(hex);
    if (!bytes || bytes.length !== 32) return false;
    return await crypto.subtle.verify("HMAC", await keyPromise, bytes, encoder.encode(text));
  }

  function forgetStale(nowMs: number): void {
    for (const [nonce, forgetAtMs] of seenNonces) {
      if (forgetAtMs > nowMs && seenNonces.size < maxRememberedNonces) break;
      seenNonces.delete(nonce);
    }
  }

  return {
    async signDial(nodeId, nowMs, nonce = randomNonce()) {
      const body = `${VERSION}.${nodeId}.${Math.floor(nowMs)}.${nonce}`;
      return `${body}.${await hmacHex(`dial.${body}`)}`;
    },

    async verifyDial(header, nowMs) {
      if (!header) return { ok: false, reason: "no proof" };
      const parts = header.split(".");
      if (parts.length !== 5 || parts[0] !== VERSION) {
        return { ok: false, reason: "malformed proof" };
      }
      const [, idText, timeText, nonce, signature] = parts;
      if (!/^[1-9][0-9]{0,15}$/.test(idText) || !/^[0-9]{1,16}$/.test(timeText)) {
        return { ok: false, reason: "malformed proof" };
      }
      if (!/^[0-9a-f]{16,64}$/.test(nonce)) return { ok: false, reason: "malformed nonce" };
      const nodeId = Number(idText);
      const timestampMs = Number(timeText);
      if (!Number.isSafeInteger(nodeId)) return { ok: false, reason: "malformed proof" };
      if (Math.abs(nowMs - timestampMs) > maxSkewMs) return { ok: false, reason: "stale proof" };
      const body = `${VERSION}.${idText}.${timeText}.${nonce}`;
      if (!(await hmacMatches(`dial.${body}`, signature))) {
        return { ok: false, reason: "wrong proof" };
      }
      forgetStale(nowMs);
      if (seenNonces.has(nonce)) return { ok: false, reason: "replayed proof" };
      seenNonces.set(nonce, timestampMs + maxSkewMs);
      return { ok: true, nodeId, nonce };
    },

    async signAccept(nodeId, nonce) {
      return await hmacHex(`accept.${VERSION}.${nodeId}.${nonce}`);
    },

    async verifyAccept(nodeId, nonce, proof) {
      if (typeof proof !== "string") return false;
      return await hmacMatches(`accept.${VERSION}.${nodeId}.${nonce}`, proof);
    },
  };
}

/** 128 random bits as hex. */
export function randomNonce(): string {
  return randomHex(16);
}

function fromHex(hex: string): Uint8Array<ArrayBuffer> | null {
  if (!/^(?:[0-9a-f]{2})*$/.test(hex)) return null;
  const bytes = new Uint8Array(new ArrayBuffer(hex.length / 2));
  for (let i = 0; i < bytes.length; i++) bytes[i] = parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return bytes;
}
