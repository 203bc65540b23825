/**
 * One fuzz run over every surface, on one cluster of real processes: client
 * frames and REST on node A, peer frames on A (with B as its real peer), and
 * discovery's bodies; then every process must still be running. The access
 * surface (tokens, private chats: sections 6 and 7) brings its own two nodes. Used by
 * `make fuzz` (fuzz/main.ts) and by the short run in `make test`.
 *
 * Invariant: the cluster is stopped before this returns, even on failure; each
 * surface draws from its own stream of the seed, so one surface's cases repeat
 * with the same SEED whatever the others did.
 * @module
 */

import { fuzzAccess } from "./access_fuzzer.ts";
import { fuzzClientFrames } from "./client_frame_fuzzer.ts";
import { startFuzzCluster } from "./fuzz_cluster.ts";
import type { SurfaceReport } from "./fuzz_report.ts";
import { fuzzHttpSurface } from "./http_fuzzer.ts";
import { discoverySurface, nodeHttpSurface } from "./http_surfaces.ts";
import { fuzzPeerFrames } from "./peer_frame_fuzzer.ts";
import { createSeededRandom, type SeededRandom } from "../chaos/seeded_random.ts";

export const SURFACES = ["client", "rest", "peer", "discovery", "access"] as const;
export type SurfaceName = typeof SURFACES[number];

export interface FuzzRunOptions {
  seed: number;
  /** Cases per surface. */
  cases: number;
  surfaces?: readonly SurfaceName[];
  /** Called after each surface (progress lines). */
  onSurface?: (report: SurfaceReport) => void;
  echo?: boolean;
}

export interface FuzzRun {
  seed: number;
  casesPerSurface: number;
  reports: SurfaceReport[];
  /** Processes that exited or stopped answering during the run, with their last stderr. */
  crashed: string[];
}

export async function runFuzz(options: FuzzRunOptions): Promise<FuzzRun> {
  const root = createSeededRandom(options.seed);
  // One stream per surface, drawn in this fixed order, whichever surfaces run.
  const streams = Object.fromEntries(SURFACES.map((name) => [name, root.fork()])) as Record<
    SurfaceName,
    SeededRandom
  >;
  const cluster = await startFuzzCluster({ echo: options.echo });
  const reports: SurfaceReport[] = [];
  const crashed: string[] = [];
  try {
    const wanted = new Set(options.surfaces ?? SURFACES);
    const { target, realPeer } = cluster;
    const runners: Record<SurfaceName, () => Promise<SurfaceReport>> = {
      client: () => fuzzClientFrames({ target, random: streams.client, cases: options.cases }),
      rest: () => fuzzHttpSurface(nodeHttpSurface(target, streams.rest), { cases: options.cases }),
      peer: () =>
        fuzzPeerFrames({
          target,
          realPeer,
          clusterSecret: cluster.clusterSecret,
          random: streams.peer,
          cases: options.cases,
        }),
      discovery: async () => {
        const discovery = {
          url: cluster.discovery.url,
          pid: cluster.discovery.pid,
          secret: cluster.clusterSecret,
        };
        const surface = await discoverySurface(discovery, streams.discovery, [
          target.nodeId,
          realPeer.nodeId,
        ]);
        return await fuzzHttpSurface(surface, { cases: options.cases });
      },
      // Sections 6 and 7 need nodes that verify tokens: a cluster of its own (access_world.ts).
      access: () =>
        fuzzAccess({ random: streams.access, cases: options.cases, echo: options.echo }),
    };
    for (const name of SURFACES) {
      if (!wanted.has(name)) continue;
      const report = await runners[name]();
      reports.push(report);
      options.onSurface?.(report);
    }
    for (const node of cluster.nodes) {
      if (node.child.exitCode !== null || node.child.signalCode !== null) {
        crashed.push(`node ${node.nodeId} exited: ${node.stderrLines.slice(-5).join(" | ")}`);
      }
    }
    const discoveryExited = await Promise.race([
      cluster.discovery.exited,
      Promise.resolve(undefined),
    ]);
    if (discoveryExited) {
      crashed.push(`discovery exited: ${cluster.discovery.stderrText().slice(-500)}`);
    }
  } finally {
    await cluster.stop();
  }
  return { seed: options.seed, casesPerSurface: options.cases, reports, crashed };
}
