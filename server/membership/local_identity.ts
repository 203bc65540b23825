/**
 * The node's identity when it does not come from discovery (--standalone,
 * --peers, or until the membership is wired): made once, kept in the node DB,
 * the same on every restart.
 *
 * Invariant: a store that has an identity keeps it; a new local id is in
 * 1,000,000..8,999,999 (away from discovery's small sequential ids).
 * @module
 */

import type { MessageStore, NodeIdentity } from "../store/message_store.ts";

export const LOCAL_NODE_ID_MIN = 1_000_000;
export const LOCAL_NODE_ID_MAX = 8_999_999;

/** The stored identity, or a new local one saved now. */
export function loadOrCreateLocalIdentity(
  store: MessageStore,
  random: () => number = Math.random,
): NodeIdentity {
  const existing = store.loadIdentity();
  if (existing) return existing;
  const nodeId = LOCAL_NODE_ID_MIN +
    Math.floor(random() * (LOCAL_NODE_ID_MAX - LOCAL_NODE_ID_MIN + 1));
  const identity: NodeIdentity = { nodeId, password: "", origin: "local" };
  store.transaction(() => store.saveIdentity(identity));
  return identity;
}
