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
  const { discoveryUrl, secret, identity, log } = options;
  const fetch = options.fetch ?? globalThis.fetch;
  const stop = new AbortController();
  const base = discoveryUrl.replace(/\/+$/, "");
  const authHeaders = {
    "authorization": `Bearer ${secret}`,
    "content-type": "application/json",
  };
  const known = new Map<number, ActiveNode>();
  let loggedIn = false;

  function publish(nodes: ActiveNode[] | null, change?: { kind: string; node: ActiveNode }) {
    if (nodes) {
      known.clear();
      for (const node of nodes) known.set(node.id, node);
    }
    if (change) {
      if (change.kind === "joined") known.set(change.node.id, change.node);
      else known.delete(change.node.id);
    }
    known.delete(identity.nodeId);
    options.onNodes([...known.values()]);
  }

  /**
   * A 401 at login with a secret discovery accepts means it has no record of this id (a new
   * KV): take the id back (`POST /api/nodes/reclaim`) rather than stay out for good. True
   * when discovery now knows this id with this password.
   */
  async function reclaim(): Promise<boolean> {
    const response = await fetch(`${base}${DiscoveryPath.reclaim}`, {
      method: "POST",
      headers: authHeaders,
      body: JSON.stringify({ id: identity.nodeId, password: identity.password }),
      signal: AbortSignal.any([stop.signal, AbortSignal.timeout(10_000)]),
    });
    const answer = await response.json().catch(() => null) as { reclaimed?: unknown } | null;
    if (!response.ok) return false;
    if (answer?.reclaimed === true) {
      log.info("discovery had no record of this node: id reclaimed", { nodeId: identity.nodeId });
    }
    return true;
  }

  async function login(reclaimOn401 = true): Promise<number> {
    const body: Record<string, unknown> = {
      id: identity.nodeId,
      password: identity.password,
      syncport: options.advertisePeer?.port ?? options.port,
      clientport: options.port,
      load: options.load(),
    };
    if (options.advertise) body.address = options.advertise;
    if (options.advertisePeer) body.syncaddress = options.advertisePeer.host;
    if (options.region) body.region = options.region;
    if (options.tls) body.tls = true;
    body.transport = options.transport ?? "mesh";
    const response = await fetch(`${base}${DiscoveryPath.login}`, {
      method: "POST",
      headers: authHeaders,
      body: JSON.stringify(body),
      signal: AbortSignal.any([stop.signal, AbortSignal.timeout(10_000)]),
    });
    const answer = await response.json().catch(() => null) as { ttl?: unknown } | null;
    if (response.status === 401 && reclaimOn401 && await reclaim()) return await login(false);
    if (!response.ok) throw new Error(`discovery answered ${response.status}`);
    const nodes = parseActiveNodeList(answer);
    if (!nodes.ok) throw new Error(`discovery login answer: ${nodes.error}`);
    publish(nodes.value);
    const ttl = typeof answer?.ttl === "number" && answer.ttl > 0 ? answer.ttl : 10;
    return ttl;
  }

  async function heartbeatLoop(): Promise<void> {
    let failures = 0;
    while (!stop.signal.aborted) {
      let waitMs: number;
      try {
        const ttl = await login();
        if (!loggedIn || failures > 0) log.info("logged in to discovery", { url: base, ttl });
        loggedIn = true;
        failures = 0;
        waitMs = heartbeatIntervalMs(ttl);
      } catch (error) {
        if (stop.signal.aborted) return;
        if (failures === 0 || failures % 20 === 0) {
          log.warn("Cannot log in to discovery", { url: base, error: String(error), failures });
        }
        waitMs = backoffDelayMs(Math.min(failures, 10), { baseMs: 250, maxMs: 3000 });
        failures += 1;
      }
      await sleep(waitMs, stop.signal);
    }
  }

  async function watchOnce(): Promise<boolean> {
    const silence = new AbortController();
    let silenceTimer = setTimeout(() => silence.abort(), WATCH_SILENCE_MS);
    try {
      const response = await fetch(`${base}${DiscoveryPath.watch}`, {
        headers: { "authorization": `Bearer ${secret}`, "accept": "text/event-stream" },
        signal: AbortSignal.any([stop.signal, silence.signal]),
      });
      if (!response.ok || !response.body) {
        await response.body?.cancel();
        return false;
      }
      log.debug("discovery watch open", { url: base });
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
          if (parsed.value.kind === "snapshot") publish(parsed.value.activeNodes);
          else publish(null, { kind: parsed.value.kind, node: parsed.value.node });
        }
      }
    } catch {
      return false;
    } finally {
      clearTimeout(silenceTimer);
    }
  }

  async function watchLoop(): Promise<void> {
    let failures = 0;
    while (!stop.signal.aborted) {
      const wasOpen = await watchOnce();
      if (stop.signal.aborted) return;
      failures = wasOpen ? 0 : failures + 1;
      if (failures === 3) log.info("discovery watch unavailable, relying on heartbeat lists");
      await sleep(
        backoffDelayMs(Math.min(failures, 10), { baseMs: 500, maxMs: 15_000 }),
        stop.signal,
      );
    }
  }

  const loops = Promise.all([heartbeatLoop(), watchLoop()]);
  let closing: Promise<void> | undefined;

  return {
    close() {
      closing ??= logOut();
      return closing;
    },
  };

  async function logOut(): Promise<void> {
    stop.abort();
    await loops.catch(() => {});
    if (!loggedIn) return;
    try {
      const response = await fetch(`${base}${DiscoveryPath.logout}`, {
        method: "POST",
        headers: authHeaders,
        body: JSON.stringify({ id: identity.nodeId, password: identity.password }),
        signal: AbortSignal.timeout(2000),
      });
      await response.body?.cancel();
      log.info("logged out of discovery", { status: response.status });
    } catch (error) {
      log.warn("Cannot log out of discovery", { error: String(error) });
    }
  }
}
