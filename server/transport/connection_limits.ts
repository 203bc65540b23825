/**
 * How many client connections the node holds, per address and in total, and
 * the decision at each upgrade: admitted (counted until release), or refused
 * before the upgrade with the status and sentence to answer. One address is an
 * IPv4 address, or an IPv6 /64 (one subscriber's usual allocation, so one host
 * cannot dodge the cap by rotating its interface id).
 *
 * Loopback (127/8, ::1) is exempt from the per-address cap unless
 * `limitLoopback`: on loopback the peer is this machine (tests, `make dev`, the
 * perf harness with 19,000 idle clients, a TLS proxy in front of the node), and
 * a proxy must limit by the real client itself. Loopback still counts in total.
 *
 * Invariant: total and per-address counts equal admitted minus released, a
 * count never goes below zero, and an address with no connection has no entry.
 * @module
 */

import { isLoopbackHost, unmapIpv4 } from "../../common/host_address.ts";

export interface ConnectionLimitsOptions {
  /** Open client connections at most, all addresses together. */
  maxTotal: number;
  /** Open client connections at most from one address (IPv4, or IPv6 /64). */
  maxPerAddress: number;
  /** Apply maxPerAddress to loopback too. @default false */
  limitLoopback?: boolean;
}

export type Admission =
  | { ok: true; key: string | undefined }
  | { ok: false; status: 429 | 503; reason: "per_address" | "total"; error: string };

export class ConnectionLimits {
  #options: ConnectionLimitsOptions;
  #total = 0;
  #perAddress = new Map<string, number>();

  constructor(options: ConnectionLimitsOptions) {
    if (!(options.maxTotal >= 1) || !(options.maxPerAddress >= 1)) {
      throw new RangeError("Cannot limit connections: the caps must be >= 1");
    }
    this.#options = options;
  }

  /** Admits one connection from `address` (counted), or says why not. */
  admit(address: string): Admission {
    if (this.#total >= this.#options.maxTotal) {
      return {
        ok: false,
        status: 503,
        reason: "total",
        error: `Cannot connect: this node holds its maximum of ${this.#options.maxTotal} ` +
          "connections; try another node or later",
      };
    }
    const key = this.#options.limitLoopback || !isLoopbackHost(address)
      ? addressLimitKey(address)
      : undefined;
    const count = key === undefined ? 0 : this.#perAddress.get(key) ?? 0;
    if (key !== undefined && count >= this.#options.maxPerAddress) {
      return {
        ok: false,
        status: 429,
        reason: "per_address",
        error: `Cannot connect: ${this.#options.maxPerAddress} connections from your ` +
          "address are open already; close one first",
      };
    }
    this.#total += 1;
    if (key !== undefined) this.#perAddress.set(key, count + 1);
    return { ok: true, key };
  }

  /** One admitted connection closed (key as admit() returned it). */
  release(key: string | undefined): void {
    if (this.#total > 0) this.#total -= 1;
    if (key === undefined) return;
    const count = this.#perAddress.get(key) ?? 0;
    if (count > 1) this.#perAddress.set(key, count - 1);
    else this.#perAddress.delete(key);
  }

  get total(): number {
    return this.#total;
  }

  /** Open connections counted against one address's cap. */
  countOf(address: string): number {
    return this.#perAddress.get(addressLimitKey(address)) ?? 0;
  }
}

/** The key an address is limited under: IPv4 as is, IPv6 by its /64, lower case. */
export function addressLimitKey(address: string): string {
  const host = unmapIpv4(address.replace(/^\[(.*)\]$/, "$1")).toLowerCase().replace(/%.*$/, "");
  if (!host.includes(":")) return host;
  const groups = expandIpv6(host);
  return groups ? `${groups.slice(0, 4).join(":")}::/64` : host;
}

/** The eight groups of an IPv6 address (without leading zeros); undefined when malformed. */
function expandIpv6(host: string): string[] | undefined {
  let text = host;
  const dotted = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (dotted) {
    const [a, b, c, d] = dotted.slice(1).map(Number);
    text = text.slice(0, dotted.index) +
      `${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const halves = text.split("::");
  if (halves.length > 2) return undefined;
  const head = halves[0] === "" ? [] : halves[0].split(":");
  const tail = halves.length === 2 && halves[1] !== "" ? halves[1].split(":") : [];
  const missing = 8 - head.length - tail.length;
  if (missing < 0 || (halves.length === 1 && missing !== 0)) return undefined;
  const groups = [...head, ...Array(halves.length === 2 ? missing : 0).fill("0"), ...tail];
  if (!groups.every((group) => /^[0-9a-f]{1,4}$/.test(group))) return undefined;
  return groups.map((group) => parseInt(group, 16).toString(16));
}
