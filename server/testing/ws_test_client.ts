/**
 * Test helpers for the client WebSocket protocol, on the plain WebSocket API so
 * Bun and Deno tests share them: open a connection, collect every frame, wait
 * for the next frame matching a predicate with a deadline (never a fixed sleep).
 *
 * Invariant: `frames` holds every text frame received, parsed, in arrival order;
 * nextFrame() consumes each frame at most once, so waiting twice for "a message"
 * yields two different frames.
 * @module
 */

import { webSocketTrusting } from "./test_tls.ts";

/** A received frame; `raw` is the exact text. */
export interface ReceivedFrame {
  type: string;
  payload: unknown;
  source?: number;
  ref?: string;
  more?: boolean;
  vector?: Record<string, number>;
  raw: string;
  [key: string]: unknown;
}

export interface CloseInfo {
  code: number;
  reason: string;
}

export interface TestClient {
  ws: WebSocket;
  /** Every frame received so far (live array). */
  frames: ReceivedFrame[];
  /** Resolves when the connection closed (by either side). */
  closed: Promise<CloseInfo>;
  /** Sends one JSON frame. */
  send(frame: unknown): void;
  /** Sends raw text (or binary) as is. */
  sendRaw(data: string | Uint8Array): void;
  /** Waits for the first not yet consumed frame matching the predicate, and consumes it. */
  next(predicate?: (frame: ReceivedFrame) => boolean, deadlineMs?: number): Promise<ReceivedFrame>;
  /** Closes the connection and waits until it is closed. */
  close(code?: number): Promise<CloseInfo>;
}

export interface OpenClientOptions {
  /** @default 15000 */
  deadlineMs?: number;
  /** A CA (PEM) to trust for a wss:// node with a private CA. */
  caPem?: string;
}

/** What a connection received, and who waits for more. */
interface Inbox {
  frames: ReceivedFrame[];
  consumed: Set<ReceivedFrame>;
  waiters: Set<() => void>;
  closed: boolean;
}

/** The first not yet consumed frame matching the predicate, consumed; rejects at the deadline. */
function takeFrame(
  inbox: Inbox,
  predicate: (frame: ReceivedFrame) => boolean,
  deadlineMs: number,
): Promise<ReceivedFrame> {
  return new Promise((resolve, reject) => {
    const check = (): boolean => {
      const found = inbox.frames.find((frame) => !inbox.consumed.has(frame) && predicate(frame));
      if (found) {
        inbox.consumed.add(found);
        done();
        resolve(found);
        return true;
      }
      if (inbox.closed) {
        done();
        reject(new Error("Cannot get the expected frame: the connection closed"));
        return true;
      }
      return false;
    };
    const timer = setTimeout(() => {
      done();
      reject(new Error(`Cannot get the expected frame within ${deadlineMs} ms`));
    }, deadlineMs);
    const waiter = () => void check();
    function done() {
      clearTimeout(timer);
      inbox.waiters.delete(waiter);
    }
    if (!check()) inbox.waiters.add(waiter);
  });
}

/** Resolves once the socket is open; rejects when it fails or does not open within deadlineMs. */
function opened(ws: WebSocket, wsUrl: string, deadlineMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      ws.close();
      reject(new Error(`Cannot open ${wsUrl} within ${deadlineMs} ms`));
    }, deadlineMs);
    ws.addEventListener("open", () => {
      clearTimeout(timer);
      resolve();
    });
    ws.addEventListener("error", () => {
      clearTimeout(timer);
      reject(new Error(`Cannot open ${wsUrl}`));
    });
  });
}

/** Opens a client connection; rejects when it does not open within the deadline. */
export async function openClient(
  wsUrl: string,
  options: number | OpenClientOptions = {},
): Promise<TestClient> {
  const { deadlineMs = 15_000, caPem } = typeof options === "number"
    ? { deadlineMs: options }
    : options;
  const ws = webSocketTrusting(wsUrl, caPem);
  const inbox: Inbox = { frames: [], consumed: new Set(), waiters: new Set(), closed: false };
  let resolveClosed!: (info: CloseInfo) => void;
  const closed = new Promise<CloseInfo>((resolve) => resolveClosed = resolve);
  const wake = () => {
    for (const waiter of [...inbox.waiters]) waiter();
  };
  ws.addEventListener("message", (event) => {
    const raw = typeof event.data === "string" ? event.data : "";
    let parsed: ReceivedFrame;
    try {
      parsed = { ...JSON.parse(raw), raw };
    } catch {
      parsed = { type: "<unparsable>", payload: raw, raw };
    }
    inbox.frames.push(parsed);
    wake();
  });
  ws.addEventListener("close", (event) => {
    inbox.closed = true;
    resolveClosed({ code: event.code, reason: event.reason });
    wake();
  });
  await opened(ws, wsUrl, deadlineMs);
  return {
    ws,
    frames: inbox.frames,
    closed,
    send: (frame) => ws.send(JSON.stringify(frame)),
    sendRaw: (data) => ws.send(data),
    next: (predicate = () => true, frameDeadlineMs = 15_000) =>
      takeFrame(inbox, predicate, frameDeadlineMs),
    close(code = 1000) {
      if (!inbox.closed) ws.close(code);
      return closed;
    },
  };
}

/** Standalone form of client.next(). */
export function nextFrame(
  client: TestClient,
  predicate?: (frame: ReceivedFrame) => boolean,
  deadlineMs?: number,
): Promise<ReceivedFrame> {
  return client.next(predicate, deadlineMs);
}

/** True for a live message frame, optionally of one text. */
export function isMessageFrame(text?: string): (frame: ReceivedFrame) => boolean {
  return (frame) =>
    frame.type === "newMessagesForClient" &&
    (text === undefined || (frame.payload as Array<{ text: string }>)[0]?.text === text);
}

/** True for a frame of this type (and this ref, when given). */
export function ofType(type: string, ref?: string): (frame: ReceivedFrame) => boolean {
  return (frame) => frame.type === type && (ref === undefined || frame.ref === ref);
}
