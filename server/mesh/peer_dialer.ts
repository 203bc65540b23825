/**
 * Dials the peers this node should be linked to (from discovery or `--peers`)
 * and keeps re-dialling each one, with capped, jittered backoff, while no link
 * to it exists. The dial carries the HMAC proof in a header, made for the node
 * it dials (peer_auth_token.ts): discovery names each target's id; a static
 * target's id is learned first from its `/healthz` (unauthenticated, so only a
 * hint: a wrong one just fails the dial, the acceptor checks the proof and the
 * dialler checks the acceptor's). The socket is then handed to the mesh.
 *
 * Invariant: at most one dial in progress per target; no dial while the mesh
 * holds a link to the target's node; a target found to be this node itself is
 * never dialled again; nothing runs after close().
 * @module
 */

import { backoffDelayMs } from "../../common/backoff.ts";
import { PEER_AUTH_HEADER, type PeerAuth, randomNonce } from "../../common/peer_auth_token.ts";
import type { Logger } from "../../common/logger.ts";
import { CloseCode, PeerCloseCode } from "../../common/errors.ts";
import type { PeerLink } from "./peer_link.ts";
import type { PeerMesh } from "./peer_mesh.ts";

export interface DialTarget {
  /** `ws://HOST:PORT/peer`. */
  url: string;
  /** When known (discovery says it; a static target's is looked up before the dial). */
  nodeId?: number;
}

/** The node id a `/peer` URL serves, from its `/healthz`; undefined when unknown. */
export type NodeIdLookup = (peerUrl: string) => Promise<number | undefined>;

export interface PeerDialerOptions {
  mesh: PeerMesh;
  auth: PeerAuth;
  log: Logger;
  /** The longest wait between two dials of one target. @default 5000 */
  backoffMaxMs?: number;
  /** A dial not open within this is abandoned. @default 10_000 */
  connectTimeoutMs?: number;
  /** How often a linked target is checked for a lost link. @default 1000 */
  checkIntervalMs?: number;
  /**
   * A target known to have a LOWER node id is expected to dial us (the lower id's link
   * wins the tie-break anyway); we dial it only after it left us unlinked this long.
   * @default 3000
   */
  lowerIdGraceMs?: number;
  /** Opens the dial's socket (one that trusts `--ca` for wss://). @default openPeerSocket() */
  openSocket?: (url: string, headers: Record<string, string>) => WebSocket;
  /** Learns a target's node id before its first dial. @default healthzNodeId(fetch) */
  lookupNodeId?: NodeIdLookup;
}

/** The node id in `/healthz` of the node behind a `/peer` URL (http for ws, https for wss). */
export function healthzNodeId(fetcher: typeof fetch = fetch): NodeIdLookup {
  return async (peerUrl) => {
    const url = new URL(peerUrl);
    url.protocol = url.protocol === "wss:" ? "https:" : "http:";
    url.pathname = "/healthz";
    try {
      const response = await fetcher(url, { signal: AbortSignal.timeout(5000) });
      const body = await response.json() as { nodeId?: unknown };
      return Number.isSafeInteger(body.nodeId) ? body.nodeId as number : undefined;
    } catch {
      return undefined;
    }
  };
}

/** Bun's WebSocket client takes request headers and TLS options (the DOM typings do not). */
const BunWebSocket = WebSocket as unknown as new (
  url: string,
  options: { headers: Record<string, string>; tls?: { ca: string } },
) => WebSocket;

/** A client WebSocket with request headers; with `ca`, wss:// also trusts that PEM. */
export function openPeerSocket(
  url: string,
  headers: Record<string, string>,
  ca?: string,
): WebSocket {
  return new BunWebSocket(url, ca === undefined ? { headers } : { headers, tls: { ca } });
}

interface TargetState {
  url: string;
  nodeId?: number;
  /** nodeId came from the target's /healthz (forgotten when a dial with it fails). */
  nodeIdLookedUp?: boolean;
  attempt: number;
  timer?: ReturnType<typeof setTimeout>;
  socket?: WebSocket;
  isSelf: boolean;
  removed: boolean;
  /** Since when this target has been without a link (for the lower-id grace). */
  unlinkedSinceMs: number;
}

export class PeerDialer {
  #options: PeerDialerOptions;
  #targets = new Map<string, TargetState>();
  #closed = false;

  constructor(options: PeerDialerOptions) {
    this.#options = options;
  }

