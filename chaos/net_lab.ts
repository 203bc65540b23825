/**
 * The chaos run's network. As root: one network namespace per node, each with a
 * veth onto one bridge in this namespace, where discovery listens and the
 * clients dial from. A cut is an iptables OUTPUT DROP rule inside the sending
 * node's namespace (chain DSCHAOS): `from -> to` drops every packet `from`
 * sends to `to`, so a cut both ways is two rules and a one-way cut is one, and
 * the connections either side dialled stall alike. Clients and discovery are
 * never cut. Without root: every node on loopback and no cuts.
 *
 * Invariants: every name carries the run's pid (`dch<kind><pid>x<i>`), rules
 * live only inside the run's namespaces, and close() removes the namespaces
 * (rules with them), veths and bridge, also after a half-built start;
 * removeLeftovers() removes those of runs whose process is gone.
 * @module
 */

import { execFileSync } from "node:child_process";
import process from "node:process";

/** Port every node listens on inside its own namespace (nothing else is there). */
const NAMESPACE_NODE_PORT = 7000;
const CHAIN = "DSCHAOS";

export interface ChaosNetwork {
  readonly kind: "namespaces" | "loopback";
  /** Where discovery listens and clients dial from. */
  readonly hubHost: string;
  /** Address clients and peers use for node `index`. */
  nodeHost(index: number): string;
  /** Port to pass as `--port` (0: any free port). */
  nodePort(index: number): number;
  /** Host to pass as `--host`. */
  bindHost(index: number): string;
  /** Command prefix that starts a process inside node `index`'s network. */
  launcher(index: number): string[];
  /** Makes exactly these directed (from, to) pairs drop their packets. */
  setCuts(cuts: ReadonlyArray<readonly [number, number]>): void;
  close(): void;
}

