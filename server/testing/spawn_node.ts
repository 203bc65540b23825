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
import { createInterface } from "node:readline";
import process from "node:process";
import { fileURLToPath } from "node:url";
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

/** Starts a node and waits until it listens. Throws (after killing it) when it does not. */
export async function spawnNode(options: SpawnNodeOptions = {}): Promise<SpawnedNode> {
  const extraArgs = options.extraArgs ?? [];
  let createdDir: string | undefined;
  let dbPath = options.dbPath;
  if (!dbPath) {
    createdDir = mkdtempSync(join(tmpdir(), "dsatter-node-"));
    dbPath = join(createdDir, "node.db");
  }
  const dataDir = createdDir ?? mkdtempSync(join(tmpdir(), "dsatter-data-"));
  const args = ["server/main.ts", "--port", "0", "--host", "127.0.0.1", "--db", dbPath];
  if (!hasModeFlag(extraArgs)) args.push("--standalone");
  if (options.tls) {
    const { certPath, keyPath, caPath } = options.tls;
    args.push("--tls-cert", certPath, "--tls-key", keyPath, "--ca", caPath);
  }
  args.push(...extraArgs);
  const child = spawn(BUN_PATH, args, {
    cwd: REPO_ROOT,
    env: {
      ...process.env,
      DSATTER_CLUSTER_SECRET: TEST_CLUSTER_SECRET,
      DSATTER_DATA_DIR: dataDir,
      ...options.env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const stdoutLines: string[] = [];
  const stderrLines: string[] = [];
  const lineWaiters = new Set<(line: string) => void>();
  const exited = new Promise<number | null>((resolve) => {
    child.once("exit", (code) => resolve(code));
  });
  let cleaned = false;
  function cleanup() {
    if (cleaned) return;
    cleaned = true;
    if (!options.keepData && createdDir) rmSync(createdDir, { recursive: true, force: true });
    if (!createdDir) rmSync(dataDir, { recursive: true, force: true });
  }
  createInterface({ input: child.stdout! }).on("line", (line) => {
    stdoutLines.push(line);
    if (options.echo) process.stderr.write(`[node ${child.pid} out] ${line}\n`);
    for (const waiter of [...lineWaiters]) waiter(line);
  });
  createInterface({ input: child.stderr! }).on("line", (line) => {
    stderrLines.push(line);
    if (options.echo) process.stderr.write(`[node ${child.pid} err] ${line}\n`);
  });

  function waitForLine(predicate: (line: string) => boolean, deadlineMs = 20_000) {
    const seen = stdoutLines.find(predicate);
    if (seen !== undefined) return Promise.resolve(seen);
    return new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => {
        lineWaiters.delete(waiter);
        reject(new Error(`Cannot find the expected line within ${deadlineMs} ms`));
      }, deadlineMs);
      const waiter = (line: string) => {
        if (!predicate(line)) return;
        clearTimeout(timer);
        lineWaiters.delete(waiter);
        resolve(line);
      };
      lineWaiters.add(waiter);
      exited.then(() => {
        if (!lineWaiters.has(waiter)) return;
        clearTimeout(timer);
        lineWaiters.delete(waiter);
        reject(new Error("Cannot find the expected line: the node exited"));
      });
    });
  }

  async function kill(signal: Signal = "SIGKILL"): Promise<number | null> {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    const code = await exited;
    cleanup();
    return code;
  }

  async function stop(timeoutMs = 10_000): Promise<number | null> {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    const code = await exited;
    clearTimeout(timer);
    cleanup();
    return code;
  }

  let listening: string;
  try {
    listening = await waitForLine(
      (line) => /^listening on https?:\/\//.test(line),
      options.readyTimeoutMs ?? 20_000,
    );
  } catch (error) {
    await kill("SIGKILL");
    throw new Error(
      `Cannot start node: ${(error as Error).message}\nstderr:\n${stderrLines.join("\n")}`,
      { cause: error },
    );
  }
  const url = listening.slice("listening on ".length).trim();
  const port = Number(new URL(url).port);
  const node: SpawnedNode = {
    url,
    port,
    wsUrl: url.replace(/^http/, "ws") + "/",
    caPem: options.tls?.caPem,
    dbPath,
    stdoutLines,
    stderrLines,
    child,
    exited,
    waitForLine,
    stop,
    kill,
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
