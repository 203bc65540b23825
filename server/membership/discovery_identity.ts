/**
 * The node's identity when it runs with discovery: registered once
 * (`POST /api/nodes/register` with a fresh random password), then kept in the
 * node's own DB and reused on every restart, so a node keeps its id (and its
 * message numbering) for life.
 *
 * Nothing goes to stdout here (the node's first stdout line must be its
 * `listening on` line); waiting for discovery is reported on stderr.
 *
 * Invariant: an identity is saved before it is used; a stored discovery
 * identity is never replaced. A node whose DB holds only a local identity
 * (it ran standalone before) registers and from then on originates under the
 * new id; its earlier messages keep their origin and replicate unchanged.
 * @module
 */

import { backoffDelayMs } from "../../common/backoff.ts";
import { DiscoveryPath } from "../../common/discovery_protocol.ts";
import type { Logger } from "../../common/logger.ts";
import type { NodeIdentity } from "../store/message_store.ts";
import { sleep } from "../../common/abortable_sleep.ts";
import { randomHex } from "../../common/random_hex.ts";

export interface IdentityStore {
  loadIdentity(): NodeIdentity | null;
  saveIdentity(identity: NodeIdentity): void;
}

export interface DiscoveryIdentityOptions {
  store: IdentityStore;
  discoveryUrl: string;
  secret: string;
  log: Logger;
  /** Gives up (rejects) when aborted; otherwise retries until discovery answers. */
  signal?: AbortSignal;
  /** The fetch to reach discovery with (one that trusts `--ca`). @default fetch */
  fetch?: typeof fetch;
}

/** The stored discovery identity, or a new one registered and saved now. */
export async function obtainDiscoveryIdentity(
  options: DiscoveryIdentityOptions,
): Promise<NodeIdentity> {
  const stored = options.store.loadIdentity();
  if (stored?.origin === "discovery") return stored;
  const password = randomHex(24);
  const nodeId = await registerWithDiscovery({ ...options, password });
  const identity: NodeIdentity = { nodeId, password, origin: "discovery" };
  options.store.saveIdentity(identity);
  return identity;
}

/** POST /api/nodes/register until it answers with an id (a 401 is final). */
export async function registerWithDiscovery(
  options: {
    discoveryUrl: string;
    secret: string;
    password: string;
    log: Logger;
    signal?: AbortSignal;
    fetch?: typeof fetch;
  },
): Promise<number> {
  const fetchWith = options.fetch ?? fetch;
  const url = `${options.discoveryUrl.replace(/\/+$/, "")}${DiscoveryPath.register}`;
  const signal = options.signal ?? new AbortController().signal;
  for (let attempt = 0;; attempt++) {
    if (signal.aborted) throw new Error("Cannot register with discovery: aborted");
    try {
      const response = await fetchWith(url, {
        method: "POST",
        headers: {
          "authorization": `Bearer ${options.secret}`,
          "content-type": "application/json",
        },
        body: JSON.stringify({ password: options.password }),
        signal: AbortSignal.any([signal, AbortSignal.timeout(10_000)]),
      });
      const body = await response.json().catch(() => null) as { id?: unknown } | null;
      if (response.status === 401) {
        throw new Error("Cannot register with discovery: the cluster secret was refused (401)", {
          cause: "unauthorized",
        });
      }
      if (response.ok && typeof body?.id === "number" && Number.isSafeInteger(body.id)) {
        return body.id;
      }
      throw new Error(`discovery answered ${response.status}`);
    } catch (error) {
      if ((error as Error).cause === "unauthorized") throw error;
      if (attempt === 0 || attempt % 20 === 0) {
        options.log.warn("Cannot register with discovery yet, retrying", {
          url,
          error: String(error),
        });
      }
    }
    await sleep(backoffDelayMs(Math.min(attempt, 10), { baseMs: 250, maxMs: 3000 }), signal);
  }
}
