/**
 * `deno task discovery [flags]` (discovery_flags.ts; every flag also as a
 * DSATTER_ variable): resolves the cluster secret, refuses weak production
 * settings, opens Deno KV, serves the app (plain or TLS) and runs the expiry
 * sweep until SIGINT/SIGTERM, which turns /readyz to 503, keeps serving for
 * --drain-seconds, then shuts down. Nothing else lives here.
 *
 * Invariants: the first stdout line is `listening on http(s)://HOST:PORT` with
 * the real port (also for `--port 0`), and HOST one a local client can dial;
 * exit 2 for a usage error, 1 for a refused configuration (common/exit_code.ts);
 * a KV file created here is mode 0600.
 * @module
 */

import packageJson from "../package.json" with { type: "json" };
import { watchScriptRunnerParent } from "./parent_watch.ts";
import * as fs from "node:fs";
import { dirname } from "node:path";
import { type BuildInfo, versionLine } from "../common/build_info.ts";
import { isProduction } from "../common/cluster_secret.ts";
import { hostForUrl } from "../common/host_address.ts";
import { clusterSecretFromDataDir } from "../common/cluster_secret_file.ts";
import { ExitCode } from "../common/exit_code.ts";
import { productionRefusals } from "../common/production_policy.ts";
import { createDiscovery } from "./app.ts";
import { systemClock } from "../common/clock.ts";
import { DISCOVERY_USAGE, type DiscoveryFlags, parseDiscoveryFlags } from "./discovery_flags.ts";
import { createLogger } from "../common/logger.ts";

const BUILD_INFO: BuildInfo = {
  version: packageJson.version,
  runtime: `deno ${Deno.version.deno}`,
};

/** The URL host a local client can dial for a listening hostname. */
function dialableHost(hostname: string): string {
  if (hostname === "0.0.0.0") return "127.0.0.1";
  if (hostname === "::" || hostname === "[::]") return "[::1]";
  return hostForUrl(hostname);
}

function readClusterSecret(): { secret: string; origin: string; warning?: string } {
  const env = (name: string) => Deno.env.get(name);
  const result = clusterSecretFromDataDir(env("DSATTER_DATA_DIR") || "data", { env, fs });
  if (!result.ok) throw new Error(result.error);
  return result;
}

/** Creates the KV file empty and private (SQLite gives -wal and -shm its mode) unless it exists. */
async function createPrivateKvFile(path: string): Promise<void> {
  await Deno.mkdir(dirname(path), { recursive: true, mode: 0o700 });
  try {
    (await Deno.open(path, { createNew: true, write: true, mode: 0o600 })).close();
  } catch (error) {
    if (!(error instanceof Deno.errors.AlreadyExists)) throw error;
  }
}

/** Deno.serve, with a one-line error and exit 1 when the address cannot be bound. */
function serveOrExit(
  options: Deno.ServeTcpOptions & Partial<Deno.TlsCertifiedKeyPem>,
  handler: Deno.ServeHandler,
): Deno.HttpServer {
  try {
    return Deno.serve(options, handler);
  } catch (error) {
    const reason = error instanceof Deno.errors.AddrInUse
      ? `${options.hostname}:${options.port} is already in use`
      : error instanceof Error
      ? error.message
      : String(error);
    console.error(`Cannot start discovery: ${reason}`);
    Deno.exit(ExitCode.refused);
  }
}

function refuse(message: string): never {
  console.error(message);
  Deno.exit(ExitCode.refused);
}

function parseOrExit(): DiscoveryFlags {
  const env = (name: string) => Deno.env.get(name);
  const parsed = parseDiscoveryFlags(Deno.args, {
    env,
    dataDir: env("DSATTER_DATA_DIR") || "data",
  });
  if (parsed.kind === "help") {
    console.log(DISCOVERY_USAGE);
    Deno.exit(ExitCode.ok);
  }
  if (parsed.kind === "version") {
    console.log(versionLine("dsatter-discovery", BUILD_INFO));
    Deno.exit(ExitCode.ok);
  }
  if (parsed.kind === "error") {
    console.error(parsed.message);
    console.error(DISCOVERY_USAGE);
    Deno.exit(ExitCode.usage);
  }
  return parsed.flags;
}

