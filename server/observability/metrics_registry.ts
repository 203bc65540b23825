/**
 * The node's metrics on the shared Prometheus registry (common/metrics_registry.ts):
 * what `registerNodeMetrics` creates is what GET /metrics shows, plus what other
 * parts register on the same registry (the mesh's sync lag).
 *
 * Invariant: recording a message-rate metric allocates nothing (a counter add, a
 * histogram bucket walk); labelled children are made once per label value.
 * @module
 */

import type { BuildInfo } from "../../common/build_info.ts";
import { MetricsRegistry } from "../../common/metrics_registry.ts";

export {
  type Counter,
  type Gauge,
  type Histogram,
  type LabelledCounter,
  MetricsRegistry,
} from "../../common/metrics_registry.ts";

/** The abuse limits' metrics (docs/SERVER.md "Limits"): what they refused and dropped. */
function registerLimitMetrics(registry: MetricsRegistry) {
  return {
    droppedOverBudget: registry.counter(
      "dsatter_clients_dropped_over_budget_total",
      "Client connections dropped because all clients' unsent bytes passed --buffer-budget-mib " +
        "(the furthest behind first; also in dsatter_clients_dropped_total)",
    ),
    bufferedBytes: registry.gauge(
      "dsatter_client_buffered_bytes",
      "Unsent bytes queued to clients (open ones, and closed ones Bun still keeps), at the last measure",
    ),
    chatsRefused: registry.labelledCounter(
      "dsatter_chat_creations_refused_total",
      "createChat refused by a chat quota, by scope (connection, node)",
      "scope",
    ),
    connectionsRefused: registry.labelledCounter(
      "dsatter_connections_refused_total",
      "Client upgrades refused before the upgrade, by reason (per_address: 429, total: 503)",
      "reason",
    ),
    httpRateLimited: registry.counter(
      "dsatter_http_rate_limited_total",
      "REST POSTs refused with 429 by the per-address rate limit",
    ),
    peerMessagesRefused: registry.labelledCounter(
      "dsatter_peer_messages_refused_total",
      "Peer messages refused before storing, by reason (clock_ahead, own_seq, malformed)",
      "reason",
    ),
  };
}

/** The node's own metrics, registered once on a registry. */
export function registerNodeMetrics(registry: MetricsRegistry, build?: BuildInfo) {
  if (build) {
    registry.info("dsatter_build_info", "The running version and runtime (always 1)", {
      version: build.version,
      runtime: build.runtime,
    });
  }
  const commitBatches = registry.counter(
    "dsatter_commit_batches_total",
    "Group-commit transactions",
  );
  const commitSeconds = registry.histogram(
    "dsatter_commit_duration_seconds",
    "Time one group-commit transaction took, fsync included",
  );
  const deliverySeconds = registry.histogram(
    "dsatter_delivery_latency_seconds",
    "From a message's dateTime to its live publish on this node (local and remote messages)",
  );
  return {
    stored: registry.counter("dsatter_messages_stored_total", "Messages written to the store"),
    delivered: registry.counter(
      "dsatter_messages_delivered_total",
      "Live message frames handed to local client connections",
    ),
    acked: registry.counter("dsatter_messages_acked_total", "Client messages acknowledged"),
    dropped: registry.counter(
      "dsatter_clients_dropped_total",
      "Client connections dropped for reading too slowly",
    ),
    rateLimited: registry.counter(
      "dsatter_frames_rate_limited_total",
      "Client frames refused by the rate limit",
    ),
    ...registerLimitMetrics(registry),
    rejectedFrames: registry.labelledCounter(
      "dsatter_frames_rejected_total",
      "Client frames answered with error, by error code",
      "code",
    ),
    clientCloses: registry.labelledCounter(
      "dsatter_client_closes_total",
      "Client connections closed, by WebSocket close code",
      "code",
    ),
    clients: registry.gauge("dsatter_clients_connected", "Open client WebSocket connections"),
    peers: registry.gauge("dsatter_peers_connected", "Open peer links"),
    heldBack: registry.gauge(
      "dsatter_messages_held_back",
      "Remote messages stored but held back behind a gap (sync lag)",
    ),
    searchBacklog: registry.gauge(
      "dsatter_search_backlog_rows",
      "Stored messages not yet in the search index (indexed when the node has time)",
    ),
    syncLag: registry.gauge(
      "dsatter_sync_lag_messages",
      "Messages peers are known to hold that this node lacks (set by the mesh)",
    ),
    commitBatches,
    commitSeconds,
    deliverySeconds,
    /** One committed group-commit batch that took durationMs. */
    recordCommit(durationMs: number): void {
      commitBatches.inc();
      commitSeconds.observe(durationMs / 1000);
    },
    /** One message published live now; a clock behind the origin's counts as 0 s. */
    recordDelivery(dateTime: string): void {
      deliverySeconds.observe(Math.max(0, Date.now() - Date.parse(dateTime)) / 1000);
    },
    refused: registry.counter(
      "dsatter_requests_refused_total",
      "Upgrades and REST requests refused: bad Host or Origin (403), token (401), media type (415)",
    ),
  };
}

export type NodeMetrics = ReturnType<typeof registerNodeMetrics>;
