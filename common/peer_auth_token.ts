/**
 * Peer authentication at `/peer`: the dialler proves it holds the cluster secret
 * with an HMAC-SHA256 over (its node id, the node id it dials, timestamp, nonce),
 * sent in one header before the WebSocket upgrade; the accepting node answers
 * with its own HMAC over the dialler's nonce in its first frame, so both sides
 * know the other holds the secret. Naming the target means a proof seen on the
 * way from A to B (a sniffed header) opens no link to C, even within its window.
 * WebCrypto only (`crypto.subtle`), so it runs unchanged in both runtimes.
 *
 * Invariant: a proof is accepted only by the node it names, only within
 * `maxSkewMs` of its timestamp, and at most once: its nonce is remembered until
 * the window is over (strictly after it, forgotten); when the memory bound is
 * reached by nonces still inside their window, new proofs are refused rather
 * than a remembered one forgotten early. The secret never appears in a header,
 * a frame or a log.
 * @module
 */

import { bytesToHex, randomHex } from "./random_hex.ts";

/** The request header that carries the dialler's proof. */
export const PEER_AUTH_HEADER = "x-dsatter-peer-auth";

/** v2 names the target node; v1 (no target) is refused. */
const VERSION = "v2";
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
  | { ok: false; reason: PeerProofRefusal };

/** Why a dial proof was refused (also the label of the refusal metric). */
export type PeerProofRefusal =
  | "no proof"
  | "malformed proof"
  | "malformed nonce"
  | "old proof version"
  | "stale proof"
  | "wrong proof"
  | "proof for another node"
  | "replayed proof"
  | "too many proofs";

export interface PeerDial {
  /** The dialling node. */
  nodeId: number;
  /** The node it dials (the proof opens a link to this node only). */
  targetNodeId: number;
  nowMs: number;
  /** @default a fresh random nonce */
  nonce?: string;
}

export interface PeerAuth {
  /** The header value a dialler sends. */
  signDial(dial: PeerDial): Promise<string>;
  /** Checks a header value at the node `ownNodeId`; each proof passes once. */
  verifyDial(header: string | null, ownNodeId: number, nowMs: number): Promise<PeerProofCheck>;
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

  /**
   * Forgets nonces whose window is over (strictly: a proof stamped t passes until
   * t + maxSkewMs inclusive). Insertion order is roughly time order, so the scan stops
   * at the first live nonce unless the memory is full.
   */
  function forgetStale(nowMs: number): void {
    const full = seenNonces.size >= maxRememberedNonces;
    for (const [nonce, lastValidMs] of seenNonces) {
      if (lastValidMs >= nowMs) {
        if (full) continue;
        break;
      }
      seenNonces.delete(nonce);
    }
  }

  return {
    async signDial({ nodeId, targetNodeId, nowMs, nonce = randomNonce() }) {
      const body = `${VERSION}.${nodeId}.${targetNodeId}.${Math.floor(nowMs)}.${nonce}`;
      return `${body}.${await hmacHex(`dial.${body}`)}`;
    },

    async verifyDial(header, ownNodeId, nowMs) {
      const proof = parseDialProof(header);
      if ("reason" in proof) return { ok: false, reason: proof.reason };
      const { nodeId, targetNodeId, timestampMs, nonce } = proof;
      if (Math.abs(nowMs - timestampMs) > maxSkewMs) return { ok: false, reason: "stale proof" };
      if (!(await hmacMatches(`dial.${proof.body}`, proof.signature))) {
        return { ok: false, reason: "wrong proof" };
      }
      if (targetNodeId !== ownNodeId) return { ok: false, reason: "proof for another node" };
      forgetStale(nowMs);
      if (seenNonces.has(nonce)) return { ok: false, reason: "replayed proof" };
      if (seenNonces.size >= maxRememberedNonces) return { ok: false, reason: "too many proofs" };
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

/** A dial proof's fields, read (not checked against any key yet). */
interface DialProof {
  nodeId: number;
  targetNodeId: number;
  timestampMs: number;
  nonce: string;
  /** What the HMAC covers, after "dial.". */
  body: string;
  signature: string;
}

const NODE_ID_TEXT = /^[1-9][0-9]{0,15}$/;

/** The fields of a `v2.<nodeId>.<targetNodeId>.<unixMs>.<nonce>.<hmac>` header, or why not. */
function parseDialProof(header: string | null): DialProof | { reason: PeerProofRefusal } {
  if (!header) return { reason: "no proof" };
  const parts = header.split(".");
  if (parts[0] === "v1") return { reason: "old proof version" };
  if (parts.length !== 6 || parts[0] !== VERSION) return { reason: "malformed proof" };
  const [, idText, targetText, timeText, nonce, signature] = parts;
  if (
    !NODE_ID_TEXT.test(idText) || !NODE_ID_TEXT.test(targetText) ||
    !/^[0-9]{1,16}$/.test(timeText)
  ) {
    return { reason: "malformed proof" };
  }
  if (!/^[0-9a-f]{16,64}$/.test(nonce)) return { reason: "malformed nonce" };
  const nodeId = Number(idText);
  if (!Number.isSafeInteger(nodeId)) return { reason: "malformed proof" };
  return {
    nodeId,
    targetNodeId: Number(targetText),
    timestampMs: Number(timeText),
    nonce,
    body: `${VERSION}.${idText}.${targetText}.${timeText}.${nonce}`,
    signature,
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
