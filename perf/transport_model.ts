/**
 * The mesh-versus-backbone model: from per-message costs measured on small
 * clusters (perf/transport_cost.ts), a straight-line fit in the cluster size N
 * of each cost, the same costs extrapolated to N = 3..50, and the smallest N at
 * which the backbone costs less. Pure: numbers in, numbers out.
 *
 * Invariant: a fit goes exactly through its two measured points; a crossover is
 * reported only where the backbone's cost is strictly below the mesh's.
 * @module
 */

/** One measured run: per-message costs of a cluster of `nodes` nodes. */
export interface TransportSample {
  transport: "mesh" | "nats";
  nodes: number;
  messages: number;
  /** CPU ms per message, summed over every node process. */
  nodeCpuMsPerMessage: number;
  /** CPU ms per message of the nats-server (0 on the mesh). */
  natsCpuMsPerMessage: number;
  /** Bytes on the wire per message (mesh: peer frames sent; backbone: both ways to NATS). */
  wireBytesPerMessage: number;
  /** Bytes the origin node sends per message of its own. */
  originBytesPerMessage: number;
}

export interface Line {
  /** cost(N) = intercept + slope * N */
  intercept: number;
  slope: number;
}

/** The line through two points (x, y); both x must differ. */
export function fitLine(a: [number, number], b: [number, number]): Line {
  if (a[0] === b[0]) throw new RangeError("Cannot fit a line: both samples have the same N");
  const slope = (b[1] - a[1]) / (b[0] - a[0]);
  return { intercept: a[1] - slope * a[0], slope };
}

export function at(line: Line, n: number): number {
  return Math.max(0, line.intercept + line.slope * n);
}

export interface ModelRow {
  nodes: number;
  meshLinks: number;
  backboneLinks: number;
  meshCpuMs: number;
  backboneCpuMs: number;
  meshWireBytes: number;
  backboneWireBytes: number;
  meshOriginBytes: number;
  backboneOriginBytes: number;
}

export interface TransportModel {
  rows: ModelRow[];
  /** Smallest N where the backbone's total CPU per message (nodes + NATS) is below the mesh's. */
  cpuCrossover: number | null;
  wireBytesCrossover: number | null;
  originBytesCrossover: number | null;
}

/** Fits each cost of each transport on its two samples (smallest and largest N) and extrapolates. */
export function buildModel(samples: TransportSample[], sizes: number[]): TransportModel {
  const fits = (transport: "mesh" | "nats", cost: (s: TransportSample) => number): Line => {
    const mine = samples.filter((s) => s.transport === transport).sort((a, b) => a.nodes - b.nodes);
    if (mine.length < 2) throw new RangeError(`Cannot model ${transport}: needs two cluster sizes`);
    const first = mine[0];
    const last = mine[mine.length - 1];
    return fitLine([first.nodes, cost(first)], [last.nodes, cost(last)]);
  };
  const cpu = (s: TransportSample) => s.nodeCpuMsPerMessage + s.natsCpuMsPerMessage;
  const lines = {
    meshCpu: fits("mesh", cpu),
    natsCpu: fits("nats", cpu),
    meshWire: fits("mesh", (s) => s.wireBytesPerMessage),
    natsWire: fits("nats", (s) => s.wireBytesPerMessage),
    meshOrigin: fits("mesh", (s) => s.originBytesPerMessage),
    natsOrigin: fits("nats", (s) => s.originBytesPerMessage),
  };
  const rows = sizes.map((n) => ({
    nodes: n,
    meshLinks: (n * (n - 1)) / 2,
    backboneLinks: n,
    meshCpuMs: at(lines.meshCpu, n),
    backboneCpuMs: at(lines.natsCpu, n),
    meshWireBytes: at(lines.meshWire, n),
    backboneWireBytes: at(lines.natsWire, n),
    meshOriginBytes: at(lines.meshOrigin, n),
    backboneOriginBytes: at(lines.natsOrigin, n),
  }));
  const crossover = (mesh: Line, nats: Line): number | null => {
    for (let n = 2; n <= 1000; n++) if (at(nats, n) < at(mesh, n)) return n;
    return null;
  };
  return {
    rows,
    cpuCrossover: crossover(lines.meshCpu, lines.natsCpu),
    wireBytesCrossover: crossover(lines.meshWire, lines.natsWire),
    originBytesCrossover: crossover(lines.meshOrigin, lines.natsOrigin),
  };
}
