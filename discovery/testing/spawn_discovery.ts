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
import { sleep } from "../../common/abortable_sleep.ts";
import { OutputLines } from "../../server/testing/output_lines.ts";

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

/** The `deno run` arguments for these options. */
function discoveryArgs(options: SpawnDiscoveryOptions): string[] {
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
  return [...args, ...(options.extraArgs ?? [])];
}

/** The process, its output, and the ways to end it. */
function startDiscoveryProcess(options: SpawnDiscoveryOptions, clusterSecret: string) {
  installExitHook();
  const child = spawn(DENO_PATH, discoveryArgs(options), {
    cwd: REPO_ROOT,
    env: { ...process.env, NO_COLOR: "1", ...options.env, DSATTER_CLUSTER_SECRET: clusterSecret },
    stdio: ["ignore", "pipe", "pipe"],
  });
  liveChildren.add(child);
  const stdout = new OutputLines({ maxLines: MAX_STDOUT_LINES });
  stdout.follow(child.stdout!);
  let stderr = "";
  child.stderr!.setEncoding("utf8");
  child.stderr!.on("data", (chunk: string) => {
    stderr = (stderr + chunk).slice(-MAX_STDERR_CHARS);
  });

  // Exit is tracked here, not through child.exitCode/signalCode: Deno's node
  // compatibility marks a child as killed after any kill(), even SIGCONT.
  let exitInfo: ProcessExit | undefined;
  const exited = new Promise<ProcessExit>((resolve) => {
    const done = (exit: ProcessExit) => {
      if (exitInfo) return;
      exitInfo = exit;
      liveChildren.delete(child);
      stdout.end(`it exited (code ${exit.code}, signal ${exit.signal})`);
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
  async function kill(signal: ProcessSignal = "SIGKILL"): Promise<ProcessExit> {
    signalChild(signal);
    return await exited;
  }
  const gracefulStop = async (): Promise<ProcessExit> => {
    if (exitInfo) return exitInfo;
    signalChild("SIGCONT"); // a frozen process cannot handle SIGTERM
    signalChild("SIGTERM");
    const grace = new AbortController();
    const forced = sleep(options.stopGraceMs ?? 5_000, grace.signal).then(() => undefined);
    const first = await Promise.race([exited, forced]);
    grace.abort();
    if (first) return first;
    signalChild("SIGKILL");
    return await exited;
  };
  let stopping: Promise<ProcessExit> | undefined;
  const stop = () => stopping ??= gracefulStop();
  return { child, stdout, stderr: () => stderr, exited, signalChild, kill, stop };
}

export async function spawnDiscovery(
  options: SpawnDiscoveryOptions = {},
): Promise<SpawnedDiscovery> {
  const clusterSecret = options.clusterSecret ?? randomHex(24);
  const startTimeoutMs = options.startTimeoutMs ?? 20_000;
  const started = startDiscoveryProcess(options, clusterSecret);
  const { stdout, stderr } = started;
  function waitForStdoutLine(pattern: RegExp, timeoutMs = 20_000): Promise<string> {
    return stdout.waitFor((line) => pattern.test(line), timeoutMs).catch((error) => {
      throw new Error(
        `Cannot see a discovery stdout line matching ${pattern}: ${error.message}; ` +
          `last lines:\n${stdout.lines.slice(-20).join("\n")}\nstderr:\n${stderr().slice(-2000)}`,
      );
    });
  }
  let line: string;
  try {
    line = await stdout.waitFor((text) => LISTENING.test(text), startTimeoutMs);
  } catch (error) {
    await started.kill("SIGKILL");
    const reason = (error as Error).message.startsWith("it exited")
      ? `${(error as Error).message} before listening`
      : `no "listening on" line within ${startTimeoutMs} ms`;
    throw new Error(`Cannot start discovery: ${reason}; stderr:\n${stderr().slice(-2000)}`);
  }
  const match = LISTENING.exec(line)!;
  const port = Number(match[2]);
  return {
    url: `${match[1]}:${port}`,
    port,
    pid: started.child.pid!,
    clusterSecret,
    stdoutLines: () => [...stdout.lines],
    stderrText: stderr,
    waitForStdoutLine,
    stop: started.stop,
    kill: started.kill,
    sendSignal: started.signalChild,
    exited: started.exited,
  };
}
