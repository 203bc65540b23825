/**
 * Command-line flags of `bun run server` (PROTOCOL.md sections 1 and 8 plus
 * --verbose, --help, --rate-limit, --region), parsed with node:util parseArgs
 * into a typed configuration, or an error sentence, or the help text. Every
 * flag of SERVER_FLAGS can also come from `DSATTER_<FLAG>` (common/env_flags.ts;
 * the command line wins). Pure: the environment is injected.
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
import { envFlagsNote, type FlagTable, withEnvFlags } from "../../common/env_flags.ts";
import {
  hostForUrl,
  hostKind,
  isUnspecifiedHost,
  splitHostPort,
  unmapIpv4,
} from "../../common/host_address.ts";
import { parseBackboneUrls } from "../../common/backbone_protocol.ts";
import { type AbuseLimits, LIMIT_FLAGS, LIMIT_INTEGER_RULES } from "./abuse_limits.ts";
import { LIMITS_HELP, readAbuseLimits } from "./abuse_limits.ts";

export { type AbuseLimits, DEFAULT_LIMITS } from "./abuse_limits.ts";

export type NodeMode =
  | { kind: "standalone" }
  | { kind: "peers"; peers: string[] }
  | { kind: "discovery"; discoveryUrl: string };

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

/** The one table of the node's flags: parseArgs reads it, and so does the environment resolver. */
export const SERVER_FLAGS = {
  port: { type: "string" },
  host: { type: "string" },
  advertise: { type: "string" },
  "advertise-peer": { type: "string" },
  discovery: { type: "string" },
  db: { type: "string" },
  standalone: { type: "boolean" },
  peers: { type: "string" },
  backbone: { type: "string" },
  "rate-limit": { type: "string" },
  region: { type: "string" },
  "idle-timeout": { type: "string" },
  "tls-cert": { type: "string" },
  "tls-key": { type: "string" },
  ca: { type: "string" },
  insecure: { type: "boolean" },
  "drain-seconds": { type: "string" },
  auth: { type: "string" },
  "allowed-origins": { type: "string" },
  "max-token-lifetime": { type: "string" },
  "token-leeway": { type: "string" },
  ...LIMIT_FLAGS,
  verbose: { type: "boolean" },
  help: { type: "boolean", short: "h" },
  version: { type: "boolean" },
} as const satisfies FlagTable;

/** Of these the command line may give one; it then silences the others' DSATTER_ variables. */
export const SERVER_MODE_FLAGS = ["standalone", "peers", "discovery"] as const;

export const DEFAULT_DISCOVERY_URL = "http://localhost:8080";
export const DEFAULT_RATE_LIMIT_PER_SECOND = 1000;
export const DEFAULT_IDLE_TIMEOUT_SECONDS = 120;

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

function parsePort(value: string | undefined): number | null {
  if (value === undefined) return 0;
  if (!/^[0-9]{1,5}$/.test(value)) return null;
  const port = Number(value);
  return port <= 65535 ? port : null;
}

/** A --peers entry: the node's http(s) URL or its ws(s) URL (any path), with a port. */
function isPeerUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return ["http:", "https:", "ws:", "wss:"].includes(url.protocol) && url.port !== "";
  } catch {
    return false;
  }
}

function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === "http:" || url.protocol === "https:";
  } catch {
    return false;
  }
}

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

/** Why a flag's value was refused (the sentence after "Cannot parse flags: "). */
interface Refusal {
  refused: string;
}

const isRefusal = (value: unknown): value is Refusal =>
  typeof value === "object" && value !== null && "refused" in value;

type FlagValues = ReturnType<typeof parseArgs<{ options: typeof SERVER_FLAGS }>>["values"];

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

/** The integer flags: their default, how many digits and the least value they take. */
const INTEGER_FLAGS = {
  "rate-limit": {
    fallback: DEFAULT_RATE_LIMIT_PER_SECOND,
    maxDigits: 9,
    min: 1,
    refusal: "--rate-limit must be an integer >= 1",
  },
  "idle-timeout": {
    fallback: DEFAULT_IDLE_TIMEOUT_SECONDS,
    maxDigits: 6,
    min: 1,
    refusal: "--idle-timeout must be an integer >= 1",
  },
  "drain-seconds": {
    fallback: 0,
    maxDigits: 4,
    min: 0,
    refusal: "--drain-seconds must be 0..9999",
  },
  "max-token-lifetime": {
    fallback: DEFAULT_TOKEN_MAX_LIFETIME_SECONDS,
    maxDigits: 9,
    min: 1,
    refusal: "--max-token-lifetime must be an integer >= 1 (seconds)",
  },
  "token-leeway": {
    fallback: DEFAULT_TOKEN_LEEWAY_SECONDS,
    maxDigits: 9,
    min: 0,
    refusal: "--token-leeway must be an integer >= 0 (seconds)",
  },
  ...LIMIT_INTEGER_RULES,
} as const;

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

/** An integer flag's value, its default when absent, or why it was refused. */
function integerFlag(values: FlagValues, flag: keyof typeof INTEGER_FLAGS): number | Refusal {
  const rule = INTEGER_FLAGS[flag];
  const value = values[flag];
  if (value === undefined) return rule.fallback;
  if (!new RegExp(`^[0-9]{1,${rule.maxDigits}}$`).test(value) || Number(value) < rule.min) {
    return { refused: rule.refusal };
  }
  return Number(value);
}

