/**
 * Command-line flags of `bun run server` (PROTOCOL.md sections 1 and 8 plus
 * --verbose, --help, --rate-limit, --region), parsed with node:util parseArgs
 * into a typed configuration, or an error sentence, or the help text. Every
 * flag of SERVER_FLAGS can also come from `DSATTER_<FLAG>` (common/env_flags.ts;
 * the command line wins). Pure: the environment is injected.
 *
 * The flag table and integer rules are in server_flag_table.ts, the network
 * flags (addresses, mode, TLS) in node_address_flags.ts, the abuse limits in
 * abuse_limits.ts; this module puts them together.
 *
 * Invariant: a returned config is complete and checked (ports, URLs, limits),
 * so main.ts never re-validates.
 * @module
 */

import { parseArgs } from "node:util";
import {
  DEFAULT_TOKEN_LEEWAY_SECONDS,
  DEFAULT_TOKEN_MAX_LIFETIME_SECONDS,
} from "../../common/user_token.ts";
import type { AuthMode } from "../core/chat_access.ts";
import { normalizeOrigin } from "../transport/origin_policy.ts";
import { envFlagsNote, withEnvFlags } from "../../common/env_flags.ts";
import { type AbuseLimits, LIMITS_HELP, readAbuseLimits } from "./abuse_limits.ts";
import {
  DEFAULT_DISCOVERY_URL,
  DEFAULT_IDLE_TIMEOUT_SECONDS,
  DEFAULT_RATE_LIMIT_PER_SECOND,
  type FlagValues,
  integerFlag,
  isRefusal,
  type Refusal,
  SERVER_FLAGS,
  SERVER_MODE_FLAGS,
} from "./server_flag_table.ts";
import {
  addresses,
  backboneServers,
  isHttpUrl,
  type NodeMode,
  nodeMode,
  parsePort,
  tlsFiles,
} from "./node_address_flags.ts";

export { type AbuseLimits, DEFAULT_LIMITS } from "./abuse_limits.ts";
export type { NodeMode } from "./node_address_flags.ts";

export interface ServerConfig {
  port: number;
  host: string;
  /** Address (host or host:port) clients and peers are told to use; undefined: derived. */
  advertise?: string;
  /** Address (host or host:port) peers dial when it is not `advertise`; discovery mode only. */
  advertisePeer?: string;
  mode: NodeMode;
  /** Discovery URL (also kept in peers/standalone modes for tools that want it). */
  discoveryUrl: string;
  dbPath: string;
  verbose: boolean;
  /** Client frames per second, sustained; burst is ten times this. */
  rateLimitPerSecond: number;
  region?: string;
  /** Seconds a client may stay silent (no frame, no pong) before it is closed with 4001. */
  idleTimeoutSeconds: number;
  /** `--tls-cert` and `--tls-key` (PEM files): serve https:// and wss://. */
  tls?: { certPath: string; keyPath: string };
  /** `--ca`: PEM file of extra CAs trusted for discovery and peer connections. */
  caPath?: string;
  /** `--insecure`: production may use plain http/ws beyond loopback. */
  insecure: boolean;
  /** Seconds the node keeps serving after SIGTERM while /readyz answers 503. */
  drainSeconds: number;
  /** `--backbone`: NATS servers to replicate through instead of the mesh (docs/BACKBONE.md). */
  backbone?: string[];
  /** `--auth`; undefined: the environment's default (off, or required in production). */
  auth?: AuthMode;
  /** `--allowed-origins`: browser origins besides the cluster's nodes that may connect. */
  allowedOrigins: string[];
  /** `--max-token-lifetime`: the longest exp - iat a user token may claim, seconds. */
  maxTokenLifetimeSeconds: number;
  /** `--token-leeway`: clock skew forgiven on a token's exp and nbf, seconds. */
  tokenLeewaySeconds: number;
  /** Abuse limits (docs/SERVER.md "Limits"). */
  limits: AbuseLimits;
}

export type FlagsResult =
  | { kind: "config"; config: ServerConfig }
  | { kind: "help"; text: string }
  | { kind: "version" }
  | { kind: "error"; message: string };

