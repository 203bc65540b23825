/**
 * The page's link to the cluster: one WebSocket at a time, `hello`, resume
 * with `since`, replies matched to requests by `ref`, and reconnect forever
 * (the same node first, then the node's live peers in turn) with capped,
 * jittered backoff until the page's AbortSignal fires.
 *
 * Invariant: `onReady` runs once per connection, only after the resume pages
 * of that connection were handed to `onMessages`; live frames arriving in the
 * meantime are handed over too (the timeline drops duplicates), so nothing is
 * lost between the old connection and the new one.
 * @module
 */

import type { ChatMessage, ServerFrameTypeName, VectorWire } from "../../../common/protocol.ts";
import { backoffDelayMs } from "../../../common/backoff.ts";
import type { ResumePosition } from "./resume_position.ts";

/** A frame from the node, as parsed JSON. */
export interface IncomingFrame {
  type: ServerFrameTypeName | string;
  payload: unknown;
  source?: number;
  ref?: string;
  more?: boolean;
  vector?: VectorWire;
}

export type ConnectionStatus =
  | { state: "connecting"; url: string }
  | { state: "online"; url: string; nodeId: number }
  | { state: "offline"; url: string; retryInMs: number };

export interface ChatConnectionOptions {
  /** The node that served the page (`ws://host:port/`): tried first. */
  primaryUrl: string;
  /** The name sent with `hello`, read at each connect. */
  name(): string;
  resume: ResumePosition;
  /** Messages from a resume page or a live frame, in arrival order. */
  onMessages(messages: ChatMessage[], origin: "live" | "resume"): void;
  /** Every other frame (acks, chat and presence events, replies nobody waits for). */
  onFrame(frame: IncomingFrame): void;
  onStatus(status: ConnectionStatus): void;
  /** After hello and resume, once per connection: reload lists, resend pending sends. */
  onReady(): void;
  /** Other nodes' client URLs (`ws://...`), asked after each connect; may fail. */
  discoverPeers?(connectedUrl: string): Promise<string[]>;
  /** Ends the reconnect loop and closes the socket. */
  signal: AbortSignal;
  /** How long a connect, a hello or a request may take. @default 10000 */
  requestTimeoutMs?: number;
}

export interface ChatConnection {
  /** Sends a frame now if connected; false when not (the caller keeps it pending). */
  send(frame: { type: string; payload: unknown; ref?: string }): boolean;
  /** Sends a frame with a fresh `ref` and resolves with the reply carrying it. */
  request(frame: { type: string; payload: unknown }): Promise<IncomingFrame>;
  isOnline(): boolean;
  /** Which connection is current (grows by one each time one goes online). */
  connectionNumber(): number;
  /**
   * Gives up on the current connection (a node that stopped answering keeps its TCP
   * connection open): reconnects as if it had closed, without waiting for the close.
   */
  abandon(): void;
}

/** How often a connected page asks again which nodes it could fail over to. */
const PEER_REFRESH_MS = 30_000;
/**
 * A connection this long without any frame gets a small request; no reply within the
 * request timeout means the node hangs (stopped, or a half-open TCP connection): left.
 */
const LIVENESS_IDLE_MS = 15_000;

interface Waiter {
  resolve(frame: IncomingFrame): void;
  reject(error: Error): void;
}

