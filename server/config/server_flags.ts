/**
 * Command-line flags of `bun run server` (PROTOCOL.md section 1 plus --verbose,
 * --help, --rate-limit, --region), parsed with node:util parseArgs into a typed
 * configuration, or an error sentence, or the help text. Pure: no process access.
 *
 * Invariant: a returned config is complete and checked (ports, URLs, limits),
 * so main.ts never re-validates.
 * @module
 */

import { parseArgs } from "node:util";
import {
  hostForUrl,
  hostKind,
  isUnspecifiedHost,
  splitHostPort,
  unmapIpv4,
} from "../../common/host_address.ts";

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
}

export type FlagsResult =
  | { kind: "config"; config: ServerConfig }
  | { kind: "help"; text: string }
  | { kind: "error"; message: string };

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
  --db PATH           SQLite database (default <DSATTER_DATA_DIR or data>/node.db)
  --rate-limit N      client frames per second per connection, bursts of 10*N (default ${DEFAULT_RATE_LIMIT_PER_SECOND})
  --region R          region reported to discovery
  --idle-timeout S    seconds a client may stay silent, pings unanswered, before it is closed (default ${DEFAULT_IDLE_TIMEOUT_SECONDS})
  --verbose           debug logging
  --help              this text

Environment: DSATTER_CLUSTER_SECRET (required when DSATTER_ENV=production),
DSATTER_ENV (development|production), DSATTER_DATA_DIR (default ./data).
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

/** Parses argv (without the runtime and script); dataDir is where the default DB goes. */
export function parseServerFlags(argv: string[], dataDir = "data"): FlagsResult {
  let values;
  try {
    values = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        port: { type: "string" },
        host: { type: "string" },
        advertise: { type: "string" },
        "advertise-peer": { type: "string" },
        discovery: { type: "string" },
        db: { type: "string" },
        standalone: { type: "boolean" },
        peers: { type: "string" },
        "rate-limit": { type: "string" },
        region: { type: "string" },
        "idle-timeout": { type: "string" },
        verbose: { type: "boolean" },
        help: { type: "boolean", short: "h" },
      },
    }).values;
  } catch (error) {
    return { kind: "error", message: `Cannot parse flags: ${(error as Error).message}` };
  }
  if (values.help) return { kind: "help", text: HELP_TEXT };

  const port = parsePort(values.port);
  if (port === null) {
    return { kind: "error", message: "Cannot parse flags: --port must be 0..65535" };
  }
  const host = values.host ?? "0.0.0.0";
  if (host === "") return { kind: "error", message: "Cannot parse flags: --host is empty" };

  const discoveryUrl = (values.discovery ?? DEFAULT_DISCOVERY_URL).replace(/\/+$/, "");
  if (!isHttpUrl(discoveryUrl)) {
    return { kind: "error", message: "Cannot parse flags: --discovery must be an http(s) URL" };
  }
  const chosen = [values.standalone, values.peers !== undefined, values.discovery !== undefined]
    .filter(Boolean).length;
  if (chosen > 1) {
    return {
      kind: "error",
      message: "Cannot parse flags: choose one of --standalone, --peers, --discovery",
    };
  }
  let mode: NodeMode;
  if (values.standalone) mode = { kind: "standalone" };
  else if (values.peers !== undefined) {
    const peers = values.peers.split(",").map((peer) => peer.trim()).filter(Boolean)
      .map((peer) => /^[a-z]+:\/\//i.test(peer) ? peer : `http://${peer}`)
      .map((peer) => peer.replace(/\/+$/, ""));
    const bad = peers.find((peer) => !isPeerUrl(peer));
    if (bad !== undefined) {
      return {
        kind: "error",
        message: `Cannot parse flags: peer ${bad} is not an http(s) or ws(s) URL with a port`,
      };
    }
    mode = { kind: "peers", peers };
  } else mode = { kind: "discovery", discoveryUrl };

  let rateLimitPerSecond = DEFAULT_RATE_LIMIT_PER_SECOND;
  if (values["rate-limit"] !== undefined) {
    const value = values["rate-limit"];
    if (!/^[0-9]{1,9}$/.test(value) || Number(value) < 1) {
      return { kind: "error", message: "Cannot parse flags: --rate-limit must be an integer >= 1" };
    }
    rateLimitPerSecond = Number(value);
  }
  let idleTimeoutSeconds = DEFAULT_IDLE_TIMEOUT_SECONDS;
  if (values["idle-timeout"] !== undefined) {
    const value = values["idle-timeout"];
    if (!/^[0-9]{1,6}$/.test(value) || Number(value) < 1) {
      return {
        kind: "error",
        message: "Cannot parse flags: --idle-timeout must be an integer >= 1",
      };
    }
    idleTimeoutSeconds = Number(value);
  }
  const advertise = values.advertise === undefined
    ? defaultAdvertise(host)
    : checkAdvertise(values.advertise);
  if (advertise !== undefined && typeof advertise !== "string") {
    return { kind: "error", message: `Cannot parse flags: --advertise ${advertise.error}` };
  }

  let advertisePeer: string | undefined;
  if (values["advertise-peer"] !== undefined) {
    const checked = checkAdvertise(values["advertise-peer"]);
    if (typeof checked !== "string") {
      return { kind: "error", message: `Cannot parse flags: --advertise-peer ${checked.error}` };
    }
    if (mode.kind !== "discovery") {
      return {
        kind: "error",
        message: "Cannot parse flags: --advertise-peer needs discovery mode (peers learn it there)",
      };
    }
    advertisePeer = checked;
  }

  return {
    kind: "config",
    config: {
      port,
      host,
      advertise,
      advertisePeer,
      mode,
      discoveryUrl,
      dbPath: values.db ?? `${dataDir.replace(/\/+$/, "")}/node.db`,
      verbose: values.verbose ?? false,
      rateLimitPerSecond,
      region: values.region,
      idleTimeoutSeconds,
    },
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
  return bound.includes(":") && !bound.startsWith("[") ? `[${bound}]` : bound;
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

/** `http://HOST:PORT`, bracketing IPv6 hosts. */
export function httpUrl(host: string, port: number): string {
  return `http://${hostForUrl(host)}:${port}`;
}