export const HELP_TEXT = `DSatter chat node

Usage: bun run server [flags]

  --port P            port for clients, peers and HTTP (default 0: a free port)
  --host H            interface to bind (default 0.0.0.0: all IPv4 interfaces)
  --advertise ADDR    address to announce to clients and peers (default: derived from --host)
  --advertise-peer ADDR  address peers dial instead, HOST[:PORT] (containers publishing ports
                      on the host's loopback; sent to discovery as syncaddress/syncport)
  --discovery URL     discovery service (default ${DEFAULT_DISCOVERY_URL}; the default mode)
  --standalone        serve alone: no discovery, no peers
  --peers URL,...     static list of peer nodes instead of discovery
  --backbone nats://HOST:PORT[,...]  replicate through a NATS JetStream stream instead of
                      linking to every peer (discovery mode; every node of the cluster alike)
  --db PATH           SQLite database (default <DSATTER_DATA_DIR or data>/node.db)
  --rate-limit N      client frames per second per connection, bursts of 10*N (default ${DEFAULT_RATE_LIMIT_PER_SECOND})
  --region R          region reported to discovery
  --idle-timeout S    seconds a client may stay silent, pings unanswered, before it is closed (default ${DEFAULT_IDLE_TIMEOUT_SECONDS})
  --tls-cert PATH     PEM certificate (chain): serve https:// and wss:// (with --tls-key)
  --tls-key PATH      PEM private key of --tls-cert
  --ca PATH           PEM file of extra CAs to trust for discovery and peers (private CAs)
  --insecure          production: allow plain http:// and ws:// beyond loopback
  --drain-seconds S   on SIGTERM keep serving S seconds with /readyz at 503 (default 0)
  --auth MODE         off|optional|required: user tokens (default off; required when DSATTER_ENV=production)
  --allowed-origins L browser origins (comma list, or *) allowed to connect besides the cluster's nodes
  --max-token-lifetime S  longest lifetime (exp - iat) a user token may have (default ${DEFAULT_TOKEN_MAX_LIFETIME_SECONDS})
  --token-leeway S    clock skew forgiven on a token's exp and nbf (default ${DEFAULT_TOKEN_LEEWAY_SECONDS})
${LIMITS_HELP}
  --verbose           debug logging
  --version           print the version and exit
  --help              this text

Every flag can also be set as DSATTER_<FLAG> (DSATTER_PORT, DSATTER_RATE_LIMIT,
DSATTER_TLS_CERT, DSATTER_STANDALONE=true, ...); a flag on the command line wins.
Environment: DSATTER_CLUSTER_SECRET (required when DSATTER_ENV=production),
DSATTER_AUTH_SECRET (signs user tokens; required unless --auth off),
DSATTER_ENV (development|production), DSATTER_DATA_DIR (default ./data).

Subcommands: bun run server backup --help, bun run server restore --help
`;

export interface ParseServerFlagsOptions {
  /** Where the default DB goes. @default "data" */
  dataDir?: string;
  /** Reads `DSATTER_<FLAG>` variables. @default none set */
  env?: (name: string) => string | undefined;
}

/** Parses argv (without the runtime and script) over the DSATTER_ variables of the environment. */
export function parseServerFlags(
  argv: string[],
  options: ParseServerFlagsOptions = {},
): FlagsResult {
  const resolved = withEnvFlags(argv, SERVER_FLAGS, {
    env: options.env ?? (() => undefined),
    exclusive: [SERVER_MODE_FLAGS],
  });
  if (!resolved.ok) return { kind: "error", message: resolved.error };
  const result = parseResolvedFlags(resolved.args, options.dataDir ?? "data");
  if (result.kind !== "error") return result;
  return { kind: "error", message: result.message + envFlagsNote(resolved.fromEnv) };
}

