/**
 * `make dev [N=3] [PORT=3001] [DISCOVERY_PORT=8080]` (`bun server/dev/dev_cluster.ts N
 * --base-port PORT --discovery-port DISCOVERY_PORT`): one discovery with its KV under
 * data/, and N chat nodes on loopback ports PORT..PORT+N-1 with
 * their DBs at data/node-<i>.db, all sharing the development cluster secret
 * (data/cluster-secret). Every line of every process is printed prefixed with
 * its part; each node's web URL is printed once it listens. Ctrl-C or SIGTERM
 * stops the nodes first (they log out of discovery), then discovery, and exits;
 * a second Ctrl-C kills whatever is still running.
 * Running it again resumes on the same data. With `--backbone nats` (`make dev
 * BACKBONE=nats`) it first starts a nats-server (JetStream, store in data/nats,
 * loopback, port 4222 when free, else a free one) and the nodes replicate
 * through it (docs/BACKBONE.md); it is stopped last.
 *
 * Invariant: every process started here is stopped before this one exits
 * (SIGTERM, then SIGKILL after a grace period); no data file is ever deleted.
 * @module
 */

import { type ChildProcess, spawn } from "node:child_process";
import * as fs from "node:fs";
import { join } from "node:path";
import process from "node:process";
import { createInterface } from "node:readline";
import { parseArgs } from "node:util";
import { clusterSecretFromDataDir } from "../../common/cluster_secret_file.ts";
import { DISCOVERY_RUN_ARGS } from "../../discovery/run_args.ts";
import { busyPortLine, isPortFree } from "./free_port.ts";
import { freeTcpPort, NATS_SERVER_BIN } from "../testing/nats_server.ts";

const DISCOVERY_PORT = 8080;
const NATS_PORT = 4222;
const FIRST_NODE_PORT = 3001;
const STOP_GRACE_MS = 10_000;
/** Prefix colors, only on a terminal and without NO_COLOR. */
const COLORS = process.stdout.isTTY && !process.env.NO_COLOR
  ? ["\x1b[36m", "\x1b[32m", "\x1b[33m", "\x1b[35m", "\x1b[34m", "\x1b[91m"]
  : [""];
const COLOR_RESET = COLORS[0] ? "\x1b[0m" : "";

interface Part {
  name: string;
  child: ChildProcess;
  exited: Promise<void>;
  /** The URL of its `listening on` line; null when it exited first. */
  listening: Promise<string | null>;
}

function usage(): never {
  console.error(
    "usage: bun server/dev/dev_cluster.ts [N] [--discovery-port P] [--base-port Q] [--backbone nats [--nats-port R]]\n" +
      `  N nodes (1..50, default 3) on ports Q..Q+N-1 (default ${FIRST_NODE_PORT}), ` +
      `discovery on P (default ${DISCOVERY_PORT}); --backbone nats: a local nats-server ` +
      `(port ${NATS_PORT} when free) and the nodes on it`,
  );
  process.exit(2);
}

interface DevFlags {
  count: number;
  discoveryPort: number;
  basePort: number;
  backbone: boolean;
  /** --nats-port: where the backbone's nats-server listens; default 4222 when free. */
  natsPort?: number;
}

function parseDevFlags(argv: string[]): DevFlags {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        "discovery-port": { type: "string", default: String(DISCOVERY_PORT) },
        "base-port": { type: "string", default: String(FIRST_NODE_PORT) },
        backbone: { type: "string" },
        "nats-port": { type: "string" },
      },
    });
  } catch {
    usage();
  }
  const { positionals, values } = parsed;
  if (positionals.length > 1) usage();
  const count = positionals.length === 0 || positionals[0] === "" ? 3 : Number(positionals[0]);
  const discoveryPort = Number(values["discovery-port"]);
  const basePort = Number(values["base-port"]);
  if (!Number.isInteger(count) || count < 1 || count > 50) usage();
  for (const port of [discoveryPort, basePort, basePort + count - 1]) {
    if (!Number.isInteger(port) || port < 1 || port > 65535) usage();
  }
  if (discoveryPort >= basePort && discoveryPort < basePort + count) {
    console.error(
      `Cannot start: discovery's port ${discoveryPort} is among the nodes' ports ` +
        `${basePort}..${basePort + count - 1}; pick another PORT= or DISCOVERY_PORT=`,
    );
    process.exit(2);
  }
  const backbone = values.backbone !== undefined && values.backbone !== "";
  if (backbone && values.backbone !== "nats") usage();
  const natsPort = values["nats-port"] === undefined ? undefined : Number(values["nats-port"]);
  if (natsPort !== undefined && !(Number.isInteger(natsPort) && natsPort > 0 && natsPort < 65536)) {
    usage();
  }
  return { count, discoveryPort, basePort, backbone, natsPort };
}

