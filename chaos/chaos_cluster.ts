/**
 * The chaos cluster: one discovery and N nodes on the chaos network, each node
 * with its own folder (and, as root, its own small tmpfs disk for the database)
 * under the run's folder. A node that exits without the nemesis asking is
 * recorded and started again, so that one crash does not end the run.
 *
 * Invariants: stop() leaves no process, mount, namespace or link behind, also
 * after a failed start; the nodes' folders stay until the caller removes the
 * run folder (their logs are the run's evidence).
 * @module
 */

import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { spawnDiscovery, type SpawnedDiscovery } from "../discovery/testing/spawn_discovery.ts";
import { TEST_CLUSTER_SECRET } from "../server/testing/spawn_node.ts";
import type { UnexpectedExit } from "./chaos_history.ts";
import { ChaosNode } from "./chaos_node.ts";
import type { NodeDirectory } from "./chaos_writer.ts";
import type { ChaosNetwork } from "./net_lab.ts";
import { mountSmallDisk, type SmallDisk } from "./small_disk.ts";
import { sleep } from "../common/abortable_sleep.ts";

export interface ChaosClusterOptions {
  nodeCount: number;
  runDir: string;
  network: ChaosNetwork;
  /** Size of each node's tmpfs disk; undefined: no small disks (not root). */
  diskMiB?: number;
  clockMs: () => number;
  unexpectedExits: UnexpectedExit[];
  log: (line: string) => void;
}

/** Environment of every node: short timings, so faults show and heal quickly. */
const NODE_ENV = {
  DSATTER_CLUSTER_SECRET: TEST_CLUSTER_SECRET,
  DSATTER_SYNC_INTERVAL_MS: "1000",
  DSATTER_PEER_TIMEOUT_MS: "3000",
};
const RESTART_AFTER_CRASH_MS = 1000;

export class ChaosCluster implements NodeDirectory {
  readonly network: ChaosNetwork;
  readonly nodes: ChaosNode[] = [];
  readonly disks: Array<SmallDisk | undefined> = [];
  discovery?: SpawnedDiscovery;
  #o: ChaosClusterOptions;
  #exitListeners = new Set<(index: number) => void>();
  #stopping = false;

  private constructor(options: ChaosClusterOptions) {
    this.#o = options;
    this.network = options.network;
  }

  static async start(options: ChaosClusterOptions): Promise<ChaosCluster> {
    const cluster = new ChaosCluster(options);
    try {
      await cluster.#start();
    } catch (error) {
      await cluster.stop();
      throw error;
    }
    return cluster;
  }

  get count(): number {
    return this.nodes.length;
  }

  wsUrl(index: number): string {
    return this.nodes[index].wsUrl;
  }

  /** Listener is told the index of a node that exited on its own; returns an unsubscribe. */
  onUnexpectedExit(listener: (index: number) => void): () => void {
    this.#exitListeners.add(listener);
    return () => this.#exitListeners.delete(listener);
  }

  async #start(): Promise<void> {
    const { network, runDir, nodeCount } = this.#o;
    this.discovery = await spawnDiscovery({
      host: network.hubHost,
      ttlSeconds: 3,
      clusterSecret: TEST_CLUSTER_SECRET,
    });
    for (let index = 0; index < nodeCount; index++) {
      const dir = join(runDir, `node-${index}`);
      mkdirSync(dir, { recursive: true });
      const disk = this.#o.diskMiB === undefined
        ? undefined
        : mountSmallDisk(join(runDir, `disk-${index}`), this.#o.diskMiB);
      this.disks.push(disk);
      this.nodes.push(
        new ChaosNode({
          index,
          dbPath: join(disk?.path ?? dir, "node.db"),
          dataDir: dir,
          logPath: join(runDir, `node-${index}.log`),
          launcher: network.launcher(index),
          bindHost: network.bindHost(index),
          host: network.nodeHost(index),
          port: network.nodePort(index),
          discoveryUrl: this.discovery.url,
          env: NODE_ENV,
          onUnexpectedExit: (code, signal) => this.#crashed(index, code, signal),
        }),
      );
    }
    await Promise.all(this.nodes.map((node) => node.start()));
  }

  #crashed(index: number, code: number | null, signal: string | null): void {
    if (this.#stopping) return;
    this.#o.unexpectedExits.push({ node: index, atMs: this.#o.clockMs(), code, signal });
    this.#o.log(`node ${index} exited on its own (code ${code}, signal ${signal}); restarting it`);
    for (const listener of this.#exitListeners) listener(index);
    setTimeout(() => {
      const node = this.nodes[index];
      if (this.#stopping || node.state !== "down") return;
      node.start().catch((error) => this.#o.log(`node ${index} restart failed: ${error.message}`));
    }, RESTART_AFTER_CRASH_MS);
  }

  /** Every node running and thawed, on the true clock (restarting those that are not). */
  async normalize(): Promise<void> {
    await Promise.all(this.nodes.map(async (node) => {
      node.thaw();
      if (node.state === "up" && node.clockOffsetMs === 0) return;
      if (node.state === "up") await node.term();
      node.clockOffsetMs = 0;
      await node.start();
    }));
  }

  /** Waits until every node reports `nodeCount - 1` peers; false after deadlineMs. */
  async waitForMesh(deadlineMs: number): Promise<boolean> {
    const deadline = performance.now() + deadlineMs;
    while (performance.now() < deadline) {
      const peers = await Promise.all(this.nodes.map(async (node) => {
        try {
          const response = await fetch(`${node.url}/healthz`, {
            signal: AbortSignal.timeout(2000),
          });
          return ((await response.json()) as { peers?: number }).peers ?? -1;
        } catch {
          return -1;
        }
      }));
      if (peers.every((p) => p === this.nodes.length - 1)) return true;
      await sleep(200);
    }
    return false;
  }

  /** Stops every node (cleanly where possible) and discovery; disks and network stay. */
  async stopProcesses(): Promise<void> {
    this.#stopping = true;
    await Promise.all(this.nodes.map((node) => node.stopAll().catch(() => {})));
    await this.discovery?.stop().catch(() => {});
  }

  /** Stops everything and removes disks and network. */
  async stop(): Promise<void> {
    await this.stopProcesses();
    for (const disk of this.disks) disk?.unmount();
    this.network.close();
  }
}
