/**
 * Test and dev harness: real `nats-server` processes (Debian's package) with
 * JetStream on, bound to loopback on ports the server picks itself (`-1`), each
 * with its own store directory; optionally three or more joined by routes into
 * one JetStream cluster. node:child_process only, so Bun and Deno code can use it.
 *
 * Invariant: every server started here is stopped by stop()/kill(); a store
 * directory this harness made is removed once its server is stopped (a caller's
 * own directory never is).
 * @module
 */

import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { createInterface } from "node:readline";

export const NATS_SERVER_BIN = process.env.DSATTER_NATS_SERVER ?? "nats-server";

export interface NatsServerOptions {
  /** JetStream store directory; default a fresh temp dir, removed on stop. */
  storeDir?: string;
  /** Client port. @default -1 (the server picks a free one) */
  port?: number;
  /** Joins a JetStream cluster: its name, this server's name, and the routes to the others. */
  cluster?: { name: string; serverName: string; routes: string[]; port?: number };
  /** Copy the server's log to stderr (debugging). @default false */
  echo?: boolean;
  /** How long to wait for it to listen. @default 15000 */
  readyTimeoutMs?: number;
}

export interface NatsServer {
  /** `nats://127.0.0.1:PORT` for clients. */
  url: string;
  port: number;
  /** `nats://127.0.0.1:PORT` for routes, when clustered. */
  routeUrl?: string;
  storeDir: string;
  child: ChildProcess;
  logLines: string[];
  stop(timeoutMs?: number): Promise<void>;
  kill(): Promise<void>;
}

export async function startNatsServer(options: NatsServerOptions = {}): Promise<NatsServer> {
  const createdDir = options.storeDir ? undefined : mkdtempSync(join(tmpdir(), "dsatter-nats-"));
  const storeDir = options.storeDir ?? createdDir!;
  const args = ["-js", "-a", "127.0.0.1", "-p", String(options.port ?? -1), "-sd", storeDir];
  if (options.cluster) {
    const { name, serverName, routes, port } = options.cluster;
    args.push(
      "-n",
      serverName,
      "--cluster_name",
      name,
      "--cluster",
      `nats://127.0.0.1:${port ?? -1}`,
    );
    if (routes.length > 0) args.push("--routes", routes.join(","));
  }
  const child = spawn(NATS_SERVER_BIN, args, { stdio: ["ignore", "pipe", "pipe"] });
  const logLines: string[] = [];
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const spawnError = new Promise<never>((_, reject) => child.once("error", reject));
  const found = { client: "", route: "" };
  const ready = new Promise<void>((resolve) => {
    for (const stream of [child.stdout!, child.stderr!]) {
      createInterface({ input: stream }).on("line", (line) => {
        logLines.push(line);
        if (options.echo) process.stderr.write(`[nats ${child.pid}] ${line}\n`);
        const client = /Listening for client connections on ([0-9.]+:[0-9]+)/.exec(line);
        if (client) found.client = client[1];
        const route = /Listening for route connections on ([0-9.]+:[0-9]+)/.exec(line);
        if (route) found.route = route[1];
        if (/Server is ready/.test(line)) resolve();
      });
    }
  });
  let cleaned = false;
  const cleanup = () => {
    if (cleaned) return;
    cleaned = true;
    if (createdDir) rmSync(createdDir, { recursive: true, force: true });
  };
  const stop = async (timeoutMs = 5000) => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    await exited;
    clearTimeout(timer);
    cleanup();
  };
  const kill = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    await exited;
    cleanup();
  };
  try {
    await Promise.race([
      ready,
      spawnError,
      exited.then(() => Promise.reject(new Error("it exited"))),
      new Promise((_, reject) =>
        setTimeout(() => reject(new Error("no ready line")), options.readyTimeoutMs ?? 15_000)
      ),
    ]);
    if (!found.client) throw new Error("no client port in its log");
  } catch (error) {
    await kill();
    throw new Error(
      `Cannot start nats-server: ${(error as Error).message}\n${logLines.join("\n")}`,
      { cause: error },
    );
  }
  return {
    url: `nats://${found.client}`,
    port: Number(found.client.split(":")[1]),
    routeUrl: found.route ? `nats://${found.route}` : undefined,
    storeDir,
    child,
    logLines,
    stop,
    kill,
  };
}

/** A JetStream cluster of `size` servers joined by routes (the first is the seed). */
export async function startNatsCluster(
  size: number,
  options: { echo?: boolean } = {},
): Promise<NatsServer[]> {
  const name = `dsatter${process.pid}`;
  const servers: NatsServer[] = [];
  try {
    const routePorts = await Promise.all(Array.from({ length: size }, () => freeTcpPort()));
    const routes = routePorts.map((port) => `nats://127.0.0.1:${port}`);
    const settled = await Promise.allSettled(routePorts.map((port, index) =>
      startNatsServer({
        cluster: {
          name,
          serverName: `n${index + 1}`,
          routes: routes.filter((_, i) => i !== index),
          port,
        },
        echo: options.echo,
      })
    ));
    for (const result of settled) if (result.status === "fulfilled") servers.push(result.value);
    const failed = settled.find((result) => result.status === "rejected");
    if (failed) throw failed.reason;
    return servers;
  } catch (error) {
    await Promise.all(servers.map((server) => server.kill()));
    throw error;
  }
}

/** A TCP port free right now on loopback (for route ports the cluster must know up front). */
export async function freeTcpPort(): Promise<number> {
  const { createServer } = await import("node:net");
  return await new Promise<number>((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}
