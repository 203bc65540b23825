/**
 * Test harness: starts a real chat node (`bun server/main.ts`) as a child process
 * and hands back its address once it printed `listening on http://HOST:PORT`.
 * node:child_process only, so Bun tests and Deno tests (client, web, perf) can
 * both import it.
 *
 * Invariant: every node started here is stopped by stop() or kill(); a temp
 * data dir this harness created is removed with it (unless keepData), a dbPath
 * the caller passed is never touched, so a restart test can reuse it.
 * @module
 */

import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { OutputLines } from "./output_lines.ts";
import { fetchTrusting } from "./test_tls.ts";

/** The repository root, found from this file's location. */
export const REPO_ROOT = fileURLToPath(new URL("../../", import.meta.url));
/** Absolute path of the pinned Bun binary. */
export const BUN_PATH = fileURLToPath(new URL("../../node_modules/.bin/bun", import.meta.url));
/** The secret tests use unless they pass their own. */
export const TEST_CLUSTER_SECRET = "dsatter-test-secret-0123456789abcdef";

/** A signal name as child_process takes it. */
export type Signal = Exclude<Parameters<ChildProcess["kill"]>[0], number | undefined>;

export interface SpawnNodeOptions {
  /**
   * Flags after the defaults (`--port 0 --host 127.0.0.1 --db <dbPath>`). When none of
   * `--standalone`, `--peers`, `--discovery` is among them, `--standalone` is added.
   */
  extraArgs?: string[];
  /** Extra environment. DSATTER_CLUSTER_SECRET and DSATTER_DATA_DIR get test defaults. */
  env?: Record<string, string>;
  /** SQLite file to use; default a fresh temp dir's `node.db`. Never deleted by the harness. */
  dbPath?: string;
  /** How long to wait for the `listening on` line. @default 20000 */
  readyTimeoutMs?: number;
  /** Keep the temp dir the harness created after stop/kill. @default false */
  keepData?: boolean;
  /** Copy the node's stdout/stderr to this process's stderr, prefixed. @default false */
  echo?: boolean;
  /**
   * Serve TLS with this certificate and trust this CA for discovery and peers
   * (`--tls-cert`, `--tls-key`, `--ca`; server/testing/test_tls.ts makes them).
   */
  tls?: { certPath: string; keyPath: string; caPath: string; caPem: string };
}

export interface SpawnedNode {
  /** `http://HOST:PORT` (`https://` with TLS) from the first stdout line. */
  url: string;
  port: number;
  /** `ws://HOST:PORT/` (`wss://`), the client WebSocket endpoint. */
  wsUrl: string;
  /** The CA to trust when talking to this node (TLS nodes only). */
  caPem?: string;
  /** From /healthz once listening; undefined if /healthz did not answer in time. */
  nodeId?: number;
  dbPath: string;
  /** Every stdout line so far (live array). */
  stdoutLines: string[];
  /** Every stderr line so far (live array). */
  stderrLines: string[];
  child: ChildProcess;
  /** Resolves with the exit code (or null when killed by a signal) once the process exited. */
  exited: Promise<number | null>;
  /** Waits for a stdout line matching the predicate (past or future). */
  waitForLine(predicate: (line: string) => boolean, deadlineMs?: number): Promise<string>;
  /** SIGTERM, wait for exit (SIGKILL after timeoutMs); resolves with the exit code. */
  stop(timeoutMs?: number): Promise<number | null>;
  /** Sends a signal and waits for exit. */
  kill(signal?: Signal): Promise<number | null>;
}

function hasModeFlag(args: string[]): boolean {
  return args.some((arg) =>
    ["--standalone", "--peers", "--discovery"].some((flag) =>
      arg === flag || arg.startsWith(`${flag}=`)
    )
  );
}