export function startChatConnection(options: ChatConnectionOptions): ChatConnection {
  const timeoutMs = options.requestTimeoutMs ?? 10_000;
  const waiters = new Map<string, Waiter>();
  let peers: string[] = [];
  let socket: WebSocket | undefined;
  let online = false;
  let nextRef = 1;
  let urlIndex = 0;
  let failures = 0;
  let lastFrameAt = Date.now();
  /** Counts connections that went online, so a late timer can tell it is about an old one. */
  let connectionCount = 0;

  function candidates(): string[] {
    return [...new Set([options.primaryUrl, ...peers])];
  }

  function rejectAll(reason: string) {
    for (const waiter of waiters.values()) waiter.reject(new Error(reason));
    waiters.clear();
  }

  function request(frame: { type: string; payload: unknown }): Promise<IncomingFrame> {
    const ws = socket;
    if (!ws || ws.readyState !== WebSocket.OPEN) {
      return Promise.reject(new Error("Cannot send request: not connected"));
    }
    const ref = `r${nextRef++}`;
    return new Promise<IncomingFrame>((resolve, reject) => {
      const timer = setTimeout(() => {
        waiters.delete(ref);
        reject(new Error(`Cannot get a reply to ${frame.type}: none within ${timeoutMs} ms`));
      }, timeoutMs);
      waiters.set(ref, {
        resolve: (reply) => (clearTimeout(timer), resolve(reply)),
        reject: (error) => (clearTimeout(timer), reject(error)),
      });
      ws.send(JSON.stringify({ ...frame, ref }));
    });
  }

  function dispatch(frame: IncomingFrame) {
    const waiter = frame.ref === undefined ? undefined : waiters.get(frame.ref);
    if (waiter) {
      waiters.delete(frame.ref!);
      if (frame.type === "error") {
        const error = frame.payload as { code?: string; message?: string };
        waiter.reject(new Error(`Cannot complete request: ${error.code}: ${error.message}`));
      } else {
        waiter.resolve(frame);
      }
      // A message-carrying reply is still data the page needs (resume pages are read by
      // their requester; history pages too), so nothing else to do here.
      return;
    }
    if (frame.type === "newMessagesForClient" && Array.isArray(frame.payload)) {
      const messages = frame.payload as ChatMessage[];
      for (const message of messages) options.resume.observe(message);
      options.onMessages(messages, "live");
      return;
    }
    options.onFrame(frame);
  }

  async function resumeAndGreet(ws: WebSocket, url: string) {
    const welcome = await request({ type: "hello", payload: { name: options.name() } });
    const { nodeId, vector } = welcome.payload as { nodeId: number; vector: VectorWire };
    if (!options.resume.known) {
      options.resume.adopt(vector ?? {});
    } else {
      for (let page = 0; page < 10_000; page++) {
        const since = options.resume.toWire();
        const reply = await request({
          type: "clientSyncRequest",
          payload: { since, limit: 1000 },
        });
        const messages = Array.isArray(reply.payload) ? reply.payload as ChatMessage[] : [];
        options.onMessages(messages, "resume");
        for (const message of messages) options.resume.observe(message);
        if (reply.vector) options.resume.adopt(reply.vector);
        if (reply.more !== true || messages.length === 0) break;
      }
    }
    if (socket !== ws) return;
    online = true;
    connectionCount++;
    failures = 0;
    options.onStatus({ state: "online", url, nodeId });
    options.onReady();
    askForPeers(url);
    const refresh = setInterval(() => {
      if (socket === ws && online) askForPeers(url);
      else clearInterval(refresh);
    }, PEER_REFRESH_MS);
    let probing = false;
    const liveness = setInterval(() => {
      if (socket !== ws || !online) return clearInterval(liveness);
      if (probing || Date.now() - lastFrameAt < LIVENESS_IDLE_MS) return;
      probing = true;
      request({ type: "presence", payload: { chatId: 0 } }).then(
        () => probing = false,
        () => {
          clearInterval(liveness);
          if (socket === ws) {
            lost(ws, true);
            ws.close();
          }
        },
      );
    }, 1000);
  }

  function askForPeers(url: string) {
    options.discoverPeers?.(url).then((urls) => {
      if (urls.length > 0) peers = urls;
    }).catch(() => {/* keep the peers known so far */});
  }

  function connect() {
    if (options.signal.aborted) return;
    const list = candidates();
    const url = list[urlIndex % list.length];
    options.onStatus({ state: "connecting", url });
    const ws = new WebSocket(url);
    socket = ws;
    const openTimer = setTimeout(() => ws.close(), timeoutMs);
    ws.addEventListener("open", () => {
      clearTimeout(openTimer);
      resumeAndGreet(ws, url).catch(() => {
        lost(ws, true);
        ws.close();
      });
    });
    ws.addEventListener("message", (event) => {
      if (socket === ws) lastFrameAt = Date.now();
      if (typeof event.data !== "string") return;
      let frame: IncomingFrame;
      try {
        frame = JSON.parse(event.data);
      } catch {
        return;
      }
      if (frame && typeof frame.type === "string") dispatch(frame);
    });
    ws.addEventListener("close", () => {
      clearTimeout(openTimer);
      lost(ws);
    });
  }

  /**
   * The socket is gone (closed, or given up on as unresponsive): schedule the next try.
   * After a connection that worked, the same node comes first (a blip); after a failed
   * attempt or an unresponsive node, the next candidate.
   */
  function lost(ws: WebSocket, moveOn = false) {
    if (socket !== ws) return;
    socket = undefined;
    if (!online || moveOn) urlIndex++;
    online = false;
    rejectAll("Cannot complete request: the connection closed");
    if (options.signal.aborted) return;
    const retryInMs = backoffDelayMs(Math.min(failures, 6), { baseMs: 300, maxMs: 8_000 });
    failures++;
    options.onStatus({ state: "offline", url: ws.url, retryInMs });
    setTimeout(connect, retryInMs);
  }

  options.signal.addEventListener("abort", () => socket?.close(1000), { once: true });
  connect();

  return {
    send(frame) {
      if (!socket || !online) return false;
      socket.send(JSON.stringify(frame));
      return true;
    },
    request,
    isOnline: () => online,
    connectionNumber: () => connectionCount,
    abandon() {
      const ws = socket;
      if (!ws) return;
      lost(ws, true);
      ws.close();
    },
  };
}
