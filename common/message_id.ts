/**
 * The messageId codec: the decimal string of nodeId * 10^12 + seq, computed
 * exactly on decimal digits (the node id's digits, then seq on 12 digits), never
 * through floating point (the product passes 2^53 for node ids above ~9000).
 * The tests hold it against BigInt arithmetic. Digits beat BigInt on the hot path.
 *
 * Invariant: decodeMessageId(encodeMessageId(n, s)) is {nodeId: n, seq: s} for
 * every safe integer n >= 0 and 1 <= s < 10^12.
 * @module
 */

/** The largest seq that fits in a messageId. */
export const MAX_SEQ = 999_999_999_999;

export interface MessageKey {
  nodeId: number;
  seq: number;
}

/** Encodes a message identity; throws RangeError when it cannot be encoded exactly. */
export function encodeMessageId(nodeId: number, seq: number): string {
  if (!Number.isSafeInteger(nodeId) || nodeId < 0) {
    throw new RangeError(`Cannot encode messageId: nodeId ${nodeId} is not a safe integer >= 0`);
  }
  if (!Number.isSafeInteger(seq) || seq < 1 || seq > MAX_SEQ) {
    throw new RangeError(`Cannot encode messageId: seq ${seq} is outside 1..${MAX_SEQ}`);
  }
  // nodeId * 10^12 + seq with seq < 10^12: the node id's digits, then seq on 12 digits
  // (10^12 + seq is exact, under 2^53: its last 12 digits are seq zero-padded, without padStart).
  return nodeId === 0 ? String(seq) : String(nodeId) + String(1e12 + seq).slice(1);
}

/** Decodes a messageId; null when it is not one (not digits, seq 0, node id past safe range). */
export function decodeMessageId(messageId: string): MessageKey | null {
  if (typeof messageId !== "string" || !/^[0-9]{1,40}$/.test(messageId)) return null;
  let start = 0;
  while (start < messageId.length - 1 && messageId.charCodeAt(start) === 48) start++;
  const digits = messageId.slice(start);
  const split = Math.max(0, digits.length - 12);
  const seq = Number(digits.slice(split));
  const nodeId = split === 0 ? 0 : Number(digits.slice(0, split));
  if (seq === 0 || split > 16 || !Number.isSafeInteger(nodeId)) return null;
  return { nodeId, seq };
}