/** The mode from --standalone, --peers or --discovery (at most one; discovery by default). */
function nodeMode(values: FlagValues, discoveryUrl: string): NodeMode | Refusal {
  const chosen = [values.standalone, values.peers !== undefined, values.discovery !== undefined]
    .filter(Boolean).length;
  if (chosen > 1) return { refused: "choose one of --standalone, --peers, --discovery" };
  if (values.standalone) return { kind: "standalone" };
  if (values.peers === undefined) return { kind: "discovery", discoveryUrl };
  const peers = values.peers.split(",").map((peer) => peer.trim()).filter(Boolean)
    .map((peer) => /^[a-z]+:\/\//i.test(peer) ? peer : `http://${peer}`)
    .map((peer) => peer.replace(/\/+$/, ""));
  const bad = peers.find((peer) => !isPeerUrl(peer));
  if (bad !== undefined) {
    return { refused: `peer ${bad} is not an http(s) or ws(s) URL with a port` };
  }
  return { kind: "peers", peers };
}

/** --advertise (or the bound host) and --advertise-peer, which only discovery mode can tell. */
function addresses(
  values: FlagValues,
  host: string,
  mode: NodeMode,
): { advertise?: string; advertisePeer?: string } | Refusal {
  const advertise = values.advertise === undefined
    ? defaultAdvertise(host)
    : checkAdvertise(values.advertise);
  if (advertise !== undefined && typeof advertise !== "string") {
    return { refused: `--advertise ${advertise.error}` };
  }
  if (values["advertise-peer"] === undefined) return { advertise };
  const advertisePeer = checkAdvertise(values["advertise-peer"]);
  if (typeof advertisePeer !== "string") {
    return { refused: `--advertise-peer ${advertisePeer.error}` };
  }
  if (mode.kind !== "discovery") {
    return { refused: "--advertise-peer needs discovery mode (peers learn it there)" };
  }
  return { advertise, advertisePeer };
}

/** `--backbone` NATS URLs, only in discovery mode (discovery hands out ids and addresses). */
function backboneServers(values: FlagValues, mode: NodeMode): string[] | undefined | Refusal {
  if (values.backbone === undefined) return undefined;
  const urls = parseBackboneUrls(values.backbone);
  if (!urls.ok) return { refused: `--backbone ${urls.error}` };
  if (mode.kind !== "discovery") {
    return {
      refused: "--backbone needs discovery mode (not --standalone or --peers): discovery hands " +
        "out node ids and client addresses",
    };
  }
  return urls.value;
}

/** --tls-cert with --tls-key, and --ca: both or neither, never an empty path. */
function tlsFiles(values: FlagValues): Pick<ServerConfig, "tls" | "caPath"> | Refusal {
  if ((values["tls-cert"] === undefined) !== (values["tls-key"] === undefined)) {
    return { refused: "--tls-cert and --tls-key go together" };
  }
  if (values["tls-cert"] === "" || values["tls-key"] === "" || values.ca === "") {
    return { refused: "a certificate path is empty" };
  }
  return {
    tls: values["tls-cert"] && values["tls-key"]
      ? { certPath: values["tls-cert"], keyPath: values["tls-key"] }
      : undefined,
    caPath: values.ca,
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

/**
 * `--advertise` checked and tidied: a dialable host (IPv4-mapped IPv6 as plain IPv4),
 * optionally with a port, never an every-interface address.
 */
function checkAdvertise(text: string): string | { error: string } {
  const { host: rawHost, port } = splitHostPort(text.trim());
  const host = unmapIpv4(rawHost);
  if (hostKind(host) === undefined) {
    return { error: "must be a host name or IP address, optionally with :PORT" };
  }
  if (isUnspecifiedHost(host)) {
    return { error: `cannot be ${host}: clients cannot dial it; give this machine's address` };
  }
  if (port !== undefined && (port < 1 || port > 65535)) return { error: "port must be 1..65535" };
  const shown = hostForUrl(host);
  return port === undefined ? shown : `${shown}:${port}`;
}

/** Without --advertise: the bound host when it is one address (not 0.0.0.0 or ::). */
function defaultAdvertise(host: string): string | undefined {
  const bound = unmapIpv4(host);
  if (isUnspecifiedHost(bound) || hostKind(bound) === undefined) return undefined;
  return hostForUrl(bound);
}

/**
 * The host to print and register: the advertised one, else the bound one, with
 * wildcard binds (0.0.0.0, ::) replaced by loopback so it is always connectable.
 */
export function connectableHost(boundHost: string, advertise?: string): string {
  if (advertise) return splitHostPort(advertise).host;
  const host = unmapIpv4(boundHost);
  if (isUnspecifiedHost(host) || host === "") return "127.0.0.1";
  return host.replace(/^\[(.*)\]$/, "$1");
}

/** `http://HOST:PORT` (`https://` with TLS), bracketing IPv6 hosts. */
export function httpUrl(host: string, port: number, tls = false): string {
  return `${tls ? "https" : "http"}://${hostForUrl(host)}:${port}`;
}