/** Where the node keeps its files: the caller's dbPath, or a temp dir this harness removes. */
function nodeFiles(options: SpawnNodeOptions): { dbPath: string; dataDir: string; remove(): void } {
  let createdDir: string | undefined;
  let dbPath = options.dbPath;
  if (!dbPath) {
    createdDir = mkdtempSync(join(tmpdir(), "dsatter-node-"));
    dbPath = join(createdDir, "node.db");
  }
  const dataDir = createdDir ?? mkdtempSync(join(tmpdir(), "dsatter-data-"));
  let removed = false;
  return {
    dbPath,
    dataDir,
    remove() {
      if (removed) return;
      removed = true;
      if (!options.keepData && createdDir) rmSync(createdDir, { recursive: true, force: true });
      if (!createdDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** The node's command line: the test defaults, TLS files, then the caller's flags. */
function nodeArgs(options: SpawnNodeOptions, dbPath: string): string[] {
  const extraArgs = options.extraArgs ?? [];
  const args = ["server/main.ts", "--port", "0", "--host", "127.0.0.1", "--db", dbPath];
  if (!hasModeFlag(extraArgs)) args.push("--standalone");
  if (options.tls) {
    const { certPath, keyPath, caPath } = options.tls;
    args.push("--tls-cert", certPath, "--tls-key", keyPath, "--ca", caPath);
  }
  return [...args, ...extraArgs];
}

/** The node process with its output followed; stopping it removes its temp files. */
function startNodeProcess(options: SpawnNodeOptions, files: ReturnType<typeof nodeFiles>) {
  const child = spawn(BUN_PATH, nodeArgs(options, files.dbPath), {
    cwd: REPO_ROOT,
    env: {
      ...process.env,
      DSATTER_CLUSTER_SECRET: TEST_CLUSTER_SECRET,
      DSATTER_DATA_DIR: files.dataDir,
      ...options.env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const stdout = new OutputLines();
  const stderr = new OutputLines();
  const echo = (stream: string) => (line: string) => {
    if (options.echo) process.stderr.write(`[node ${child.pid} ${stream}] ${line}\n`);
  };
  stdout.follow(child.stdout!, echo("out"));
  stderr.follow(child.stderr!, echo("err"));
  const exited = new Promise<number | null>((resolve) => {
    child.once("exit", (code) => {
      stdout.end("Cannot find the expected line: the node exited");
      resolve(code);
    });
  });
  async function kill(signal: Signal = "SIGKILL"): Promise<number | null> {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    const code = await exited;
    files.remove();
    return code;
  }
  async function stop(timeoutMs = 10_000): Promise<number | null> {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    const code = await exited;
    clearTimeout(timer);
    files.remove();
    return code;
  }
  return { child, stdout, stderr, exited, kill, stop };
}

/** Starts a node and waits until it listens. Throws (after killing it) when it does not. */
export async function spawnNode(options: SpawnNodeOptions = {}): Promise<SpawnedNode> {
  const files = nodeFiles(options);
  const started = startNodeProcess(options, files);
  const { stdout, stderr } = started;
  const waitForLine = (predicate: (line: string) => boolean, deadlineMs = 20_000) =>
    stdout.waitFor(predicate, deadlineMs);
  let listening: string;
  try {
    listening = await waitForLine(
      (line) => /^listening on https?:\/\//.test(line),
      options.readyTimeoutMs ?? 20_000,
    );
  } catch (error) {
    await started.kill("SIGKILL");
    throw new Error(
      `Cannot start node: ${(error as Error).message}\nstderr:\n${stderr.lines.join("\n")}`,
      { cause: error },
    );
  }
  const url = listening.slice("listening on ".length).trim();
  const node: SpawnedNode = {
    url,
    port: Number(new URL(url).port),
    wsUrl: url.replace(/^http/, "ws") + "/",
    caPem: options.tls?.caPem,
    dbPath: files.dbPath,
    stdoutLines: stdout.lines,
    stderrLines: stderr.lines,
    child: started.child,
    exited: started.exited,
    waitForLine,
    stop: started.stop,
    kill: started.kill,
  };
  try {
    const response = await fetchTrusting(node.caPem, `${url}/healthz`, {
      signal: AbortSignal.timeout(10_000),
    });
    const health = await response.json() as { nodeId?: number };
    if (typeof health.nodeId === "number") node.nodeId = health.nodeId;
  } catch {
    // nodeId stays undefined: the caller can still use the node.
  }
  return node;
}
