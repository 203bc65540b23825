/**
 * Test harness: starts the real discovery process (`deno run ... discovery/main.ts`)
 * on a free port and hands back its URL. Uses node:child_process only, so Deno
 * tests and Bun tests can both import it.
 *
 * Invariants: `spawnDiscovery` resolves only once the process printed
 * `listening on http://HOST:PORT` and rejects (with the process's stderr) when it
 * exits first or stays silent past the start timeout, having killed it; `stop()`
 * always leaves no process behind (SIGTERM, then SIGKILL after a grace period).
 * @module
 */

import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import process from "node:process";
import { randomHex } from "../../common/random_hex.ts";
import { DISCOVERY_RUN_ARGS } from "../run_args.ts";

export interface SpawnDiscoveryOptions {
  /** @default 0 (a free port) */
  port?: number;
  /** KV path, or ":memory:". @default ":memory:" */
  kv?: string;
  /** `--ttl`; the discovery's own default (10 s) when omitted. */
  ttlSeconds?: number;
  /** `--host`; the discovery's own default when omitted. */
  host?: string;
  /** `--verbose`: one stdout line per request. @default false */
  verbose?: boolean;
  /** `--tls-cert`/`--tls-key`: serve https:// (the URL then starts with https://). */
  tls?: { certPath: string; keyPath: string };
  /** More flags, after the ones above. */
  extraArgs?: string[];
  /** DSATTER_CLUSTER_SECRET for the process. @default a fresh random one (see `clusterSecret`) */
  clusterSecret?: string;
  /** Extra environment, on top of this process's. */
  env?: Record<string, string>;
  /** @default 20000 */
  startTimeoutMs?: number;
  /** How long `stop()` waits after SIGTERM before SIGKILL. @default 5000 */
  stopGraceMs?: number;
}

/** Signals that end the process. */
export type ProcessSignal = "SIGTERM" | "SIGKILL" | "SIGINT" | "SIGHUP";

export interface ProcessExit {
  code: number | null;
  signal: string | null;
}

export interface SpawnedDiscovery {
  /** e.g. "http://127.0.0.1:41234" (https:// with TLS), no trailing slash. */
  url: string;
  port: number;
  pid: number;
  /** The secret the process runs with: send it as `Authorization: Bearer ...`. */
  clusterSecret: string;
  /** Every stdout line so far (the last 5,000). */
  stdoutLines(): string[];
  /** Everything on stderr so far (the last 64 KiB). */
  stderrText(): string;
  /** Resolves with the first stdout line (seen so far or later) that matches. */
  waitForStdoutLine(pattern: RegExp, timeoutMs?: number): Promise<string>;
  /** SIGTERM, SIGKILL after the grace period; resolves once the process is gone. Idempotent. */
  stop(): Promise<ProcessExit>;
  /** Sends `signal` (default SIGKILL) and resolves once the process is gone. */
  kill(signal?: ProcessSignal): Promise<ProcessExit>;
  /** Freezes (SIGSTOP) or thaws (SIGCONT) the process: a discovery that stops answering. */
  sendSignal(signal: "SIGSTOP" | "SIGCONT"): void;
  /** Resolves when the process exits, however that happens. */
  exited: Promise<ProcessExit>;
}

const DENO_PATH = fileURLToPath(new URL("../../node_modules/deno/deno", import.meta.url));
const REPO_ROOT = fileURLToPath(new URL("../../", import.meta.url));
const MAX_STDOUT_LINES = 5000;
const MAX_STDERR_CHARS = 64 * 1024;
const LISTENING = /^listening on (https?:\/\/\S+?):(\d+)\s*$/;

/** Children still running, killed if the test process exits without stopping them. */
const liveChildren = new Set<ChildProcess>();
let exitHookInstalled = false;

function installExitHook() {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on("exit", () => {
    for (const child of liveChildren) {
      try {
        if (child.pid !== undefined) process.kill(child.pid, "SIGKILL");
      } catch { /* already gone */ }
    }
  });
}

