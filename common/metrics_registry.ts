/**
 * A small Prometheus registry, runtime-neutral so the node and discovery share
 * it: counters, gauges, histograms and counters split by one label, rendered in
 * the text exposition format (0.0.4) for GET /metrics.
 *
 * Invariants: one metric per name; asking again for a name returns the same
 * metric, so two parts can share one without coordinating who creates it.
 * Recording is cheap enough for the hot path: `inc` and `observe` allocate
 * nothing (a histogram walks its fixed bucket array; a labelled counter's
 * child is made once per label value and kept).
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

export interface Histogram {
  readonly name: string;
  /** Records one observation (seconds, for every histogram DSatter has). */
  observe(value: number): void;
  count(): number;
  sum(): number;
}

/** A counter per value of one label (`code="bad_json"`). */
export interface LabelledCounter {
  readonly name: string;
  /** The child counter for this label value, made on first use. */
  labels(value: string): Counter;
  /** Every label value seen so far with its count. */
  entries(): Array<[string, number]>;
}

type Entry =
  | { kind: "counter"; help: string; metric: Counter }
  | { kind: "gauge"; help: string; metric: Gauge; labels?: Record<string, string> }
  | { kind: "histogram"; help: string; metric: Histogram; buckets: number[]; counts: number[] }
  | { kind: "labelled"; help: string; metric: LabelledCounter; label: string };

const NAME_PATTERN = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_PATTERN = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** Latency buckets in seconds: 0.5 ms .. 10 s. */
export const LATENCY_BUCKETS_SECONDS: readonly number[] = [
  0.0005,
  0.001,
  0.0025,
  0.005,
  0.01,
  0.025,
  0.05,
  0.1,
  0.25,
  0.5,
  1,
  2.5,
  5,
  10,
];

