/**
 * Fake sockets for the client core's tests: a Dialer whose connections are
 * plain objects. The test plays the node: it reads what the client sent
 * (`sentFrames()`), answers with `deliver()`, and ends a connection from the
 * node's side with `drop()` (a crash) or leaves it silent (a hung node).
 * Nodes listed in `refused` fail to dial, as a dead one does.
 *
 * Invariant: like every NodeConnection, `closed` resolves once; frames
 * delivered before listen() wait for it, in order.
 * @module
 */

import type { CloseInfo, Dialer, NodeConnection } from "../node_connection.ts";

export class FakeConnection implements NodeConnection {
  readonly url: string;
  readonly sent: string[] = [];
  readonly closed: Promise<CloseInfo>;
  /** Set once either side closed it. */
  closeInfo?: CloseInfo & { by: "client" | "node" };
  #listener?: (text: string) => void;
  #early: string[] = [];
  #resolveClosed!: (info: CloseInfo) => void;

  constructor(url: string) {
    this.url = url;
    this.closed = new Promise((resolve) => this.#resolveClosed = resolve);
  }

  send(text: string): void {
    if (!this.closeInfo) this.sent.push(text);
  }

  listen(onText: (text: string) => void): void {
    this.#listener = onText;
    for (const text of this.#early.splice(0)) onText(text);
  }

  close(code = 1000, reason = ""): void {
    this.#end({ code, reason, by: "client" });
  }

  /** The node sends a frame (an object is sent as its JSON). */
  deliver(frame: unknown): void {
    if (this.closeInfo) return;
    const text = typeof frame === "string" ? frame : JSON.stringify(frame);
    if (this.#listener) this.#listener(text);
    else this.#early.push(text);
  }

  /** The node goes away (1006: the TCP connection just ended). */
  drop(code = 1006, reason = ""): void {
    this.#end({ code, reason, by: "node" });
  }

  /** What the client sent, parsed. */
  sentFrames(): { type: string; payload: Record<string, unknown>; ref?: string }[] {
    return this.sent.map((text) => JSON.parse(text));
  }

  /** The last frame of this type the client sent. */
  lastSent(type: string): { type: string; payload: Record<string, unknown>; ref?: string } {
    const frame = this.sentFrames().findLast((f) => f.type === type);
    if (!frame) throw new Error(`Cannot find a ${type} frame among ${this.sent.length} sent`);
    return frame;
  }

  #end(info: CloseInfo & { by: "client" | "node" }): void {
    if (this.closeInfo) return;
    this.closeInfo = info;
    this.#resolveClosed({ code: info.code, reason: info.reason });
  }
}

export interface FakeDialer {
  dial: Dialer;
  /** Every connection opened so far, oldest first. */
  connections: FakeConnection[];
  /** URLs whose dial fails ("connection refused"). */
  refused: Set<string>;
  /** URLs dialled, in order, refused ones included. */
  dialled: string[];
}

export function createFakeDialer(): FakeDialer {
  const connections: FakeConnection[] = [];
  const refused = new Set<string>();
  const dialled: string[] = [];
  const dial: Dialer = (url) => {
    dialled.push(url);
    if (refused.has(url)) {
      return Promise.reject(new Error(`Cannot connect to ${url}: connection refused`));
    }
    const connection = new FakeConnection(url);
    connections.push(connection);
    return Promise.resolve(connection);
  };
  return { dial, connections, refused, dialled };
}