export function spawnDiscovery(options: SpawnDiscoveryOptions = {}): Promise<SpawnedDiscovery> {
  const clusterSecret = options.clusterSecret ?? randomHex(24);
  const startTimeoutMs = options.startTimeoutMs ?? 20_000;
  const stopGraceMs = options.stopGraceMs ?? 5_000;
  const args = [
    ...DISCOVERY_RUN_ARGS,
    `--port=${options.port ?? 0}`,
    `--kv=${options.kv ?? ":memory:"}`,
  ];
  if (options.ttlSeconds !== undefined) args.push(`--ttl=${options.ttlSeconds}`);
  if (options.host !== undefined) args.push(`--host=${options.host}`);
  if (options.verbose) args.push("--verbose");
  if (options.tls) {
    args.push(`--tls-cert=${options.tls.certPath}`, `--tls-key=${options.tls.keyPath}`);
  }
  args.push(...(options.extraArgs ?? []));

  installExitHook();
  const child = spawn(DENO_PATH, args, {
    cwd: REPO_ROOT,
    env: { ...process.env, NO_COLOR: "1", ...options.env, DSATTER_CLUSTER_SECRET: clusterSecret },
    stdio: ["ignore", "pipe", "pipe"],
  });
  liveChildren.add(child);

  const lines: string[] = [];
  const waiters = new Set<{ pattern: RegExp; resolve: (line: string) => void }>();
  let partial = "";
  let stderr = "";

  // Exit is tracked here, not through child.exitCode/signalCode: Deno's node
  // compatibility marks a child as killed after any kill(), even SIGCONT.
  let exitInfo: ProcessExit | undefined;
  const exited = new Promise<ProcessExit>((resolve) => {
    const done = (exit: ProcessExit) => {
      if (exitInfo) return;
      exitInfo = exit;
      liveChildren.delete(child);
      resolve(exit);
    };
    child.once("exit", (code, signal) => done({ code, signal }));
    child.once("error", () => done({ code: null, signal: null }));
  });

  /** Sends a signal straight to the pid (see above for why not child.kill). */
  function signalChild(signal: string) {
    if (exitInfo || child.pid === undefined) return;
    try {
      process.kill(child.pid, signal);
    } catch { /* already gone */ }
  }

  function onLine(line: string) {
    lines.push(line);
    if (lines.length > MAX_STDOUT_LINES) lines.shift();
    for (const waiter of waiters) {
      if (waiter.pattern.test(line)) {
        waiters.delete(waiter);
        waiter.resolve(line);
      }
    }
  }

  child.stdout!.setEncoding("utf8");
  child.stdout!.on("data", (chunk: string) => {
    partial += chunk;
    const parts = partial.split("\n");
    partial = parts.pop() ?? "";
    for (const part of parts) onLine(part.replace(/\r$/, ""));
  });
  child.stderr!.setEncoding("utf8");
  child.stderr!.on("data", (chunk: string) => {
    stderr = (stderr + chunk).slice(-MAX_STDERR_CHARS);
  });

  function waitForStdoutLine(pattern: RegExp, timeoutMs = 20_000): Promise<string> {
    const seen = lines.find((line) => pattern.test(line));
    if (seen !== undefined) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const waiter = {
        pattern,
        resolve: (line: string) => {
          clearTimeout(timer);
          resolve(line);
        },
      };
      const timer = setTimeout(() => {
        waiters.delete(waiter);
        reject(
          new Error(
            `Cannot see a discovery stdout line matching ${pattern} within ${timeoutMs} ms; ` +
              `last lines:\n${lines.slice(-20).join("\n")}\nstderr:\n${stderr.slice(-2000)}`,
          ),
        );
      }, timeoutMs);
      waiters.add(waiter);
    });
  }

  async function kill(signal: ProcessSignal = "SIGKILL"): Promise<ProcessExit> {
    signalChild(signal);
    return await exited;
  }

  let stopping: Promise<ProcessExit> | undefined;
  function stop(): Promise<ProcessExit> {
    stopping ??= (async () => {
      if (exitInfo) return exitInfo;
      signalChild("SIGCONT"); // a frozen process cannot handle SIGTERM
      signalChild("SIGTERM");
      let graceTimer: ReturnType<typeof setTimeout> | undefined;
      const forced = new Promise<void>((resolve) => {
        graceTimer = setTimeout(resolve, stopGraceMs);
      });
      const first = await Promise.race([exited, forced.then(() => undefined)]);
      clearTimeout(graceTimer);
      if (first) return first;
      signalChild("SIGKILL");
      return await exited;
    })();
    return stopping;
  }

  return new Promise<SpawnedDiscovery>((resolve, reject) => {
    let settled = false;
    const startTimer = setTimeout(() => {
      if (settled) return;
      settled = true;
      void kill("SIGKILL").then(() =>
        reject(
          new Error(
            `Cannot start discovery: no "listening on" line within ${startTimeoutMs} ms; ` +
              `stderr:\n${stderr.slice(-2000)}`,
          ),
        )
      );
    }, startTimeoutMs);
    void exited.then((exit) => {
      if (settled) return;
      settled = true;
      clearTimeout(startTimer);
      reject(
        new Error(
          `Cannot start discovery: it exited (code ${exit.code}, signal ${exit.signal}) ` +
            `before listening; stderr:\n${stderr.slice(-2000)}`,
        ),
      );
    });
    void waitForStdoutLine(LISTENING, startTimeoutMs + 1000).then((line) => {
      if (settled) return;
      settled = true;
      clearTimeout(startTimer);
      const match = LISTENING.exec(line)!;
      const port = Number(match[2]);
      resolve({
        url: `${match[1]}:${port}`,
        port,
        pid: child.pid!,
        clusterSecret,
        stdoutLines: () => [...lines],
        stderrText: () => stderr,
        waitForStdoutLine,
        stop,
        kill,
        sendSignal: signalChild,
        exited,
      });
    }, () => {/* the start timer reports it */});
  });
}
