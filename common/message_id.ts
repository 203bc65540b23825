/**
 * The messageId codec: the decimal string of nodeId * 10^12 + seq, computed
 * exactly with BigInt (the product passes 2^53 for node ids above ~9000).
 *
 * Invariant: decodeMessageId(encodeMessageId(n, s)) is {nodeId: n, seq: s} for
 * every safe integer n >= 0 and 1 <= s < 10^12.
 * @module
 */

const SEQ_SPAN = 1_000_000_000_000n;
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
  return (BigInt(nodeId) * SEQ_SPAN + BigInt(seq)).toString();
}

/** Decodes a messageId; null when it is not one (not digits, seq 0, node id past safe range). */
export function decodeMessageId(messageId: string): MessageKey | null {
  if (typeof messageId !== "string" || !/^[0-9]{1,40}$/.test(messageId)) return null;
  const value = BigInt(messageId);
  const nodeId = value / SEQ_SPAN;
  const seq = value % SEQ_SPAN;
  if (seq === 0n || nodeId > BigInt(Number.MAX_SAFE_INTEGER)) return null;
  return { nodeId: Number(nodeId), seq: Number(seq) };
}
