/**
 * The UTF-8 length of a string without encoding it: what bounds every peer
 * frame and sync page (the node's WebSocket payload limit counts bytes).
 *
 * Invariant: utf8ByteLength(s) === new TextEncoder().encode(s).length for every
 * well-formed string (a lone surrogate counts 3 bytes, as its replacement does).
 * @module
 */

// deno-lint-ignore no-control-regex -- every ASCII code, control characters included
const ASCII_ONLY = /^[\x00-\x7f]*$/;

/** UTF-8 length of a string, without allocating. */
export function utf8ByteLength(text: string): number {
  // Nearly every frame is ASCII: one native scan instead of a loop over characters.
  if (ASCII_ONLY.test(text)) return text.length;
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) bytes += 1;
    else if (c < 0x800) bytes += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
      bytes += 4;
      i++;
    } else bytes += 3;
  }
  return bytes;
}
