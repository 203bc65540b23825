/**
 * Command-line flags of `deno task discovery`, from argv and from
 * `DSATTER_<FLAG>` variables (common/env_flags.ts; the command line wins;
 * DSATTER_DISCOVERY_TTL, Deno Deploy's name, still sets --ttl). Pure: the
 * environment is injected, so every rule is tested without a process.
 *
 * Invariant: a returned config is complete and checked; every error is one
 * sentence starting "Cannot start discovery:" (a usage error: exit 2).
 * @module
 */

import { join } from "node:path";
import { parseArgs } from "node:util";
import { DEFAULT_DISCOVERY_TTL_SECONDS } from "../common/discovery_protocol.ts";
import { envFlagsNote, type FlagTable, withEnvFlags } from "../common/env_flags.ts";

export interface DiscoveryFlags {
  port: number;
  host: string;
  kvPath: string;
  ttlSeconds: number;
  verbose: boolean;
  /** `--tls-cert`/`--tls-key`: serve https:// only. */
  tls?: { certPath: string; keyPath: string };
  /** `--insecure`: production may serve plain HTTP beyond loopback. */
  insecure: boolean;
  /** Seconds discovery keeps serving after SIGTERM while /readyz answers 503. */
  drainSeconds: number;
}

export type DiscoveryFlagsResult =
  | { kind: "config"; flags: DiscoveryFlags }
  | { kind: "help" }
  | { kind: "version" }
  | { kind: "error"; message: string };

/** The one table of discovery's flags: parseArgs reads it, and so does the environment resolver. */
export const DISCOVERY_FLAGS = {
  port: { type: "string", default: "8080" },
  host: { type: "string", default: "0.0.0.0" },
  kv: { type: "string" },
  ttl: { type: "string", default: String(DEFAULT_DISCOVERY_TTL_SECONDS) },
  "tls-cert": { type: "string" },
  "tls-key": { type: "string" },
  insecure: { type: "boolean", default: false },
  "drain-seconds": { type: "string", default: "0" },
  verbose: { type: "boolean", default: false },
  help: { type: "boolean", short: "h", default: false },
  version: { type: "boolean", default: false },
} as const satisfies FlagTable;

export const DISCOVERY_USAGE =
  `usage: deno task discovery [--port P] [--kv PATH|:memory:] [--ttl SECONDS] [--host H]
                           [--tls-cert PATH --tls-key PATH] [--insecure] [--drain-seconds S]
                           [--verbose] [--version]
Every flag can also be set as DSATTER_<FLAG> (DSATTER_PORT, DSATTER_KV, DSATTER_TTL,
DSATTER_TLS_CERT, ...); a flag on the command line wins.`;

export function parseDiscoveryFlags(
  argv: string[],
  options: { env: (name: string) => string | undefined; dataDir?: string },
): DiscoveryFlagsResult {
  const resolved = withEnvFlags(argv, DISCOVERY_FLAGS, {
    env: options.env,
    aliases: { ttl: ["DSATTER_DISCOVERY_TTL"] },
  });
  if (!resolved.ok) {
    return { kind: "error", message: resolved.error.replace(/^Cannot parse flags:/, PREFIX) };
  }
  const result = parseResolved(resolved.args, options.dataDir ?? "data");
  if (result.kind !== "error") return result;
  return { kind: "error", message: result.message + envFlagsNote(resolved.fromEnv) };
}

const PREFIX = "Cannot start discovery:";

function parseResolved(args: string[], dataDir: string): DiscoveryFlagsResult {
  let values;
  try {
    values = parseArgs({ args, options: DISCOVERY_FLAGS, strict: true, allowPositionals: false })
      .values;
  } catch (error) {
    return { kind: "error", message: `${PREFIX} ${(error as Error).message}` };
  }
  if (values.help) return { kind: "help" };
  if (values.version) return { kind: "version" };
  const port = Number(values.port);
  if (!/^\d+$/.test(values.port) || port > 65535) {
    return {
      kind: "error",
      message: `${PREFIX} --port must be an integer in 0..65535, got ${values.port}`,
    };
  }
  const ttlSeconds = Number(values.ttl);
  if (!(ttlSeconds > 0) || !Number.isFinite(ttlSeconds)) {
    return {
      kind: "error",
      message: `${PREFIX} --ttl must be a positive number of seconds, got ${values.ttl}`,
    };
  }
  const kvPath = values.kv ?? join(dataDir, "discovery.kv");
  if (kvPath === "") return { kind: "error", message: `${PREFIX} --kv must be a path or :memory:` };
  const certPath = values["tls-cert"];
  const keyPath = values["tls-key"];
  if ((certPath === undefined) !== (keyPath === undefined) || certPath === "" || keyPath === "") {
    return { kind: "error", message: `${PREFIX} --tls-cert and --tls-key go together` };
  }
  const drain = values["drain-seconds"];
  if (!/^[0-9]{1,4}$/.test(drain)) {
    return { kind: "error", message: `${PREFIX} --drain-seconds must be 0..9999, got ${drain}` };
  }
  return {
    kind: "config",
    flags: {
      port,
      host: values.host,
      kvPath,
      ttlSeconds,
      verbose: values.verbose,
      tls: certPath && keyPath ? { certPath, keyPath } : undefined,
      insecure: values.insecure,
      drainSeconds: Number(drain),
    },
  };
}
