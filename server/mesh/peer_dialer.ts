/**
 * Dials the peers this node should be linked to (from discovery or `--peers`)
 * and keeps re-dialling each one, with capped, jittered backoff, while no link
 * to it exists. The dial carries the HMAC proof in a header; the socket is then
 * handed to the mesh, which does the rest.
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
  /** When known (discovery says it; a static target learns it at the first hello). */
  nodeId?: number;
}

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
        if (target.nodeId !== undefined) existing.nodeId = target.nodeId;
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
    const nonce = randomNonce();
    const proof = await auth.signDial(mesh.node.nodeId, mesh.clock.nowMs(), nonce);
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
      if (link?.peerNodeId !== undefined) state.nodeId = link.peerNodeId;
      if (event.code === PeerCloseCode.self) {
        state.isSelf = true;
        log.info("peer target is this node, not dialling it", { url: state.url });
        return;
      }
      this.#retry(state, link);
    };
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
