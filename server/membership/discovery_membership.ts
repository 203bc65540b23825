/**
 * Membership through discovery: log in (which is also the heartbeat) every
 * ttl/3 with this node's address, port and load; follow `GET /api/nodes/watch`
 * for joins and departures within a second; log out on a clean stop. Every
 * login answer carries the full list of live nodes too, so when the watch
 * stream is down the heartbeat is the poll.
 *
 * Invariant: the node list handed to onNodes never contains this node; every
 * loop stops on close(); the cluster secret and the node password never reach
 * a log line.
 * @module
 */

import { sleep } from "../../common/abortable_sleep.ts";
import { backoffDelayMs } from "../../common/backoff.ts";
import {
  type ActiveNode,
  DiscoveryPath,
  heartbeatIntervalMs,
  parseActiveNodeList,
  parseWatchEvent,
  type ReplicationTransport,
} from "../../common/discovery_protocol.ts";
import { createSseDecoder } from "../../common/server_sent_events.ts";
import type { Logger } from "../../common/logger.ts";

export interface DiscoveryMembershipOptions {
  discoveryUrl: string;
  secret: string;
  identity: { nodeId: number; password: string };
  /** The node's real port (client and peer). */
  port: number;
  /** The address to publish; omitted: discovery uses the address it sees. */
  advertise?: string;
  /** Where peers dial when not at `advertise`:`port` (sent as syncaddress, syncport). */
  advertisePeer?: { host: string; port: number };
  /** Region label, reported with each heartbeat (ranks `GET /api/clients?region=`). */
  region?: string;
  /** Connected clients, reported with each heartbeat. */
  load: () => number;
  /** How this node replicates, reported with each login. @default "mesh" */
  transport?: ReplicationTransport;
  /** The other live nodes, after every change. */
  onNodes: (nodes: ActiveNode[]) => void;
  log: Logger;
  /** Says `"tls": true` at login: this node serves https:// and wss://. @default false */
  tls?: boolean;
  /** The fetch to reach discovery with (one that trusts `--ca`). @default fetch */
  fetch?: typeof fetch;
}

export interface DiscoveryMembership {
  /** Stops heartbeats and the watch, then logs out (bounded wait). Idempotent. */
  close(): Promise<void>;
}

/** A watch stream silent this long (keepalives come every 15 s) is reopened. */
const WATCH_SILENCE_MS = 45_000;

export function startDiscoveryMembership(options: DiscoveryMembershipOptions): DiscoveryMembership {
  const membership = new MembershipLoops(options);
  membership.start();
  return membership;
}

/** The heartbeat and watch loops of one node, and the list of the others they keep. */
class MembershipLoops implements DiscoveryMembership {
  #options: DiscoveryMembershipOptions;
  #stop = new AbortController();
  #base: string;
  #authHeaders: Record<string, string>;
  #known = new Map<number, ActiveNode>();
  #loggedIn = false;
  #loops: Promise<unknown> = Promise.resolve();
  #closing: Promise<void> | undefined;
  #fetch: typeof fetch;

