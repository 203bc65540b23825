/**
 * Discovery's Prometheus metrics (GET /metrics), on the registry the node uses
 * too (common/metrics_registry.ts): requests by status, registrations,
 * heartbeats, membership events by kind, live nodes, and the build.
 *
 * Invariant: the live-node gauge is read from the registry at render time, so
 * it never drifts from what `GET /api/nodes/active` answers.
 * @module
 */

import type { BuildInfo } from "../common/build_info.ts";
import { MetricsRegistry } from "../common/metrics_registry.ts";

export function registerDiscoveryMetrics(registry: MetricsRegistry, build?: BuildInfo) {
  if (build) {
    registry.info("dsatter_build_info", "The running version and runtime (always 1)", {
      version: build.version,
      runtime: build.runtime,
    });
  }
  return {
    requests: registry.labelledCounter(
      "dsatter_discovery_requests_total",
      "HTTP requests answered, by status code",
      "status",
    ),
    registrations: registry.counter(
      "dsatter_discovery_registrations_total",
      "Node ids handed out",
    ),
    heartbeats: registry.counter(
      "dsatter_discovery_heartbeats_total",
      "Logins and heartbeats accepted",
    ),
    events: registry.labelledCounter(
      "dsatter_discovery_membership_events_total",
      "Membership changes, by kind (joined, left, expired)",
      "kind",
    ),
    activeNodes: registry.gauge("dsatter_discovery_active_nodes", "Nodes in the active list"),
  };
}

export type DiscoveryMetrics = ReturnType<typeof registerDiscoveryMetrics>;

export { MetricsRegistry };
