/**
 * The nemesis: runs a fault plan against the cluster, each fault at its time,
 * each reverted after its duration (restart, SIGCONT, link back, ballast
 * freed), and records what it did. heal() reverts whatever is still active and
 * brings every node back to normal: running, thawed, on the true clock, with
 * free disk space and every link up.
 *
 * Invariants: every applied fault is reverted exactly once (by its timer or by
 * heal()); a failure to apply or revert is recorded on the fault, never thrown
 * out of run(); the directed cuts in force are the union of the active cut
 * faults' pairs.
 * @module
 */

import type { DiskFillRecord, FaultRecord, WriteRecord } from "./chaos_history.ts";
import type { ChaosCluster } from "./chaos_cluster.ts";
import { DiskProbe } from "./disk_probe.ts";
import { STORAGE_REFUSAL_CODES } from "./history_check.ts";
import type { PlannedFault } from "./fault_plan.ts";
import { sleep } from "../common/abortable_sleep.ts";

export interface NemesisOptions {
  cluster: ChaosCluster;
  plan: readonly PlannedFault[];
  clockMs: () => number;
  faults: FaultRecord[];
  diskFills: DiskFillRecord[];
  writes: WriteRecord[];
  log: (line: string) => void;
}

interface Active {
  record: FaultRecord;
  revert: () => Promise<void>;
  timer?: ReturnType<typeof setTimeout>;
  done?: Promise<void>;
}

/** How long a disk-full node gets to write again once its space is back. */
const RECOVERY_DEADLINE_MS = 30_000;
/** How long a fill may outlast its planned time while no refusal has come back yet. */
const REFUSAL_DEADLINE_MS = 30_000;

export class Nemesis {
  #o: NemesisOptions;
  #active = new Set<Active>();
  #cuts = new Map<string, number>();
  #reverts: Promise<void>[] = [];

  constructor(options: NemesisOptions) {
    this.#o = options;
  }

  /** Applies the plan's faults at their times, until the plan is done or signal aborts. */
  async run(signal: AbortSignal): Promise<void> {
    for (const planned of this.#o.plan) {
      const waitMs = planned.atMs - this.#o.clockMs();
      if (waitMs > 0) await sleep(waitMs, signal);
      if (signal.aborted) return;
      await this.#apply(planned);
    }
  }

  /** Reverts every active fault now, then waits for every revert to finish. */
  async heal(): Promise<void> {
    for (const active of [...this.#active]) {
      clearTimeout(active.timer);
      this.#reverts.push(this.#revert(active));
    }
    await Promise.all(this.#reverts);
    this.#setCuts();
  }

  async #apply(planned: PlannedFault): Promise<void> {
    const record: FaultRecord = {
      index: planned.index,
      kind: planned.kind,
      node: planned.node,
      startedAtMs: this.#o.clockMs(),
    };
    if (planned.peer !== undefined) record.peer = planned.peer;
    if (planned.clockOffsetMs !== undefined) record.clockOffsetMs = planned.clockOffsetMs;
    this.#o.faults.push(record);
    this.#o.log(`fault ${describe(planned)}`);
    let revert: () => Promise<void>;
    try {
      revert = await this.#inject(planned, record);
    } catch (error) {
      record.error = `Cannot apply: ${(error as Error).message}`;
      record.endedAtMs = this.#o.clockMs();
      return;
    }
    const active: Active = { record, revert };
    this.#active.add(active);
    active.timer = setTimeout(() => {
      this.#reverts.push(this.#revert(active));
    }, planned.durationMs);
  }

  async #revert(active: Active): Promise<void> {
    if (!this.#active.delete(active)) return;
    try {
      await active.revert();
    } catch (error) {
      active.record.error = `Cannot revert: ${(error as Error).message}`;
    }
    active.record.endedAtMs = this.#o.clockMs();
  }

  /** Injects one fault; returns how to revert it. */
  async #inject(fault: PlannedFault, record: FaultRecord): Promise<() => Promise<void>> {
    const node = this.#o.cluster.nodes[fault.node];
    switch (fault.kind) {
      case "kill":
        await node.kill();
        return () => node.start();
      case "term":
        await node.term();
        return () => node.start();
      case "stop":
        node.freeze();
        return () => Promise.resolve(node.thaw());
      case "skew":
        await this.#restartWithOffset(fault.node, fault.clockOffsetMs ?? 0);
        return () => this.#restartWithOffset(fault.node, 0);
      case "diskFull":
        return this.#fillDisk(fault, record);
      case "cut":
        return this.#cut([[fault.node, fault.peer!], [fault.peer!, fault.node]]);
      case "cutOneWay":
        return this.#cut([[fault.node, fault.peer!]]);
      case "isolate": {
        const others = this.#o.cluster.nodes.map((n) => n.index).filter((i) => i !== fault.node);
        return this.#cut(others.flatMap((i) => [[fault.node, i], [i, fault.node]] as const));
      }
    }
  }