function escapeLabel(value: string): string {
  return value.replace(/\\/g, "\\\\").replace(/\n/g, "\\n").replace(/"/g, '\\"');
}

function labelText(labels: Record<string, string>): string {
  const parts = Object.entries(labels).map(([key, value]) => `${key}="${escapeLabel(value)}"`);
  return parts.length === 0 ? "" : `{${parts.join(",")}}`;
}

export class MetricsRegistry {
  #entries = new Map<string, Entry>();

  /** The counter of this name, created on first use. */
  counter(name: string, help: string): Counter {
    const existing = this.#lookup(name, "counter");
    if (existing) return existing.metric as Counter;
    const counter = makeCounter(name);
    this.#entries.set(name, { kind: "counter", help, metric: counter });
    return counter;
  }

  /** The gauge of this name, created on first use. */
  gauge(name: string, help: string): Gauge {
    const existing = this.#lookup(name, "gauge");
    if (existing) return existing.metric as Gauge;
    const gauge = makeGauge(name);
    this.#entries.set(name, { kind: "gauge", help, metric: gauge });
    return gauge;
  }

  /** A gauge fixed at 1 whose labels carry facts (`dsatter_build_info{version,runtime}`). */
  info(name: string, help: string, labels: Record<string, string>): void {
    for (const key of Object.keys(labels)) {
      if (!LABEL_PATTERN.test(key)) throw new TypeError(`Cannot use label ${key}: bad name`);
    }
    this.#lookup(name, "gauge");
    const gauge = makeGauge(name);
    gauge.set(1);
    this.#entries.set(name, { kind: "gauge", help, metric: gauge, labels: { ...labels } });
  }

  /** The histogram of this name with these upper bounds (ascending), created on first use. */
  histogram(
    name: string,
    help: string,
    buckets: readonly number[] = LATENCY_BUCKETS_SECONDS,
  ): Histogram {
    const existing = this.#lookup(name, "histogram");
    if (existing) return existing.metric as Histogram;
    const bounds = [...buckets];
    if (bounds.some((bound, i) => !(bound > (bounds[i - 1] ?? -Infinity)))) {
      throw new RangeError(`Cannot register histogram ${name}: buckets must ascend`);
    }
    const counts = new Array<number>(bounds.length + 1).fill(0);
    let total = 0;
    let sum = 0;
    const histogram: Histogram = {
      name,
      observe(value) {
        let i = 0;
        while (i < bounds.length && value > bounds[i]) i++;
        counts[i]++;
        total++;
        sum += value;
      },
      count: () => total,
      sum: () => sum,
    };
    this.#entries.set(name, {
      kind: "histogram",
      help,
      metric: histogram,
      buckets: bounds,
      counts,
    });
    return histogram;
  }

  /** A counter split by one label, created on first use. */
  labelledCounter(name: string, help: string, label: string): LabelledCounter {
    const existing = this.#lookup(name, "labelled");
    if (existing) return existing.metric as LabelledCounter;
    if (!LABEL_PATTERN.test(label)) throw new TypeError(`Cannot use label ${label}: bad name`);
    const children = new Map<string, Counter>();
    const labelled: LabelledCounter = {
      name,
      labels(value) {
        let child = children.get(value);
        if (!child) {
          child = makeCounter(name);
          children.set(value, child);
        }
        return child;
      },
      entries: () => [...children].map(([value, counter]) => [value, counter.value()]),
    };
    this.#entries.set(name, { kind: "labelled", help, metric: labelled, label });
    return labelled;
  }

  /** The current value of a counter or gauge (a labelled counter: the sum), else undefined. */
  value(name: string): number | undefined {
    const entry = this.#entries.get(name);
    if (!entry) return undefined;
    if (entry.kind === "histogram") return entry.metric.count();
    if (entry.kind === "labelled") {
      return entry.metric.entries().reduce((sum, [, count]) => sum + count, 0);
    }
    return entry.metric.value();
  }

  /** Prometheus text format 0.0.4. */
  render(): string {
    const lines: string[] = [];
    for (const [name, entry] of [...this.#entries].sort((a, b) => a[0].localeCompare(b[0]))) {
      const type = entry.kind === "labelled" ? "counter" : entry.kind;
      lines.push(`# HELP ${name} ${entry.help.replace(/\n/g, " ")}`);
      lines.push(`# TYPE ${name} ${type}`);
      if (entry.kind === "histogram") {
        let cumulative = 0;
        entry.buckets.forEach((bound, i) => {
          cumulative += entry.counts[i];
          lines.push(`${name}_bucket{le="${bound}"} ${cumulative}`);
        });
        lines.push(`${name}_bucket{le="+Inf"} ${entry.metric.count()}`);
        lines.push(`${name}_sum ${entry.metric.sum()}`);
        lines.push(`${name}_count ${entry.metric.count()}`);
      } else if (entry.kind === "labelled") {
        for (const [value, count] of entry.metric.entries().sort((a, b) => a[0] < b[0] ? -1 : 1)) {
          lines.push(`${name}${labelText({ [entry.label]: value })} ${count}`);
        }
      } else {
        const labels = entry.kind === "gauge" && entry.labels ? labelText(entry.labels) : "";
        lines.push(`${name}${labels} ${entry.metric.value()}`);
      }
    }
    return lines.join("\n") + "\n";
  }

  #lookup(name: string, kind: Entry["kind"]): Entry | undefined {
    if (!NAME_PATTERN.test(name)) throw new TypeError(`Cannot register metric ${name}: bad name`);
    const entry = this.#entries.get(name);
    if (entry && entry.kind !== kind) {
      throw new TypeError(`Cannot register ${kind} ${name}: it is a ${entry.kind}`);
    }
    return entry;
  }
}

function makeCounter(name: string): Counter {
  let total = 0;
  return {
    name,
    inc(by = 1) {
      if (by < 0) throw new RangeError(`Cannot decrease counter ${name}`);
      total += by;
    },
    value: () => total,
  };
}

function makeGauge(name: string): Gauge {
  let current = 0;
  let collect: (() => number) | undefined;
  return {
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
}
