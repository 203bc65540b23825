/**
 * One chat node of the chaos cluster as a process the nemesis can kill,
 * freeze, stop and start again on the same database, the same address and,
 * on loopback, the same port. Every line it prints goes to its log file, with
 * the harness's own marks (start, signal, exit) in between.
 *
 * Invariants: at most one process per ChaosNode runs at a time; an exit the
 * harness did not cause is reported to onUnexpectedExit; stopAll() leaves no
 * process behind (SIGCONT, SIGTERM, then SIGKILL).
 * @module
 */

import { type ChildProcess, spawn } from "node:child_process";
import { appendFileSync } from "node:fs";
import { createInterface } from "node:readline";
import process from "node:process";
import { BUN_PATH, REPO_ROOT } from "../server/testing/spawn_node.ts";

export interface ChaosNodeOptions {
  index: number;
  dbPath: string;
  dataDir: string;
  logPath: string;
  /** Command prefix (the node's network namespace). */
  launcher: string[];
  bindHost: string;
  /** The host clients and peers use for it. */
  host: string;
  /** 0 on loopback (then the first real port is kept for restarts). */
  port: number;
  discoveryUrl: string;
  env: Record<string, string>;
  /** Told about an exit the harness did not cause. */
  onUnexpectedExit(code: number | null, signal: string | null): void;
  /** @default 30000 */
  readyTimeoutMs?: number;
}

export type NodeState = "down" | "up" | "frozen";

/** Node processes still running: killed if the harness exits without stopping them. */
const liveChildren = new Set<ChildProcess>();
let exitHookInstalled = false;

function trackChild(child: ChildProcess): void {
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.on("exit", () => {
      for (const running of liveChildren) {
        try {
          running.kill("SIGKILL");
        } catch { /* already gone */ }
      }
    });
  }
  liveChildren.add(child);
  child.once("exit", () => liveChildren.delete(child));
}

export class ChaosNode {
  readonly index: number;
  nodeId?: number;
  /** The offset its next start runs with (DSATTER_CLOCK_OFFSET_MS). */
  clockOffsetMs = 0;
  #options: ChaosNodeOptions;
  #child?: ChildProcess;
  #exited?: Promise<void>;
  #expectingExit = false;
  #port: number;
  #state: NodeState = "down";
  #startMs = performance.now();

  constructor(options: ChaosNodeOptions) {
    this.index = options.index;
    this.#options = options;
    this.#port = options.port;
  }

  get state(): NodeState {
    return this.#state;
  }
  get url(): string {
    return `http://${this.#options.host}:${this.#port}`;
  }
  get dbPath(): string {
    return this.#options.dbPath;
  }
  get logPath(): string {
    return this.#options.logPath;
  }
  get wsUrl(): string {
    return `ws://${this.#options.host}:${this.#port}/`;
  }

  /** Appends a harness line to the node's log. */
  mark(text: string): void {
    const at = ((performance.now() - this.#startMs) / 1000).toFixed(3);
    appendFileSync(this.#options.logPath, `[harness ${at}s] ${text}\n`);
  }

  /** Starts the process and waits until it listens. */
  async start(): Promise<void> {
    if (this.#child) throw new Error(`Cannot start node ${this.index}: it is running`);
    const o = this.#options;
    const args = [
      ...o.launcher,
      BUN_PATH,
      "server/main.ts",
      "--host",
      o.bindHost,
      "--port",
      String(this.#port),
      "--advertise",
      o.host,
      "--db",
      o.dbPath,
      "--discovery",
      o.discoveryUrl,
    ];
    this.mark(`start (clock offset ${this.clockOffsetMs} ms)`);
    const child = spawn(args[0], args.slice(1), {
      cwd: REPO_ROOT,
      env: {
        ...process.env,
        ...o.env,
        DSATTER_DATA_DIR: o.dataDir,
        DSATTER_CLOCK_OFFSET_MS: String(this.clockOffsetMs),
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    this.#child = child;
    trackChild(child);
    this.#expectingExit = false;
    let listening: (line: string) => void = () => {};
    const ready = new Promise<string>((resolve) => listening = resolve);
    createInterface({ input: child.stdout! }).on("line", (line) => {
      appendFileSync(o.logPath, `${line}\n`);
      if (line.startsWith("listening on ")) listening(line);
    });
    createInterface({ input: child.stderr! }).on("line", (line) => {
      appendFileSync(o.logPath, `err ${line}\n`);
    });
    this.#exited = new Promise((resolve) => {
      child.once("exit", (code, signal) => {
        this.mark(`exited (code ${code}, signal ${signal})`);
        this.#child = undefined;
        this.#state = "down";
        if (!this.#expectingExit) o.onUnexpectedExit(code, signal);
        resolve();
      });
    });
    const timeoutMs = o.readyTimeoutMs ?? 30_000;
    const line = await Promise.race([
      ready,
      this.#exited.then(() => null),
      new Promise<null>((resolve) => setTimeout(() => resolve(null), timeoutMs)),
    ]);
    if (line === null) {
      await this.kill();
      throw new Error(`Cannot start node ${this.index}: no "listening on" line (see its log)`);
    }
    this.#port = Number(new URL(line.slice("listening on ".length).trim()).port);
    this.#state = "up";
    await this.#learnNodeId();
  }

  async #learnNodeId(): Promise<void> {
    try {
      const response = await fetch(`${this.url}/healthz`, { signal: AbortSignal.timeout(5000) });
      const health = await response.json() as { nodeId?: number };
      if (typeof health.nodeId === "number") this.nodeId = health.nodeId;
    } catch { /* learnt on a later start */ }
  }

  /** SIGKILL, and wait for the exit. */
  async kill(): Promise<void> {
    await this.#end("SIGKILL");
  }

  /** SIGTERM (a clean stop), SIGKILL after graceMs. */
  async term(graceMs = 10_000): Promise<void> {
    const timer = setTimeout(() => this.#child?.kill("SIGKILL"), graceMs);
    await this.#end("SIGTERM");
    clearTimeout(timer);
  }

  async #end(signal: "SIGKILL" | "SIGTERM"): Promise<void> {
    const child = this.#child;
    if (!child) return;
    this.#expectingExit = true;
    this.mark(signal);
    if (this.#state === "frozen" && signal === "SIGTERM") child.kill("SIGCONT");
    child.kill(signal);
    await this.#exited;
  }

  /** SIGSTOP: the process hangs, its sockets stay open. */
  freeze(): void {
    if (!this.#child || this.#state !== "up") return;
    this.mark("SIGSTOP");
    this.#child.kill("SIGSTOP");
    this.#state = "frozen";
  }

  /** SIGCONT after freeze(). */
  thaw(): void {
    if (!this.#child || this.#state !== "frozen") return;
    this.mark("SIGCONT");
    this.#child.kill("SIGCONT");
    this.#state = "up";
  }

  /** Whatever state it is in: stopped, leaving no process. */
  async stopAll(): Promise<void> {
    this.thaw();
    await this.term(5000);
  }
}