  async #restartWithOffset(index: number, offsetMs: number): Promise<void> {
    const node = this.#o.cluster.nodes[index];
    await node.term();
    node.clockOffsetMs = offsetMs;
    await node.start();
  }

  #fillDisk(fault: PlannedFault, record: FaultRecord): () => Promise<void> {
    const disk = this.#o.cluster.disks[fault.node];
    if (!disk) throw new Error("this node has no small disk (needs root)");
    const fill: DiskFillRecord = {
      fault: fault.index,
      node: fault.node,
      filledAtMs: record.startedAtMs,
      refusals: {},
      ackedWhileFull: [],
      exitedWhileFull: false,
    };
    this.#o.diskFills.push(fill);
    const bytes = disk.fill();
    this.#o.cluster.nodes[fault.node].mark(`disk filled (${bytes} bytes of ballast)`);
    const stopWatching = this.#o.cluster.onUnexpectedExit((index) => {
      if (index === fault.node) fill.exitedWhileFull = true;
    });
    const probe = new DiskProbe({
      nodes: this.#o.cluster,
      record: fill,
      writes: this.#o.writes,
      clockMs: this.#o.clockMs,
    });
    return async () => {
      // The space comes back only once the node has said it is full (a loaded machine may
      // not have answered a probe yet); the checker fails the fill if it never does.
      await probe.refusedOnce(STORAGE_REFUSAL_CODES, REFUSAL_DEADLINE_MS);
      stopWatching();
      disk.free();
      this.#o.cluster.nodes[fault.node].mark("disk freed");
      probe.freed();
      await probe.finish(RECOVERY_DEADLINE_MS);
    };
  }

  #cut(pairs: ReadonlyArray<readonly [number, number]>): () => Promise<void> {
    for (const [from, to] of pairs) {
      const key = `${from}>${to}`;
      this.#cuts.set(key, (this.#cuts.get(key) ?? 0) + 1);
    }
    this.#setCuts();
    return () => {
      for (const [from, to] of pairs) {
        const key = `${from}>${to}`;
        const count = (this.#cuts.get(key) ?? 1) - 1;
        if (count > 0) this.#cuts.set(key, count);
        else this.#cuts.delete(key);
      }
      this.#setCuts();
      return Promise.resolve();
    };
  }

  #setCuts(): void {
    const pairs = [...this.#cuts.keys()].map((key) =>
      key.split(">").map(Number) as [number, number]
    );
    this.#o.cluster.network.setCuts(pairs);
  }
}

function describe(fault: PlannedFault): string {
  const target = fault.peer === undefined ? `node ${fault.node}` : `${fault.node} -> ${fault.peer}`;
  const offset = fault.clockOffsetMs === undefined ? "" : ` offset ${fault.clockOffsetMs} ms`;
  return `${fault.index} ${fault.kind} ${target}${offset} for ${fault.durationMs} ms`;
}
