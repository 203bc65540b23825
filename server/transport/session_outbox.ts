/**
 * A client session's replies (client_session.ts): each encoded through the one
 * encoder (common/server_frame_codec.ts) from this node (`source`), queued, and
 * flushed once per microtask checkpoint inside one cork, so the acks of a whole
 * group commit leave in one write (one syscall), not one each. A write the node
 * could not store is answered with the store's own refusal, or `unavailable`.
 *
 * Made at a connection's first reply: an idle connection has none.
 *
 * Invariants: nothing is sent once the session is closing or the socket is not
 * open; frames leave in the order they were queued; every error is counted by
 * code (`dsatter_frames_rejected_total`).
 * @module
 */

import type { ErrorCode, ServerFrame } from "../../common/protocol.ts";
import { ServerFrameType } from "../../common/protocol.ts";
import { encodeServerFrame } from "../../common/server_frame_codec.ts";
import type { Logger } from "../../common/logger.ts";
import { ClientMsgIdConflictError } from "../core/chat_node.ts";
import { StorageRefusedError } from "../core/storage_guard.ts";
import type { NodeMetrics } from "../observability/metrics_registry.ts";
import type { ClientSocket } from "./client_socket.ts";

const OPEN = 1;

export interface OutboxContext {
  node: { readonly nodeId: number };
  metrics: NodeMetrics;
  logger: Logger;
}

export class SessionOutbox {
  #socket: ClientSocket;
  #context: OutboxContext;
  #isClosing: () => boolean;
  #frames: string[] = [];

  constructor(socket: ClientSocket, context: OutboxContext, isClosing: () => boolean) {
    this.#socket = socket;
    this.#context = context;
    this.#isClosing = isClosing;
  }

  /** Sends a reply, from this node (`source`), through the one encoder. */
  reply(frame: ServerFrame): void {
    frame.source = this.#context.node.nodeId;
    this.sendText(encodeServerFrame(frame));
  }

  error(code: ErrorCode, message: string, ref?: string): void {
    this.#context.metrics.rejectedFrames.labels(code).inc();
    this.reply({ type: ServerFrameType.error, payload: { code, message }, ref });
  }

  /** A write the node could not store: the store's own refusal, or `unavailable`. */
  refused(error: Error, what: "message" | "chat", ref: string | undefined): void {
    if (error instanceof StorageRefusedError || error instanceof ClientMsgIdConflictError) {
      this.error(error.code, error.message, ref);
      return;
    }
    this.#context.logger.error(`${what} not stored`, { error: error.message });
    this.error("unavailable", `the ${what} could not be stored: try again`, ref);
  }

  /** Queues a frame's text; the queue leaves at the end of this microtask checkpoint. */
  sendText(text: string): void {
    if (this.#isClosing() || this.#socket.readyState !== OPEN) return;
    this.#frames.push(text);
    if (this.#frames.length === 1) queueMicrotask(() => this.flush());
  }

  /** Sends what is queued now, in one cork. */
  flush(): void {
    const frames = this.#frames;
    if (frames.length === 0) return;
    this.#frames = [];
    if (this.#isClosing() || this.#socket.readyState !== OPEN) return;
    const socket = this.#socket;
    const sendAll = () => {
      for (const frame of frames) socket.send(frame);
    };
    if (socket.cork) socket.cork(sendAll);
    else sendAll();
  }

  /** Forgets what is queued (the connection was cut off). */
  drop(): void {
    this.#frames = [];
  }
}
