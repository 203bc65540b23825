/**
 * `deno task discovery [--port P] [--kv PATH] [--ttl SECONDS] [--host H] [--verbose]`:
 * parses flags, resolves the cluster secret, opens Deno KV, serves the app and
 * runs the expiry sweep until SIGINT/SIGTERM. Nothing else lives here.
 *
 * Invariant: the first stdout line is `listening on http://HOST:PORT` with the
 * real port (also for `--port 0`), and HOST one a local client can dial.
 * @module
 */

import { watchScriptRunnerParent } from "./parent_watch.ts";
import { dirname, join } from "node:path";
import { parseArgs } from "node:util";
import { DEFAULT_DISCOVERY_TTL_SECONDS } from "../common/discovery_protocol.ts";
import { isProduction, resolveClusterSecret } from "../common/cluster_secret.ts";
import { createDiscovery } from "./app.ts";
import { systemClock } from "./clock.ts";
import { createConsoleLogger } from "./logger.ts";

const USAGE =
  "usage: deno task discovery [--port P] [--kv PATH|:memory:] [--ttl SECONDS] [--host H] [--verbose]";

interface Flags {
  port: number;
  host: string;
  kvPath: string;
  ttlSeconds: number;
  verbose: boolean;
}

function parseFlags(args: string[]): Flags {
  const { values } = parseArgs({
    args,
    options: {
      port: { type: "string", default: "8080" },
      host: { type: "string", default: "0.0.0.0" },
      kv: {
        type: "string",
        default: join(Deno.env.get("DSATTER_DATA_DIR") || "data", "discovery.kv"),
      },
      ttl: { type: "string", default: String(DEFAULT_DISCOVERY_TTL_SECONDS) },
      verbose: { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false },
    },
    strict: true,
    allowPositionals: false,
  });
  if (values.help) {
    console.log(USAGE);
    Deno.exit(0);
  }
  const port = Number(values.port);
  if (!/^\d+$/.test(values.port) || port > 65535) {
    throw new RangeError(`--port must be an integer in 0..65535, got ${values.port}`);
  }
  const ttlSeconds = Number(values.ttl);
  if (!(ttlSeconds > 0) || !Number.isFinite(ttlSeconds)) {
    throw new RangeError(`--ttl must be a positive number of seconds, got ${values.ttl}`);
  }
  if (values.kv === "") throw new RangeError("--kv must be a path or :memory:");
  return { port, host: values.host, kvPath: values.kv, ttlSeconds, verbose: values.verbose };
}

/** The URL host a local client can dial for a listening hostname. */
function dialableHost(hostname: string): string {
  if (hostname === "0.0.0.0") return "127.0.0.1";
  if (hostname === "::" || hostname === "[::]") return "[::1]";
  return hostname.includes(":") && !hostname.startsWith("[") ? `[${hostname}]` : hostname;
}

function readClusterSecret(): { secret: string; origin: string; warning?: string } {
  const env = (name: string) => Deno.env.get(name);
  const dataDir = env("DSATTER_DATA_DIR") || "data";
  const secretPath = join(dataDir, "cluster-secret");
  const result = resolveClusterSecret({
    env,
    readSecretFile: () => {
      try {
        return Deno.readTextFileSync(secretPath);
      } catch (error) {
        if (error instanceof Deno.errors.NotFound) return null;
        throw error;
      }
    },
    writeSecretFile: (secret) => {
      Deno.mkdirSync(dataDir, { recursive: true });
      // Whole content at once: a temporary file hard-linked to the name (link fails if it
      // exists), so a process starting alongside never reads it empty.
      const temporary = `${secretPath}.${Deno.pid}.${Date.now()}.tmp`;
      Deno.writeTextFileSync(temporary, secret + "\n", { createNew: true, mode: 0o600 });
      try {
        Deno.linkSync(temporary, secretPath);
      } finally {
        Deno.removeSync(temporary);
      }
    },
    randomHex: (bytes) =>
      Array.from(crypto.getRandomValues(new Uint8Array(bytes)))
        .map((byte) => byte.toString(16).padStart(2, "0")).join(""),
  });
  if (!result.ok) throw new Error(result.error);
  return result;
}

/** Deno.serve, with a one-line error and exit 1 when the address cannot be bound. */
function serveOrExit(
  options: Deno.ServeTcpOptions,
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
    Deno.exit(1);
  }
}

async function main(): Promise<void> {
  let flags: Flags;
  let secret: { secret: string; origin: string; warning?: string };
  try {
    flags = parseFlags(Deno.args);
    secret = readClusterSecret();
  } catch (error) {
    console.error(`Cannot start discovery: ${error instanceof Error ? error.message : error}`);
    console.error(USAGE);
    Deno.exit(2);
  }
  const production = isProduction((name) => Deno.env.get(name));
  const logger = createConsoleLogger({ json: production, verbose: flags.verbose && !production });
  if (secret.warning) logger.error(secret.warning);

  if (flags.kvPath !== ":memory:") await Deno.mkdir(dirname(flags.kvPath), { recursive: true });
  const kv = await Deno.openKv(flags.kvPath);
  const shutdown = new AbortController();
  const discovery = createDiscovery({
    kv,
    clock: systemClock,
    config: { clusterSecret: secret.secret, ttlSeconds: flags.ttlSeconds },
    logger,
    signal: shutdown.signal,
  });

  const sweeping = discovery.sweeper.run(shutdown.signal);

  // Signal handlers go in before serving: a supervisor may stop us as soon as it
  // reads the listening line. (`server` is assigned synchronously below, before any
  // signal can be delivered.)
  let stopping = false;
  const stop = async (signalName: string) => {
    if (stopping) return;
    stopping = true;
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
  const server = serveOrExit({
    port: flags.port,
    hostname: flags.host,
    onListen: (addr) => {
      console.log(`listening on http://${dialableHost(addr.hostname)}:${addr.port}`);
      logger.info("discovery ready", {
        bound: `${addr.hostname}:${addr.port}`,
        kv: flags.kvPath,
        ttl: flags.ttlSeconds,
        secret: secret.origin,
      });
    },
  }, discovery.app.fetch as Deno.ServeHandler);

  await server.finished;
}

if (import.meta.main) await main();
