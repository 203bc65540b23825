/**
 * Host text as clients dial it: what kind of host a string is (IPv4 literal,
 * IPv6 literal, DNS name, or none of them), the unspecified addresses that can
 * be bound but never dialled, and IPv4-mapped IPv6 turned back into IPv4.
 * Used by discovery for a node's `address` and by a node for `--host` and
 * `--advertise`.
 *
 * Invariant: hostKind() accepts no port, no path, no empty label, and no
 * all-numeric name that a resolver would read as an IPv4 shorthand ("0", "127.1").
 * @module
 */

export type HostKind = "ipv4" | "ipv6" | "name";

const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;
const NAME_LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/i;

function isIpv4(text: string): boolean {
  const parts = IPV4.exec(text);
  return parts !== null && parts.slice(1).every((part) => Number(part) <= 255);
}

function isIpv6(text: string): boolean {
  if (!text.includes(":") || !/^[0-9a-f:.]+$/i.test(text)) return false;
  const doubleColons = text.split("::").length - 1;
  if (doubleColons > 1) return false;
  let groups = text.split(":");
  const last = groups[groups.length - 1];
  let width = 0;
  if (last.includes(".")) {
    if (!isIpv4(last)) return false;
    groups = groups.slice(0, -1);
    width += 2;
  }
  for (const group of groups) {
    if (group === "") continue;
    if (!/^[0-9a-f]{1,4}$/i.test(group)) return false;
    width += 1;
  }
  if (doubleColons === 0) return width === 8 && !text.startsWith(":") && !text.endsWith(":");
  return width < 8;
}

/** What kind of host text is (brackets allowed around IPv6), or undefined if none. */
export function hostKind(text: string): HostKind | undefined {
  const bracketed = text.startsWith("[") && text.endsWith("]");
  const host = bracketed ? text.slice(1, -1) : text;
  if (isIpv6(host)) return "ipv6";
  if (bracketed) return undefined;
  if (isIpv4(host)) return "ipv4";
  if (host.length > 253) return undefined;
  const labels = host.replace(/\.$/, "").split(".");
  if (!labels.every((label) => NAME_LABEL.test(label))) return undefined;
  if (/^[0-9]+$/.test(labels[labels.length - 1])) return undefined;
  return "name";
}

/** True for the addresses a socket binds to "every interface" with: never dialled. */
export function isUnspecifiedHost(text: string): boolean {
  const host = text.replace(/^\[(.*)\]$/, "$1");
  if (host === "0.0.0.0") return true;
  return isIpv6(host) && /^[0:]+$/.test(host);
}

/** `::ffff:`, `0:0:0:0:0:ffff:` and the shortenings between them. */
const MAPPED_PREFIX = "(?:(?:0{1,4}:){5}|::|(?:0{1,4}:){1,4}:)ffff:";
const MAPPED_DOTTED = new RegExp(`^${MAPPED_PREFIX}(\\d{1,3}(?:\\.\\d{1,3}){3})$`, "i");
const MAPPED_HEX = new RegExp(`^${MAPPED_PREFIX}([0-9a-f]{1,4}):([0-9a-f]{1,4})$`, "i");

/** `::ffff:a.b.c.d` and `::ffff:hhhh:hhhh` as plain IPv4; anything else unchanged. */
export function unmapIpv4(text: string): string {
  const host = text.replace(/^\[(.*)\]$/, "$1");
  const dotted = MAPPED_DOTTED.exec(host);
  if (dotted && isIpv4(dotted[1])) return dotted[1];
  const hex = MAPPED_HEX.exec(host);
  if (hex) {
    const high = parseInt(hex[1], 16);
    const low = parseInt(hex[2], 16);
    return `${high >> 8}.${high & 255}.${low >> 8}.${low & 255}`;
  }
  return text;
}

/** `HOST`, `HOST:PORT`, `[V6]:PORT` or a bare IPv6 address, split. */
export function splitHostPort(text: string): { host: string; port?: number } {
  const bracketed = /^\[([^\]]+)\](?::([0-9]{1,5}))?$/.exec(text);
  if (bracketed) {
    return { host: bracketed[1], port: bracketed[2] ? Number(bracketed[2]) : undefined };
  }
  const hostPort = /^([^:]+):([0-9]{1,5})$/.exec(text);
  if (hostPort) return { host: hostPort[1], port: Number(hostPort[2]) };
  return { host: text };
}

/** A host as it stands in a URL: IPv6 literals in brackets, anything else unchanged. */
export function hostForUrl(host: string): string {
  return host.includes(":") && !host.startsWith("[") ? `[${host}]` : host;
}

/** True for names and addresses that never leave this machine: localhost, 127/8, ::1. */
export function isLoopbackHost(text: string): boolean {
  const host = unmapIpv4(text.replace(/^\[(.*)\]$/, "$1")).toLowerCase().replace(/\.$/, "");
  if (host === "localhost" || host.endsWith(".localhost")) return true;
  if (isIpv4(host)) return host.startsWith("127.");
  return isIpv6(host) && /^(0{1,4}:){7}0{0,3}1$|^::1$/.test(host);
}