function run(command: string, args: string[]): string {
  return execFileSync(command, args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
}

function tryRun(command: string, args: string[]): void {
  try {
    run(command, args);
  } catch { /* already gone */ }
}

/** Why namespaces cannot be used here, or null when they can. */
export function namespacesUnavailable(): string | null {
  if (process.platform !== "linux") return "not Linux";
  if (process.getuid?.() !== 0) return "not running as root";
  const probe = `dchp${process.pid}`;
  try {
    run("ip", ["netns", "add", probe]);
    run("ip", ["netns", "exec", probe, "iptables", "-S"]);
    return null;
  } catch (error) {
    return `ip netns / iptables failed: ${String((error as Error).message).split("\n")[0]}`;
  } finally {
    tryRun("ip", ["netns", "del", probe]);
  }
}

export function loopbackNetwork(): ChaosNetwork {
  return {
    kind: "loopback",
    hubHost: "127.0.0.1",
    nodeHost: () => "127.0.0.1",
    nodePort: () => 0,
    bindHost: () => "127.0.0.1",
    launcher: () => [],
    setCuts(cuts) {
      if (cuts.length > 0) throw new Error("Cannot cut links on loopback: needs root");
    },
    close() {},
  };
}

/** A 10.N.0.0/24 that no route of this namespace uses. */
function freeSubnet(): number {
  const routes = run("ip", ["-4", "route", "show"]);
  const free = Array.from({ length: 50 }, (_, i) => 150 + i).filter((n) =>
    !routes.includes(`10.${n}.`)
  );
  if (free.length === 0) throw new Error("Cannot find a free 10.N.0.0/24 for the chaos network");
  return free[process.pid % free.length];
}

export function namespaceNetwork(nodeCount: number): ChaosNetwork {
  const pid = process.pid;
  const subnet = freeSubnet();
  const bridge = `dchb${pid}`;
  const namespace = (i: number) => `dchn${pid}x${i}`;
  const hostOf = (i: number) => `10.${subnet}.0.${i + 1}`;
  const network: ChaosNetwork = {
    kind: "namespaces",
    hubHost: `10.${subnet}.0.254`,
    nodeHost: hostOf,
    nodePort: () => NAMESPACE_NODE_PORT,
    bindHost: () => "0.0.0.0",
    launcher: (i) => ["ip", "netns", "exec", namespace(i)],
    setCuts(cuts) {
      for (let i = 0; i < nodeCount; i++) {
        run("ip", ["netns", "exec", namespace(i), "iptables", "-F", CHAIN]);
        for (const [from, to] of cuts) {
          if (from !== i) continue;
          run("ip", [
            "netns",
            "exec",
            namespace(i),
            "iptables",
            "-A",
            CHAIN,
            "-d",
            hostOf(to),
            "-j",
            "DROP",
          ]);
        }
      }
    },
    close() {
      for (let i = 0; i < nodeCount; i++) {
        tryRun("ip", ["netns", "del", namespace(i)]);
        tryRun("ip", ["link", "del", `dchv${pid}x${i}`]);
      }
      tryRun("ip", ["link", "del", bridge]);
    },
  };
  try {
    run("ip", ["link", "add", bridge, "type", "bridge"]);
    run("ip", ["addr", "add", `${network.hubHost}/24`, "dev", bridge]);
    run("ip", ["link", "set", bridge, "up"]);
    for (let i = 0; i < nodeCount; i++) addNodeNamespace(i, namespace(i), hostOf(i), bridge);
  } catch (error) {
    network.close();
    throw new Error(`Cannot build the chaos network: ${(error as Error).message}`, {
      cause: error,
    });
  }
  return network;
}

function addNodeNamespace(i: number, namespace: string, host: string, bridge: string): void {
  const pid = process.pid;
  const outside = `dchv${pid}x${i}`;
  const inside = `dchw${pid}x${i}`;
  run("ip", ["netns", "add", namespace]);
  run("ip", ["-n", namespace, "link", "set", "lo", "up"]);
  run("ip", ["link", "add", outside, "type", "veth", "peer", "name", inside]);
  run("ip", ["link", "set", inside, "netns", namespace]);
  run("ip", ["-n", namespace, "addr", "add", `${host}/24`, "dev", inside]);
  run("ip", ["-n", namespace, "link", "set", inside, "up"]);
  run("ip", ["link", "set", outside, "master", bridge]);
  run("ip", ["link", "set", outside, "up"]);
  run("ip", ["netns", "exec", namespace, "iptables", "-N", CHAIN]);
  run("ip", ["netns", "exec", namespace, "iptables", "-A", "OUTPUT", "-j", CHAIN]);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * Removes namespaces, links and their processes left by chaos runs whose
 * process is gone (a harness killed with SIGKILL cannot clean up after itself).
 * Returns what it removed.
 */
export function removeLeftoverNetworks(): string[] {
  if (process.getuid?.() !== 0) return [];
  const removed: string[] = [];
  let namespaces: string[] = [];
  try {
    namespaces = run("ip", ["netns", "list"]).split("\n").map((l) => l.split(" ")[0]);
  } catch {
    return removed;
  }
  for (const name of namespaces) {
    const match = /^dch[np](\d+)/.exec(name);
    if (!match || isAlive(Number(match[1]))) continue;
    try {
      for (const pid of run("ip", ["netns", "pids", name]).split("\n").filter(Boolean)) {
        tryRun("kill", ["-KILL", pid]);
      }
    } catch { /* no pids */ }
    tryRun("ip", ["netns", "del", name]);
    removed.push(`netns ${name}`);
  }
  const links = run("ip", ["-o", "link", "show"]).split("\n")
    .map((line) => /^\d+: (dch[bv]\d+(?:x\d+)?)[@:]/.exec(line)?.[1])
    .filter((name): name is string => name !== undefined);
  for (const name of links) {
    const pid = Number(/^dch[bv](\d+)/.exec(name)![1]);
    if (isAlive(pid)) continue;
    tryRun("ip", ["link", "del", name]);
    removed.push(`link ${name}`);
  }
  return removed;
}
