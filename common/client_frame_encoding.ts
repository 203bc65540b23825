/**
 * Encoding of the frames a client sends a node, typed by the `ClientFrame`
 * union of protocol.ts: the clients build frames only through it, and the node
 * reads them with parseClientFrame() (client_frame_validation.ts), so both
 * directions of the protocol are checked by the compiler.
 *
 * Invariant: the text is one JSON object `{"type","payload","ref"?}` that
 * parseClientFrame() accepts whenever the payload is within the contract's limits.
 * @module
 */

import type { ClientFrame } from "./protocol.ts";

export function encodeClientFrame(frame: ClientFrame): string {
  const { type, payload, ref } = frame;
  return JSON.stringify(ref === undefined ? { type, payload } : { type, payload, ref });
}
