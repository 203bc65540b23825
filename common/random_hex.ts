/**
 * Random tokens and hex text: generated secrets, node passwords, nonces, temporary
 * file names. WebCrypto's CSPRNG (crypto.getRandomValues) in every runtime.
 *
 * Invariant: randomHex(n) is exactly 2n lowercase hex digits from n random bytes.
 * @module
 */

/** Bytes as lowercase hex, two digits each. */
export function bytesToHex(bytes: Uint8Array): string {
  let hex = "";
  for (const byte of bytes) hex += byte.toString(16).padStart(2, "0");
  return hex;
}

/** `bytes` random bytes as 2 * bytes hex digits. */
export function randomHex(bytes: number): string {
  return bytesToHex(crypto.getRandomValues(new Uint8Array(bytes)));
}