function parseResolvedFlags(argv: string[], dataDir: string): FlagsResult {
  let values: FlagValues;
  try {
    values = parseArgs({ args: argv, strict: true, allowPositionals: false, options: SERVER_FLAGS })
      .values;
  } catch (error) {
    return { kind: "error", message: `Cannot parse flags: ${(error as Error).message}` };
  }
  if (values.help) return { kind: "help", text: HELP_TEXT };
  if (values.version) return { kind: "version" };
  const config = checkedConfig(values, dataDir);
  if (isRefusal(config)) return { kind: "error", message: `Cannot parse flags: ${config.refused}` };
  return { kind: "config", config };
}

const AUTH_MODES: readonly AuthMode[] = ["off", "optional", "required"];

/** --auth, --allowed-origins and the token lifetimes (PROTOCOL.md section 6). */
function accessFlags(values: FlagValues):
  | Pick<
    ServerConfig,
    "auth" | "allowedOrigins" | "maxTokenLifetimeSeconds" | "tokenLeewaySeconds"
  >
  | Refusal {
  const auth = values.auth;
  if (auth !== undefined && !AUTH_MODES.includes(auth as AuthMode)) {
    return { refused: "--auth must be off, optional or required" };
  }
  const allowedOrigins = (values["allowed-origins"] ?? "").split(",").map((o) => o.trim())
    .filter(Boolean);
  const badOrigin = allowedOrigins.find((o) => o !== "*" && normalizeOrigin(o) === undefined);
  if (badOrigin !== undefined) {
    return { refused: `--allowed-origins entry ${badOrigin} is not an origin` };
  }
  const maxTokenLifetimeSeconds = integerFlag(values, "max-token-lifetime");
  if (isRefusal(maxTokenLifetimeSeconds)) return maxTokenLifetimeSeconds;
  const tokenLeewaySeconds = integerFlag(values, "token-leeway");
  if (isRefusal(tokenLeewaySeconds)) return tokenLeewaySeconds;
  return {
    auth: auth as AuthMode | undefined,
    allowedOrigins,
    maxTokenLifetimeSeconds,
    tokenLeewaySeconds,
  };
}

/** Every flag checked; the first refusal otherwise. */
function checkedConfig(values: FlagValues, dataDir: string): ServerConfig | Refusal {
  const port = parsePort(values.port);
  if (port === null) return { refused: "--port must be 0..65535" };
  const host = values.host ?? "0.0.0.0";
  if (host === "") return { refused: "--host is empty" };
  const discoveryUrl = (values.discovery ?? DEFAULT_DISCOVERY_URL).replace(/\/+$/, "");
  if (!isHttpUrl(discoveryUrl)) return { refused: "--discovery must be an http(s) URL" };
  const mode = nodeMode(values, discoveryUrl);
  if (isRefusal(mode)) return mode;
  const backbone = backboneServers(values, mode);
  if (isRefusal(backbone)) return backbone;
  const rateLimitPerSecond = integerFlag(values, "rate-limit");
  if (isRefusal(rateLimitPerSecond)) return rateLimitPerSecond;
  const idleTimeoutSeconds = integerFlag(values, "idle-timeout");
  if (isRefusal(idleTimeoutSeconds)) return idleTimeoutSeconds;
  const advertised = addresses(values, host, mode);
  if (isRefusal(advertised)) return advertised;
  const tls = tlsFiles(values);
  if (isRefusal(tls)) return tls;
  const drainSeconds = integerFlag(values, "drain-seconds");
  if (isRefusal(drainSeconds)) return drainSeconds;
  const access = accessFlags(values);
  if (isRefusal(access)) return access;
  const limitLoopback = values["limit-loopback"] ?? false;
  const limits = readAbuseLimits((flag) => integerFlag(values, flag), limitLoopback);
  if (isRefusal(limits)) return limits;
  return {
    port,
    host,
    ...advertised,
    mode,
    discoveryUrl,
    dbPath: values.db ?? `${dataDir.replace(/\/+$/, "")}/node.db`,
    verbose: values.verbose ?? false,
    rateLimitPerSecond,
    region: values.region,
    idleTimeoutSeconds,
    ...tls,
    insecure: values.insecure ?? false,
    drainSeconds,
    backbone,
    ...access,
    limits,
  };
}
