/**
 * Test harness: runs the real terminal client (`deno run client/main.ts`) as a
 * child process with its own HOME and XDG_CONFIG_HOME (a temp dir, so tests
 * never read or write the user's config), collects its stdout and stderr line
 * by line, and waits for lines with deadlines (never fixed sleeps).
 *
 * Invariant: every client started here is ended by stop()/kill() (callers use
 * try/finally), and its temp home is removed then.
 * @module
 */

import { fileURLToPath as fromFileUrl } from "node:url";

export const REPO_ROOT = fromFileUrl(new URL("../../", import.meta.url));
export const DENO_PATH = fromFileUrl(new URL("../../node_modules/deno/deno", import.meta.url));
export const CLIENT_RUN_ARGS = [
  "run",
  "--allow-net",
  "--allow-read",
  "--allow-write",
  "--allow-env",
  "client/main.ts",
];

export interface SpawnClientOptions {
  /** Keep stdin open as a pipe (write with writeLine, end with closeStdin). @default false: /dev/null */
  stdin?: boolean;
  /** Extra environment. */
  env?: Record<string, string>;
  /** A home dir to reuse (config kept across runs); default a fresh temp dir. */
  homeDir?: string;
}

export interface SpawnedClient {
  stdoutLines: string[];
  stderrLines: string[];
  homeDir: string;
  /** Resolves with the exit code. */
  exited: Promise<number>;
  waitForStdout(predicate: (line: string) => boolean, deadlineMs?: number): Promise<string>;
  waitForStderr(predicate: (line: string) => boolean, deadlineMs?: number): Promise<string>;
  /** Resolves once at least `count` stdout lines match. */
  waitForStdoutCount(
    predicate: (line: string) => boolean,
    count: number,
    deadlineMs?: number,
  ): Promise<void>;
  writeLine(line: string): Promise<void>;
  closeStdin(): Promise<void>;
  /** SIGTERM, then SIGKILL after 10 s; resolves with the exit code. */
  stop(): Promise<number>;
}

export async function spawnClient(
  args: string[],
  options: SpawnClientOptions = {},
): Promise<SpawnedClient> {
  const ownHome = options.homeDir === undefined;
  const homeDir = options.homeDir ?? await Deno.makeTempDir({ prefix: "dsatter-client-home-" });
  const child = new Deno.Command(DENO_PATH, {
    args: [...CLIENT_RUN_ARGS, ...args],
    cwd: REPO_ROOT,
    env: { HOME: homeDir, XDG_CONFIG_HOME: `${homeDir}/.config`, NO_COLOR: "1", ...options.env },
    stdin: options.stdin ? "piped" : "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const output = collectOutput(child, async () => {
    if (ownHome) await Deno.remove(homeDir, { recursive: true }).catch(() => {});
  });
  const { stdoutLines, stderrLines, exited, waitFor } = output;
  const writer = options.stdin ? child.stdin.getWriter() : undefined;
  const firstMatch = async (lines: string[], predicate: (l: string) => boolean, ms: number) => {
    await waitFor(() => lines.some(predicate), "the expected line", ms);
    return lines.find(predicate)!;
  };

  return {
    stdoutLines,
    stderrLines,
    homeDir,
    exited,
    waitForStdout: (predicate, deadlineMs = 20_000) =>
      firstMatch(stdoutLines, predicate, deadlineMs),
    waitForStderr: (predicate, deadlineMs = 20_000) =>
      firstMatch(stderrLines, predicate, deadlineMs),
    waitForStdoutCount: (predicate, count, deadlineMs = 20_000) =>
      waitFor(
        () => stdoutLines.filter(predicate).length >= count,
        `${count} matching stdout lines`,
        deadlineMs,
      ),
    async writeLine(line) {
      await writer!.write(new TextEncoder().encode(line + "\n"));
    },
    async closeStdin() {
      await writer?.close().catch(() => {});
    },
    async stop() {
      if (!output.ended()) {
        try {
          child.kill("SIGTERM");
        } catch { /* already gone */ }
      }
      const timer = setTimeout(() => {
        try {
          child.kill("SIGKILL");
        } catch { /* already gone */ }
      }, 10_000);
      await writer?.close().catch(() => {});
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
}

/** A child's output line by line, its exit, and waits on its lines. */
interface CollectedOutput {
  stdoutLines: string[];
  stderrLines: string[];
  /** Resolves with the exit code once both streams are read and `onExit` ran. */
  exited: Promise<number>;
  ended(): boolean;
  /** Resolves when `condition` holds; rejects at the deadline or when the child exits first. */
  waitFor(condition: () => boolean, what: string, deadlineMs: number): Promise<void>;
}

function collectOutput(child: Deno.ChildProcess, onExit: () => Promise<void>): CollectedOutput {
  const stdoutLines: string[] = [];
  const stderrLines: string[] = [];
  const waiters = new Set<() => void>();
  let ended = false;
  const notify = () => {
    for (const waiter of [...waiters]) waiter();
  };
  const pump = async (stream: ReadableStream<Uint8Array>, into: string[]) => {
    const decoder = new TextDecoder();
    let buffer = "";
    for await (const chunk of stream) {
      buffer += decoder.decode(chunk, { stream: true });
      let newline: number;
      while ((newline = buffer.indexOf("\n")) >= 0) {
        into.push(buffer.slice(0, newline));
        buffer = buffer.slice(newline + 1);
        notify();
      }
    }
    if (buffer) into.push(buffer);
    notify();
  };
  const pumps = Promise.all([pump(child.stdout, stdoutLines), pump(child.stderr, stderrLines)]);
  const exited = (async () => {
    const status = await child.status;
    await pumps;
    ended = true;
    notify();
    await onExit();
    return status.code;
  })();
  const describe = () => `stdout:\n${stdoutLines.join("\n")}\nstderr:\n${stderrLines.join("\n")}`;
  const waitFor = (condition: () => boolean, what: string, deadlineMs: number) =>
    new Promise<void>((resolve, reject) => {
      const check = () => {
        if (condition()) {
          finish();
          resolve();
        } else if (ended) {
          finish();
          reject(new Error(`Cannot see ${what}: the client exited\n${describe()}`));
        }
      };
      const timer = setTimeout(() => {
        finish();
        reject(new Error(`Cannot see ${what} within ${deadlineMs} ms\n${describe()}`));
      }, deadlineMs);
      const finish = () => {
        clearTimeout(timer);
        waiters.delete(check);
      };
      waiters.add(check);
      check();
    });
  return { stdoutLines, stderrLines, exited, ended: () => ended, waitFor };
}

/** Runs the client to completion; resolves with its exit code and output. */
export async function runClient(
  args: string[],
  options: SpawnClientOptions & { deadlineMs?: number } = {},
): Promise<{ code: number; stdout: string[]; stderr: string[] }> {
  const client = await spawnClient(args, options);
  const timer = setTimeout(() => client.stop(), options.deadlineMs ?? 60_000);
  try {
    const code = await client.exited;
    return { code, stdout: client.stdoutLines, stderr: client.stderrLines };
  } finally {
    clearTimeout(timer);
  }
}