/** The secret and the TLS files, checked against production's rules; or exit 1. */
async function settle(flags: DiscoveryFlags): Promise<{
  secret: { secret: string; origin: string; warning?: string };
  tls?: Deno.TlsCertifiedKeyPem;
  production: boolean;
}> {
  let secret: { secret: string; origin: string; warning?: string };
  let tls: Deno.TlsCertifiedKeyPem | undefined;
  try {
    secret = readClusterSecret();
    if (flags.tls) {
      tls = {
        cert: await Deno.readTextFile(flags.tls.certPath),
        key: await Deno.readTextFile(flags.tls.keyPath),
      };
    }
  } catch (error) {
    refuse(`Cannot start discovery: ${error instanceof Error ? error.message : error}`);
  }
  const production = isProduction((name) => Deno.env.get(name));
  if (production) {
    const refusals = productionRefusals({
      secret: secret.secret,
      bindHost: flags.host,
      tls: tls !== undefined,
      insecure: flags.insecure,
      storePath: flags.kvPath,
      env: (name) => Deno.env.get(name),
    });
    if (refusals.length > 0) refuse(refusals.join("\n"));
  }
  return { secret, tls, production };
}

async function main(): Promise<void> {
  const flags = parseOrExit();
  const { secret, tls, production } = await settle(flags);
  const logger = createLogger({ json: production, verbose: flags.verbose && !production });
  if (secret.warning) logger.warn(secret.warning);

  if (flags.kvPath !== ":memory:") await createPrivateKvFile(flags.kvPath);
  const kv = await Deno.openKv(flags.kvPath);
  const shutdown = new AbortController();
  let serving = true;
  const discovery = createDiscovery({
    kv,
    clock: systemClock,
    config: { clusterSecret: secret.secret, ttlSeconds: flags.ttlSeconds },
    logger,
    signal: shutdown.signal,
    serving: () => serving,
    build: BUILD_INFO,
  });

  const sweeping = discovery.sweeper.run(shutdown.signal);

  // Signal handlers go in before serving: a supervisor may stop us as soon as it
  // reads the listening line. (`server` is assigned synchronously below, before any
  // signal can be delivered.)
  let stopping = false;
  const stop = async (signalName: string) => {
    if (stopping) return;
    stopping = true;
    serving = false;
    if (flags.drainSeconds > 0) {
      logger.info("discovery draining", { signal: signalName, seconds: flags.drainSeconds });
      await new Promise((resolve) => setTimeout(resolve, flags.drainSeconds * 1000));
    }
    logger.info("discovery stopping", { signal: signalName });
    shutdown.abort();
    // A connection that will not drain must not keep the process alive.
    setTimeout(() => Deno.exit(0), 5000);
    await server.shutdown();
    await sweeping;
    kv.close();
    Deno.exit(0);
  };
  Deno.addSignalListener("SIGINT", () => void stop("SIGINT"));
  Deno.addSignalListener("SIGTERM", () => void stop("SIGTERM"));
  // `deno task discovery` killed with SIGKILL cannot pass the signal on: stop as if it had.
  watchScriptRunnerParent(() => void stop("parent process gone"));
  const scheme = tls ? "https" : "http";
  const server = serveOrExit({
    port: flags.port,
    hostname: flags.host,
    ...tls,
    onListen: (addr) => {
      console.log(`listening on ${scheme}://${dialableHost(addr.hostname)}:${addr.port}`);
      logger.info("discovery ready", {
        bound: `${addr.hostname}:${addr.port}`,
        kv: flags.kvPath,
        ttl: flags.ttlSeconds,
        secretFrom: secret.origin,
        tls: tls !== undefined,
      });
    },
  }, discovery.app.fetch as Deno.ServeHandler);

  await server.finished;
}

if (import.meta.main) await main();