function developmentSecret(dataDir: string): string {
  const result = clusterSecretFromDataDir(dataDir, { env: (name) => process.env[name], fs });
  if (!result.ok) {
    console.error(result.error);
    process.exit(1);
  }
  return result.secret;
}

function startPart(
  name: string,
  command: string,
  args: string[],
  env: Record<string, string>,
  color: string,
  /** A line (stdout or stderr) that means ready; default: the `listening on` line. */
  readyLine?: RegExp,
): Part {
  // Own process group: a terminal's Ctrl-C reaches only this launcher, which stops
  // the parts in order (nodes before discovery, so they can log out).
  const child = spawn(command, args, {
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  const prefix = `${color}[${name}]${COLOR_RESET} `;
  const print = (line: string) => process.stdout.write(prefix + line + "\n");
  if (child.pid !== undefined) print(`started, pid ${child.pid}`);
  let resolveListening!: (url: string | null) => void;
  const listening = new Promise<string | null>((resolve) => resolveListening = resolve);
  const onLine = (line: string) => {
    print(line);
    if (readyLine?.test(line)) resolveListening(line);
    else if (!readyLine && line.startsWith("listening on ")) {
      resolveListening(line.slice(13).trim());
    }
  };
  createInterface({ input: child.stdout! }).on("line", onLine);
  createInterface({ input: child.stderr! }).on("line", readyLine ? onLine : print);
  const exited = new Promise<void>((resolve) => {
    child.once("exit", (code, signal) => {
      print(`exited (${signal ?? `code ${code}`})`);
      resolve();
    });
    child.once("error", (error) => {
      print(`Cannot start: ${error.message}`);
      resolve();
    });
  });
  exited.then(() => resolveListening(null));
  return { name, child, exited, listening };
}

async function stopPart(part: Part): Promise<void> {
  const { child } = part;
  if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), STOP_GRACE_MS);
  await part.exited;
  clearTimeout(timer);
}

/** Exits 1 with one line per busy port (and the make variable that moves it). */
async function checkPortsFree(discoveryPort: number, basePort: number, count: number) {
  const busy: string[] = [];
  if (!(await isPortFree(discoveryPort))) {
    busy.push(busyPortLine("discovery", discoveryPort, "DISCOVERY_PORT", discoveryPort + 10));
  }
  for (let port = basePort; port < basePort + count; port++) {
    if (await isPortFree(port)) continue;
    const suggestion = basePort + 1000 > 65535 - count ? 4001 : basePort + 1000;
    busy.push(busyPortLine(`node-${port - basePort + 1}`, port, "PORT", suggestion));
  }
  if (busy.length === 0) return;
  for (const line of busy) console.error(line);
  process.exit(1);
}

/**
 * The nodes, one after the other: on a fresh data/ folder node-i registers i-th and gets node id
 * i, so the names here match the ids the pages and logs show. Each goes into `started` as soon
 * as it runs (a Ctrl-C meanwhile stops it too); resolves with their URLs (null: did not start).
 */
async function startNodes(
  cluster: {
    count: number;
    basePort: number;
    dataDir: string;
    discoveryUrl: string;
    env: Record<string, string>;
    /** Flags every node gets too (`--backbone URL`). */
    extraArgs: string[];
  },
  started: Part[],
): Promise<Array<string | null>> {
  const listening: Array<string | null> = [];
  for (let i = 1; i <= cluster.count; i++) {
    const part = startPart(
      `node-${i}`,
      process.execPath,
      [
        "server/main.ts",
        "--host",
        "127.0.0.1",
        "--port",
        String(cluster.basePort + i - 1),
        "--db",
        join(cluster.dataDir, `node-${i}.db`),
        "--discovery",
        cluster.discoveryUrl,
        ...cluster.extraArgs,
      ],
      cluster.env,
      COLORS[i % COLORS.length],
    );
    started.push(part);
    listening.push(await part.listening);
  }
  return listening;
}

