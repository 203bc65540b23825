/**
 * A small Prometheus registry: counters and gauges by name, rendered in the text
 * exposition format for GET /metrics. Parts register what they own (the mesh
 * adds `dsatter_peers_connected` values through the same registry).
 *
 * Invariant: one metric per name; asking again for a name returns the same
 * metric, so two parts can share one without coordinating who creates it.
 * @module
 */

export interface Counter {
  readonly name: string;
  inc(by?: number): void;
  value(): number;
}

export interface Gauge {
  readonly name: string;
  set(value: number): void;
  inc(by?: number): void;
  dec(by?: number): void;
  /** Reads the value from `collect` at render time instead of a stored one. */
  collectWith(collect: () => number): void;
  value(): number;
}

interface Entry {
  kind: "counter" | "gauge";
  help: string;
  metric: Counter | Gauge;
}

const NAME_PATTERN = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;

export class MetricsRegistry {
  #entries = new Map<string, Entry>();

  /** The counter of this name, created on first use. */
  counter(name: string, help: string): Counter {
    const existing = this.#lookup(name, "counter");
    if (existing) return existing as Counter;
    let total = 0;
    const counter: Counter = {
      name,
      inc(by = 1) {
        if (by < 0) throw new RangeError(`Cannot decrease counter ${name}`);
        total += by;
      },
      value: () => total,
    };
    this.#entries.set(name, { kind: "counter", help, metric: counter });
    return counter;
  }

  /** The gauge of this name, created on first use. */
  gauge(name: string, help: string): Gauge {
    const existing = this.#lookup(name, "gauge");
    if (existing) return existing as Gauge;
    let current = 0;
    let collect: (() => number) | undefined;
    const gauge: Gauge = {
      name,
      set(value) {
        current = value;
      },
      inc(by = 1) {
        current += by;
      },
      dec(by = 1) {
        current -= by;
      },
      collectWith(fn) {
        collect = fn;
      },
      value: () => (collect ? collect() : current),
    };
    this.#entries.set(name, { kind: "gauge", help, metric: gauge });
    return gauge;
  }

  /** The current value of a metric, undefined when none has this name. */
  value(name: string): number | undefined {
    return this.#entries.get(name)?.metric.value();
  }

  /** Prometheus text format 0.0.4. */
  render(): string {
    const lines: string[] = [];
    for (const [name, entry] of [...this.#entries].sort((a, b) => a[0].localeCompare(b[0]))) {
      lines.push(`# HELP ${name} ${entry.help.replace(/\n/g, " ")}`);
      lines.push(`# TYPE ${name} ${entry.kind}`);
      lines.push(`${name} ${entry.metric.value()}`);
    }
    return lines.join("\n") + "\n";
  }

  #lookup(name: string, kind: Entry["kind"]): Counter | Gauge | undefined {
    if (!NAME_PATTERN.test(name)) throw new TypeError(`Cannot register metric ${name}: bad name`);
    const entry = this.#entries.get(name);
    if (entry && entry.kind !== kind) {
      throw new TypeError(`Cannot register ${kind} ${name}: it is a ${entry.kind}`);
    }
    return entry?.metric;
  }
}

/** The node's own metrics, registered once on a registry. */
export function registerNodeMetrics(registry: MetricsRegistry) {
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
    badFrames: registry.counter(
      "dsatter_frames_rejected_total",
      "Client frames answered with error",
    ),
    clients: registry.gauge("dsatter_clients_connected", "Open client WebSocket connections"),
    peers: registry.gauge("dsatter_peers_connected", "Open peer links"),
    heldBack: registry.gauge(
      "dsatter_messages_held_back",
      "Remote messages stored but held back behind a gap (sync lag)",
    ),
    syncLag: registry.gauge(
      "dsatter_sync_lag_messages",
      "Messages peers are known to hold that this node lacks (set by the mesh)",
    ),
    commitBatches: registry.counter("dsatter_commit_batches_total", "Group-commit transactions"),
  };
}

export type NodeMetrics = ReturnType<typeof registerNodeMetrics>;