  constructor(options: DiscoveryMembershipOptions) {
    this.#options = options;
    this.#fetch = options.fetch ?? globalThis.fetch;
    this.#base = options.discoveryUrl.replace(/\/+$/, "");
    this.#authHeaders = {
      "authorization": `Bearer ${options.secret}`,
      "content-type": "application/json",
    };
  }

  start(): void {
    this.#loops = Promise.all([this.#heartbeatLoop(), this.#watchLoop()]);
  }

  close(): Promise<void> {
    this.#closing ??= this.#logOut();
    return this.#closing;
  }

  async #logOut(): Promise<void> {
    this.#stop.abort();
    await this.#loops.catch(() => {});
    if (!this.#loggedIn) return;
    const { identity, log } = this.#options;
    try {
      const response = await this.#fetch(`${this.#base}${DiscoveryPath.logout}`, {
        method: "POST",
        headers: this.#authHeaders,
        body: JSON.stringify({ id: identity.nodeId, password: identity.password }),
        signal: AbortSignal.timeout(2000),
      });
      await response.body?.cancel();
      log.info("logged out of discovery", { status: response.status });
    } catch (error) {
      log.warn("Cannot log out of discovery", { error: String(error) });
    }
  }

  /** A whole list (login answer, snapshot) or one change; never this node itself. */
  #publish(nodes: ActiveNode[] | null, change?: { kind: string; node: ActiveNode }): void {
    if (nodes) {
      this.#known.clear();
      for (const node of nodes) this.#known.set(node.id, node);
    }
    if (change) {
      if (change.kind === "joined") this.#known.set(change.node.id, change.node);
      else this.#known.delete(change.node.id);
    }
    this.#known.delete(this.#options.identity.nodeId);
    this.#options.onNodes([...this.#known.values()]);
  }

  #post(path: string, body: unknown): Promise<Response> {
    return this.#fetch(`${this.#base}${path}`, {
      method: "POST",
      headers: this.#authHeaders,
      body: JSON.stringify(body),
      signal: AbortSignal.any([this.#stop.signal, AbortSignal.timeout(10_000)]),
    });
  }

  /**
   * A 401 at login with a secret discovery accepts means it has no record of this id (a new
   * KV): take the id back (`POST /api/nodes/reclaim`) rather than stay out for good. True
   * when discovery now knows this id with this password.
   */
  async #reclaim(): Promise<boolean> {
    const { identity, log } = this.#options;
    const response = await this.#post(DiscoveryPath.reclaim, {
      id: identity.nodeId,
      password: identity.password,
    });
    const answer = await response.json().catch(() => null) as { reclaimed?: unknown } | null;
    if (!response.ok) return false;
    if (answer?.reclaimed === true) {
      log.info("discovery had no record of this node: id reclaimed", { nodeId: identity.nodeId });
    }
    return true;
  }

  /** One login (the heartbeat); resolves with the TTL discovery answered, in seconds. */
  async #login(reclaimOn401 = true): Promise<number> {
    const { identity, port, advertise, advertisePeer, region } = this.#options;
    const body: Record<string, unknown> = {
      id: identity.nodeId,
      password: identity.password,
      syncport: advertisePeer?.port ?? port,
      clientport: port,
      load: this.#options.load(),
    };
    if (advertise) body.address = advertise;
    if (advertisePeer) body.syncaddress = advertisePeer.host;
    if (region) body.region = region;
    if (this.#options.tls) body.tls = true;
    body.transport = this.#options.transport ?? "mesh";
    const response = await this.#post(DiscoveryPath.login, body);
    const answer = await response.json().catch(() => null) as { ttl?: unknown } | null;
    if (response.status === 401 && reclaimOn401 && await this.#reclaim()) {
      return await this.#login(false);
    }
    if (!response.ok) throw new Error(`discovery answered ${response.status}`);
    const nodes = parseActiveNodeList(answer);
    if (!nodes.ok) throw new Error(`discovery login answer: ${nodes.error}`);
    this.#publish(nodes.value);
    return typeof answer?.ttl === "number" && answer.ttl > 0 ? answer.ttl : 10;
  }

  async #heartbeatLoop(): Promise<void> {
    const { log } = this.#options;
    const signal = this.#stop.signal;
    let failures = 0;
    while (!signal.aborted) {
      let waitMs: number;
      try {
        const ttl = await this.#login();
        if (!this.#loggedIn || failures > 0) {
          log.info("logged in to discovery", { url: this.#base, ttl });
        }
        this.#loggedIn = true;
        failures = 0;
        waitMs = heartbeatIntervalMs(ttl);
      } catch (error) {
        if (signal.aborted) return;
        if (failures === 0 || failures % 20 === 0) {
          log.warn("Cannot log in to discovery", {
            url: this.#base,
            error: String(error),
            failures,
          });
        }
        waitMs = backoffDelayMs(Math.min(failures, 10), { baseMs: 250, maxMs: 3000 });
        failures += 1;
      }
      await sleep(waitMs, signal);
    }
  }

  /** One watch stream, until it ends; true when it was open. */
  async #watchOnce(): Promise<boolean> {
    const silence = new AbortController();
    let silenceTimer = setTimeout(() => silence.abort(), WATCH_SILENCE_MS);
    try {
      const response = await this.#fetch(`${this.#base}${DiscoveryPath.watch}`, {
        headers: {
          "authorization": `Bearer ${this.#options.secret}`,
          "accept": "text/event-stream",
        },
        signal: AbortSignal.any([this.#stop.signal, silence.signal]),
      });
      if (!response.ok || !response.body) {
        await response.body?.cancel();
        return false;
      }
      this.#options.log.debug("discovery watch open", { url: this.#base });
      const decoder = createSseDecoder();
      const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
      while (true) {
        const { value, done } = await reader.read();
        if (done) return true;
        clearTimeout(silenceTimer);
        silenceTimer = setTimeout(() => silence.abort(), WATCH_SILENCE_MS);
        for (const event of decoder.push(value)) {
          const parsed = parseWatchEvent(event.event, event.data);
          if (!parsed.ok) continue;
          if (parsed.value.kind === "snapshot") this.#publish(parsed.value.activeNodes);
          else this.#publish(null, { kind: parsed.value.kind, node: parsed.value.node });
        }
      }
    } catch {
      return false;
    } finally {
      clearTimeout(silenceTimer);
    }
  }

  async #watchLoop(): Promise<void> {
    const signal = this.#stop.signal;
    let failures = 0;
    while (!signal.aborted) {
      const wasOpen = await this.#watchOnce();
      if (signal.aborted) return;
      failures = wasOpen ? 0 : failures + 1;
      if (failures === 3) {
        this.#options.log.info("discovery watch unavailable, relying on heartbeat lists");
      }
      await sleep(backoffDelayMs(Math.min(failures, 10), { baseMs: 500, maxMs: 15_000 }), signal);
    }
  }
}