  /** Replaces the target set: new ones are dialled at once, gone ones are no longer re-dialled. */
  setTargets(targets: DialTarget[]): void {
    if (this.#closed) return;
    const wanted = new Map(targets.map((t) => [t.url, t]));
    for (const [url, state] of this.#targets) {
      if (wanted.has(url)) continue;
      state.removed = true;
      clearTimeout(state.timer);
      this.#targets.delete(url);
    }
    for (const target of wanted.values()) {
      const existing = this.#targets.get(target.url);
      if (existing) {
        if (target.nodeId !== undefined) {
          existing.nodeId = target.nodeId;
          existing.nodeIdLookedUp = false;
        }
        continue;
      }
      const state: TargetState = {
        ...target,
        attempt: 0,
        isSelf: false,
        removed: false,
        unlinkedSinceMs: this.#options.mesh.clock.nowMs(),
      };
      if (state.nodeId === this.#options.mesh.node.nodeId) state.isSelf = true;
      this.#targets.set(target.url, state);
      if (!state.isSelf) this.#schedule(state, 0);
    }
  }

  /** Stops dialling; sockets still handshaking are closed (open links belong to the mesh). */
  close(): void {
    this.#closed = true;
    for (const state of this.#targets.values()) {
      clearTimeout(state.timer);
      state.removed = true;
      if (state.socket?.readyState === WebSocket.CONNECTING) state.socket.close();
    }
    this.#targets.clear();
  }

  #schedule(state: TargetState, delayMs: number): void {
    clearTimeout(state.timer);
    if (this.#closed || state.removed || state.isSelf) return;
    state.timer = setTimeout(() => this.#tick(state), delayMs);
  }

  #tick(state: TargetState): void {
    if (this.#closed || state.removed || state.isSelf || state.socket) return;
    const checkMs = this.#options.checkIntervalMs ?? 1000;
    if (state.nodeId !== undefined && this.#options.mesh.hasLink(state.nodeId)) {
      state.attempt = 0;
      state.unlinkedSinceMs = this.#options.mesh.clock.nowMs();
      this.#schedule(state, checkMs);
      return;
    }
    const graceMs = this.#options.lowerIdGraceMs ?? 3000;
    const waitedMs = this.#options.mesh.clock.nowMs() - state.unlinkedSinceMs;
    if (
      state.nodeId !== undefined && state.nodeId < this.#options.mesh.node.nodeId &&
      waitedMs < graceMs
    ) {
      this.#schedule(state, Math.min(checkMs, graceMs - waitedMs));
      return;
    }
    void this.#dial(state);
  }

  async #dial(state: TargetState): Promise<void> {
    const { mesh, auth, log } = this.#options;
    const targetNodeId = state.nodeId ?? await this.#lookUp(state);
    if (this.#closed || state.removed || state.isSelf) return;
    if (targetNodeId === undefined) {
      this.#retry(state, undefined);
      return;
    }
    const nonce = randomNonce();
    const proof = await auth.signDial({
      nodeId: mesh.node.nodeId,
      targetNodeId,
      nowMs: mesh.clock.nowMs(),
      nonce,
    });
    if (this.#closed || state.removed) return;
    let socket: WebSocket;
    try {
      socket = (this.#options.openSocket ?? openPeerSocket)(state.url, {
        [PEER_AUTH_HEADER]: proof,
      });
    } catch (error) {
      log.warn("peer dial impossible", { url: state.url, error: String(error) });
      this.#retry(state, undefined);
      return;
    }
    state.socket = socket;
    let link: PeerLink | undefined;
    const connectTimer = setTimeout(() => {
      if (!link) socket.close();
    }, this.#options.connectTimeoutMs ?? 10_000);
    socket.onopen = () => {
      clearTimeout(connectTimer);
      if (this.#closed || state.removed) {
        socket.close(CloseCode.goingAway, "not wanted");
        return;
      }
      link = mesh.attachDialled({
        send: (text) => socket.send(text),
        close: (code, reason) => socket.close(code, reason),
        bufferedAmount: () => socket.bufferedAmount,
      }, nonce);
    };
    socket.onmessage = (event) => {
      if (typeof event.data === "string") link?.receive(event.data);
    };
    socket.onerror = (event) => {
      log.debug("peer dial error", {
        url: state.url,
        error: (event as ErrorEvent).message ?? "error",
      });
    };
    socket.onclose = (event) => {
      clearTimeout(connectTimer);
      link?.closed();
      if (state.socket === socket) state.socket = undefined;
      if (link?.peerNodeId !== undefined) {
        state.nodeId = link.peerNodeId;
        state.nodeIdLookedUp = false;
      } else if (state.nodeIdLookedUp) {
        state.nodeId = undefined; // another node may answer there now: look again
      }
      if (event.code === PeerCloseCode.self) {
        state.isSelf = true;
        log.info("peer target is this node, not dialling it", { url: state.url });
        return;
      }
      this.#retry(state, link);
    };
  }

  /** A static target's node id from its /healthz (this node itself: never dialled). */
  async #lookUp(state: TargetState): Promise<number | undefined> {
    const lookup = this.#options.lookupNodeId ?? healthzNodeId();
    const nodeId = await lookup(state.url);
    if (nodeId === undefined || state.removed) return undefined;
    if (nodeId === this.#options.mesh.node.nodeId) {
      state.isSelf = true;
      this.#options.log.info("peer target is this node, not dialling it", { url: state.url });
      return undefined;
    }
    state.nodeId = nodeId;
    state.nodeIdLookedUp = true;
    return nodeId;
  }

  #retry(state: TargetState, link: PeerLink | undefined): void {
    if (link?.registeredAtMs !== undefined) state.attempt = 0;
    const delay = backoffDelayMs(state.attempt, {
      baseMs: 200,
      maxMs: this.#options.backoffMaxMs ?? 5000,
    });
    state.attempt = Math.min(state.attempt + 1, 30);
    if (state.attempt === 5) {
      this.#options.log.warn("Cannot reach peer yet, still trying", { url: state.url });
    }
    this.#schedule(state, delay);
  }
}
