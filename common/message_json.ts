/**
 * One JSON encoding per message object, shared by every use of it: the client
 * frame (all local subscribers, through one publish), the peer fan-out batch,
 * and a sync page's size check and encoding. Runtime-neutral (a WeakMap).
 *
 * Invariant: messageJson(m) === JSON.stringify(m) for a message not mutated
 * since its first encoding (messages are never mutated once built).
 * @module
 */
import type { ChatMessage } from "./protocol.ts";

const encoded = new WeakMap<ChatMessage, string>();

export function messageJson(message: ChatMessage): string {
  let json = encoded.get(message);
  if (json === undefined) {
    json = JSON.stringify(message);
    encoded.set(message, json);
  }
  return json;
}