async function main(): Promise<void> {
  const { count, discoveryPort, basePort, backbone, natsPort } = parseDevFlags(
    process.argv.slice(2),
  );
  await checkPortsFree(discoveryPort, basePort, count);
  const dataDir = process.env.DSATTER_DATA_DIR || "data";
  fs.mkdirSync(dataDir, { recursive: true });
  const secret = developmentSecret(dataDir);
  const env = { DSATTER_CLUSTER_SECRET: secret, DSATTER_DATA_DIR: dataDir };
  const deno = "./node_modules/deno/deno";

  let stopping = false;
  const nodes: Part[] = [];
  const parts: { discovery?: Part; nats?: Part } = {};
  async function stopAll(exitCode: number): Promise<void> {
    if (stopping) {
      // A second Ctrl-C: no more waiting.
      console.log("killing every process...");
      for (const part of [...nodes, parts.discovery, parts.nats]) part?.child.kill("SIGKILL");
      return;
    }
    stopping = true;
    console.log("stopping every process...");
    await Promise.all(nodes.map(stopPart));
    if (parts.discovery) await stopPart(parts.discovery);
    if (parts.nats) await stopPart(parts.nats);
    process.exit(exitCode);
  }
  process.on("SIGINT", () => void stopAll(0));
  process.on("SIGTERM", () => void stopAll(0));
  process.on("SIGHUP", () => void stopAll(0));

  const backboneArgs: string[] = [];
  if (backbone) {
    const natsUrl = await startNats(dataDir, parts, natsPort);
    if (!natsUrl) {
      console.error(`Cannot start ${NATS_SERVER_BIN} (apt-get install nats-server)`);
      await stopAll(1);
      return;
    }
    backboneArgs.push("--backbone", natsUrl);
  }

  const discoveryArgs = ["--port", String(discoveryPort), "--host", "127.0.0.1"];
  const kvArgs = ["--kv", join(dataDir, "discovery.kv")];
  const discovery = startPart(
    "discovery",
    deno,
    [...DISCOVERY_RUN_ARGS, ...discoveryArgs, ...kvArgs],
    env,
    COLORS[0],
  );
  parts.discovery = discovery;
  const discoveryUrl = await discovery.listening;
  if (!discoveryUrl) {
    console.error(`Cannot start discovery on port ${discoveryPort} (is another one running?)`);
    await stopAll(1);
    return;
  }

  const listening = await startNodes(
    { count, basePort, dataDir, discoveryUrl, env, extraArgs: backboneArgs },
    nodes,
  );
  console.log("");
  console.log(`discovery: ${discoveryUrl}`);
  if (backboneArgs.length > 0) console.log(`backbone: ${backboneArgs[1]}`);
  listening.forEach((url, i) => {
    console.log(`node-${i + 1}: ${url ? `${url}/` : "did not start (see its log above)"}`);
  });
  console.log("open a node's URL in a browser; Ctrl-C stops every process.\n");
}

/** A JetStream nats-server on loopback (4222 when free), its store in data/nats. */
async function startNats(
  dataDir: string,
  parts: { nats?: Part },
  chosenPort?: number,
): Promise<string | null> {
  const port = chosenPort ?? (await isPortFree(NATS_PORT) ? NATS_PORT : await freeTcpPort());
  const storeDir = join(dataDir, "nats");
  fs.mkdirSync(storeDir, { recursive: true });
  const args = ["-js", "-a", "127.0.0.1", "-p", String(port), "-sd", storeDir];
  parts.nats = startPart(
    "nats",
    NATS_SERVER_BIN,
    args,
    {},
    COLORS[COLORS.length - 1],
    /Server is ready/,
  );
  return await parts.nats.listening ? `nats://127.0.0.1:${port}` : null;
}

await main();
