/**
 * A test peer: dials a node's `/peer` with a valid proof of the cluster secret,
 * exactly as a node does (common/peer_auth_token.ts), says peerHello, answers
 * the node's sync requests with empty pages (it holds nothing the node lacks),
 * and otherwise sends whatever the fuzzer gives it, raw.
 *
 * Invariant: the node's own frames are only read, never judged here; close()
 * leaves no socket open.
 * @module
 */

import { createPeerAuth, PEER_AUTH_HEADER } from "../common/peer_auth_token.ts";
import { connectRawWebSocket, type RawWebSocket } from "../perf/raw_websocket.ts";
import { healthzNodeId } from "../server/mesh/peer_dialer.ts";

export interface TestPeerOptions {
  /** The node's `ws://HOST:PORT/peer`. */
  url: string;
  peerId: number;
  clusterSecret: string;
}

export class TestPeer {
  #ws!: RawWebSocket;
  #options: TestPeerOptions;
  #barriers = new Map<number, () => void>();
  #nextBarrier = 1_000_000_000;
  closeCode: number | undefined;
  /** The node's id from its peerHello. */
  nodeId: number | undefined;

  constructor(options: TestPeerOptions) {
    this.#options = options;
  }

  get isOpen(): boolean {
    return this.closeCode === undefined;
  }

  get closed(): Promise<number> {
    return this.#ws.closed;
  }

  async connect(): Promise<void> {
    const auth = createPeerAuth(this.#options.clusterSecret);
    // The proof names the node it opens a link to: its id, from its /healthz as a node does.
    const targetNodeId = await healthzNodeId()(this.#options.url);
    if (targetNodeId === undefined) {
      throw new Error(`Cannot dial ${this.#options.url}: its /healthz names no node id`);
    }
    const proof = await auth.signDial({
      nodeId: this.#options.peerId,
      targetNodeId,
      nowMs: Date.now(),
    });
    this.closeCode = undefined;
    this.#ws = await connectRawWebSocket(this.#options.url, {
      onText: (text) => this.#onText(text),
      onClose: (code) => {
        this.closeCode = code;
        for (const release of this.#barriers.values()) release();
        this.#barriers.clear();
      },
    }, { headers: { [PEER_AUTH_HEADER]: proof } });
    this.sendText(JSON.stringify({ type: "peerHello", payload: { nodeId: this.#options.peerId } }));
  }

  sendText(text: string): void {
    this.#ws.sendText(text);
  }

  sendBinary(bytes: Uint8Array): void {
    this.#ws.sendFrame(2, bytes);
  }

  /**
   * Resolves once the node answered a sync request sent now: every frame sent
   * before it has been read by the node. False when the link closed first.
   */
  async barrier(deadlineMs = 30_000): Promise<boolean> {
    const requestId = this.#nextBarrier++;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const answered = new Promise<boolean>((resolve) => {
      this.#barriers.set(requestId, () => resolve(this.isOpen));
      timer = setTimeout(() => resolve(false), deadlineMs);
    });
    // Any valid request gets one bounded page back, in order after every earlier frame.
    this.sendText(JSON.stringify({ type: "syncRequest", payload: { requestId, vector: {} } }));
    const result = await answered;
    clearTimeout(timer);
    this.#barriers.delete(requestId);
    return result;
  }

  close(): Promise<number> {
    return this.#ws.close();
  }

  #onText(text: string): void {
    let frame: { type?: string; payload?: Record<string, unknown> };
    try {
      frame = JSON.parse(text);
    } catch {
      return;
    }
    const payload = frame.payload ?? {};
    if (frame.type === "peerHello" && typeof payload.nodeId === "number") {
      this.nodeId = payload.nodeId;
    } else if (frame.type === "syncRequest") {
      this.sendText(JSON.stringify({
        type: "syncReply",
        payload: { requestId: payload.requestId, messages: [], more: false },
      }));
    } else if (frame.type === "syncReply" && typeof payload.requestId === "number") {
      this.#barriers.get(payload.requestId)?.();
    }
  }
}
