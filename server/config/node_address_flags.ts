/**
 * The node's network flags: the port and host it binds, the address it
 * advertises to clients and peers, how it finds the cluster (--standalone,
 * --peers, --discovery, --backbone) and its TLS files; plus the host and URL
 * it prints and registers.
 *
 * Invariant: an advertised address is one a client can dial (never 0.0.0.0,
 * `::` or an IPv4-mapped IPv6 form).
 * @module
 */

import {
  hostForUrl,
  hostKind,
  isUnspecifiedHost,
  splitHostPort,
  unmapIpv4,
} from "../../common/host_address.ts";
import { parseBackboneUrls } from "../../common/backbone_protocol.ts";
import type { ServerConfig } from "./server_flags.ts";
import type { FlagValues, Refusal } from "./server_flag_table.ts";

export type NodeMode =
  | { kind: "standalone" }
  | { kind: "peers"; peers: string[] }
  | { kind: "discovery"; discoveryUrl: string };

export function parsePort(value: string | undefined): number | null {
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

export function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === "http:" || url.protocol === "https:";
  } catch {
    return false;
  }
}

/** The mode from --standalone, --peers or --discovery (at most one; discovery by default). */
export function nodeMode(values: FlagValues, discoveryUrl: string): NodeMode | Refusal {
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
export function addresses(
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
export function backboneServers(
  values: FlagValues,
  mode: NodeMode,
): string[] | undefined | Refusal {
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
export function tlsFiles(values: FlagValues): Pick<ServerConfig, "tls" | "caPath"> | Refusal {
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
