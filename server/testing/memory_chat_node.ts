/**
 * A ChatNode on a memory store with its own metrics registry and a publisher
 * that drops everything: the node unit tests of core and mesh build on it.
 *
 * Invariant: every call makes a fresh node; nothing is shared between tests.
 * @module
 */

import { ChatNode, type ChatNodeOptions } from "../core/chat_node.ts";
import { MetricsRegistry, registerNodeMetrics } from "../observability/metrics_registry.ts";
import { MemoryMessageStore } from "../store/memory_message_store.ts";

/** A fresh memory node; `options` override the defaults (a clock, a publisher...). */
export function memoryChatNode(
  nodeId: number,
  options: Partial<ChatNodeOptions> = {},
): { node: ChatNode; registry: MetricsRegistry } {
  const registry = new MetricsRegistry();
  const node = new ChatNode({
    store: new MemoryMessageStore(),
    nodeId,
    metrics: registerNodeMetrics(registry),
    publisher: { publish: () => {} },
    ...options,
  });
  return { node, registry };
}
