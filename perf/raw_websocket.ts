/**
 * A minimal WebSocket client (RFC 6455) on Bun's raw TCP sockets, for the load
 * generator only: it sends many frames per write and parses many frames per
 * read, with no event object per message, so the generator's own cost per
 * delivery stays small next to the node's on a shared 2-core machine.
 * Text frames only (plus ping/pong/close); no extensions, no TLS.
 *
 * Invariant: onText receives every text frame the server sent, whole and in
 * order, exactly once; frames queued with sendText() are written in order
 * (a partial write keeps the rest for the next drain); `closed` resolves once,
 * with the server's close code or 1006 when the TCP connection just ended.
 * @module
 */

import { createHash } from "node:crypto";
import { sleep } from "../common/abortable_sleep.ts";
import { CloseCode } from "../common/errors.ts";

export interface RawWebSocketHandlers {
  /** One whole text frame, decoded. */
  onText(text: string): void;
  /** The connection ended (code 1006 without a close frame). */
  onClose?(code: number): void;
}

export interface RawWebSocket {
  /** Queues one text frame; written at the end of the current tick (or by flush()). */
  sendText(text: string): void;
  /**
   * Queues one frame exactly as given: any opcode, FIN and RSV bits, payload bytes
   * unchecked (invalid UTF-8 in a text frame, a fragment): for the fuzzers.
   */
  sendFrame(opcode: number, payload: Uint8Array, options?: RawFrameOptions): void;
  /** Writes bytes as they are, outside any framing (a truncated frame, garbage). */
  writeBytes(bytes: Uint8Array): void;
  /** Writes what is queued now. */
  flush(): void;
  /** Bytes queued but not yet accepted by the kernel. */
  readonly bufferedBytes: number;
  /** Sends a close frame and waits (at most timeoutMs) for the connection to end. */
  close(timeoutMs?: number): Promise<number>;
  readonly closed: Promise<number>;
  readonly isOpen: boolean;
  /** Stops reading: the server sees TCP backpressure (a slow reader). */
  pauseReading(): void;
  /** Reads again after pauseReading() (a close that came meanwhile is then seen). */
  resumeReading(): void;
  /** Drops the TCP connection at once, no close handshake. */
  terminate(): void;
}

export interface RawFrameOptions {
  /** The FIN bit. @default true */
  fin?: boolean;
  /** The three RSV bits, 0..7. @default 0 */
  rsv?: number;
}

export interface RawConnectOptions {
  /** @default 15000 */
  handshakeTimeoutMs?: number;
  /** Extra request headers on the upgrade (a peer's proof). */
  headers?: Record<string, string>;
}

const GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** One frame a client sends: FIN set, masked with `mask` (RFC 6455 5.2). */
export function encodeClientFrame(
  opcode: number,
  payload: Uint8Array,
  mask: Uint8Array,
): Uint8Array {
  const length = payload.length;
  const headerLength = length < 126 ? 2 : length < 65536 ? 4 : 10;
  const frame = new Uint8Array(headerLength + 4 + length);
  frame[0] = 0x80 | opcode;
  if (length < 126) {
    frame[1] = 0x80 | length;
  } else if (length < 65536) {
    frame[1] = 0x80 | 126;
    frame[2] = length >> 8;
    frame[3] = length & 0xff;
  } else {
    frame[1] = 0x80 | 127;
    new DataView(frame.buffer).setBigUint64(2, BigInt(length));
  }
  frame.set(mask, headerLength);
  const body = headerLength + 4;
  for (let i = 0; i < length; i++) frame[body + i] = payload[i] ^ mask[i & 3];
  return frame;
}

/** A frame as read: FIN bit, opcode, unmasked payload. */
export interface ReadFrame {
  fin: boolean;
  opcode: number;
  payload: Uint8Array;
}

/**
 * Every whole frame at the start of `buffer`, and the offset where the first incomplete one
 * begins (the caller keeps the bytes from there for the next read).
 */
export function readFrames(buffer: Uint8Array): { frames: ReadFrame[]; consumed: number } {
  const frames: ReadFrame[] = [];
  let offset = 0;
  while (buffer.length - offset >= 2) {
    const first = buffer[offset];
    const second = buffer[offset + 1];
    let length = second & 0x7f;
    let header = 2;
    if (length === 126) {
      if (buffer.length - offset < 4) break;
      length = (buffer[offset + 2] << 8) | buffer[offset + 3];
      header = 4;
    } else if (length === 127) {
      if (buffer.length - offset < 10) break;
      length = Number(
        new DataView(buffer.buffer, buffer.byteOffset + offset + 2, 8).getBigUint64(0),
      );
      header = 10;
    }
    const masked = (second & 0x80) !== 0; // servers never mask; tolerate it anyway
    if (masked) header += 4;
    if (buffer.length - offset < header + length) break;
    const payload = buffer.subarray(offset + header, offset + header + length);
    if (masked) {
      const key = buffer.subarray(offset + header - 4, offset + header);
      for (let i = 0; i < payload.length; i++) payload[i] ^= key[i & 3];
    }
    offset += header + length;
    frames.push({ fin: (first & 0x80) !== 0, opcode: first & 0x0f, payload });
  }
  return { frames, consumed: offset };
}

/** One open connection: its write queue, its read buffer, its fragments. */
class RawConnection implements RawWebSocket {
  socket: Bun.Socket<undefined> | undefined;
  open = false;
  closeCode: number = CloseCode.abnormal;
  readonly closed: Promise<number>;
  #resolveClosed!: (code: number) => void;
  #handlers: RawWebSocketHandlers;
  #mask = crypto.getRandomValues(new Uint8Array(4));
  #outQueue: Uint8Array[] = [];
  #outBytes = 0;
  #flushScheduled = false;
  #pendingIn: Uint8Array | undefined;
  #fragments: Uint8Array[] = [];

  constructor(handlers: RawWebSocketHandlers) {
    this.#handlers = handlers;
    this.closed = new Promise<number>((resolve) => this.#resolveClosed = resolve);
  }

  get bufferedBytes(): number {
    return this.#outBytes;
  }

  get isOpen(): boolean {
    return this.open;
  }

  sendText(text: string): void {
    if (this.open) this.#queueFrame(0x1, encoder.encode(text));
  }

  sendFrame(opcode: number, payload: Uint8Array, options: RawFrameOptions = {}): void {
    if (!this.open) return;
    const frame = encodeClientFrame(opcode & 0xf, payload, this.#mask);
    frame[0] = (options.fin === false ? 0 : 0x80) | ((options.rsv ?? 0) & 7) << 4 | (opcode & 0xf);
    this.#queueBytes(frame);
  }

  writeBytes(bytes: Uint8Array): void {
    if (this.open) this.#queueBytes(bytes);
  }

  flush(): void {
    this.#flushScheduled = false;
    const socket = this.socket;
    if (socket === undefined || this.#outQueue.length === 0) return;
    const chunk = this.#outQueue.length === 1 ? this.#outQueue[0] : Buffer.concat(this.#outQueue);
    const written = socket.write(chunk);
    this.#outQueue = written < chunk.length ? [chunk.subarray(Math.max(0, written))] : [];
    this.#outBytes = chunk.length - Math.max(0, written);
  }

  async close(timeoutMs = 5_000): Promise<number> {
    if (this.open) {
      this.open = false;
      this.#queueFrame(0x8, new Uint8Array([0x03, 0xe8]));
      this.flush();
    }
    const done = new AbortController();
    await Promise.race([this.closed, sleep(timeoutMs, done.signal)]);
    done.abort();
    this.socket?.end();
    return await this.closed;
  }

  pauseReading(): void {
    this.socket?.pause();
  }

  resumeReading(): void {
    this.socket?.resume();
  }

  terminate(): void {
    this.open = false;
    this.socket?.terminate();
  }

  /** Bytes from the socket: every whole frame is handled, a partial one kept for the next. */
  received(data: Uint8Array): void {
    let buffer = data;
    if (this.#pendingIn !== undefined) {
      buffer = Buffer.concat([this.#pendingIn, data]);
      this.#pendingIn = undefined;
    }
    const { frames, consumed } = readFrames(buffer);
    for (const frame of frames) this.#onFrame(frame);
    if (consumed < buffer.length) this.#pendingIn = Uint8Array.from(buffer.subarray(consumed));
  }

  /** The TCP connection ended. */
  ended(): void {
    this.open = false;
    this.#resolveClosed(this.closeCode);
  }

  #queueFrame(opcode: number, payload: Uint8Array): void {
    this.#queueBytes(encodeClientFrame(opcode, payload, this.#mask));
  }

  #queueBytes(bytes: Uint8Array): void {
    this.#outQueue.push(bytes);
    this.#outBytes += bytes.length;
    if (!this.#flushScheduled) {
      this.#flushScheduled = true;
      queueMicrotask(() => this.flush());
    }
  }

  #onFrame({ fin, opcode, payload }: ReadFrame): void {
    if (opcode === 0x1 || opcode === 0x0) {
      if (!fin || this.#fragments.length > 0) {
        this.#fragments.push(Uint8Array.from(payload));
        if (!fin) return;
        const whole = Buffer.concat(this.#fragments);
        this.#fragments = [];
        this.#handlers.onText(decoder.decode(whole));
        return;
      }
      this.#handlers.onText(decoder.decode(payload));
    } else if (opcode === 0x8) {
      this.closeCode = payload.length >= 2 ? (payload[0] << 8) | payload[1] : 1005;
      if (this.open) this.#queueFrame(0x8, payload.subarray(0, 2));
      this.open = false;
      this.flush();
      this.socket?.end();
    } else if (opcode === 0x9) {
      this.#queueFrame(0xa, Uint8Array.from(payload));
    }
  }
}

/** The opening handshake's request for `target` with `key` (and extra headers). */
function handshakeRequest(target: URL, key: string, headers: Record<string, string> = {}): string {
  const extra = Object.entries(headers).map(([name, value]) => `${name}: ${value}\r\n`).join("");
  return `GET ${target.pathname}${target.search} HTTP/1.1\r\nHost: ${target.host}\r\n` +
    `Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${key}\r\n` +
    `Sec-WebSocket-Version: 13\r\n${extra}\r\n`;
}

/** Opens a connection to `ws://host:port/path` and resolves after the 101 handshake. */
export function connectRawWebSocket(
  url: string,
  handlers: RawWebSocketHandlers,
  options: RawConnectOptions = {},
): Promise<RawWebSocket> {
  const handshakeTimeoutMs = options.handshakeTimeoutMs ?? 15_000;
  const target = new URL(url);
  if (target.protocol !== "ws:") throw new Error(`Cannot open ${url}: only ws:// is supported`);
  const key = Buffer.from(crypto.getRandomValues(new Uint8Array(16))).toString("base64");
  const expectedAccept = createHash("sha1").update(key + GUID).digest("base64");
  const connection = new RawConnection(handlers);
  return new Promise<RawWebSocket>((resolve, reject) => {
    let handshakeDone = false;
    let handshake = "";
    const fail = (reason: string, cause?: Error) => {
      clearTimeout(timer);
      reject(new Error(`Cannot open ${url}: ${reason}`, { cause }));
    };
    const timer = setTimeout(() => {
      fail(`no handshake within ${handshakeTimeoutMs} ms`);
      connection.socket?.end();
    }, handshakeTimeoutMs);
    /** The server's answer, read until its blank line; then frames. */
    const onHandshakeData = (socket: Bun.Socket<undefined>, data: Buffer) => {
      handshake += data.toString("latin1");
      const end = handshake.indexOf("\r\n\r\n");
      if (end < 0) return;
      const head = handshake.slice(0, end);
      const accept = /^sec-websocket-accept:\s*(\S+)/im.exec(head)?.[1];
      if (!head.startsWith("HTTP/1.1 101") || accept !== expectedAccept) {
        fail(head.split("\r\n")[0]); // before end(): it may run the close handler at once
        socket.end();
        return;
      }
      clearTimeout(timer);
      handshakeDone = connection.open = true;
      resolve(connection);
      const rest = Buffer.from(handshake.slice(end + 4), "latin1");
      if (rest.length > 0) connection.received(rest);
    };
    Bun.connect({
      hostname: target.hostname.replace(/^\[|\]$/g, ""),
      port: Number(target.port || 80),
      socket: {
        open(socket) {
          connection.socket = socket;
          socket.write(handshakeRequest(target, key, options.headers));
        },
        data(socket, data) {
          if (handshakeDone) connection.received(data);
          else onHandshakeData(socket, data);
        },
        drain: () => connection.flush(),
        close() {
          clearTimeout(timer);
          connection.ended();
          if (handshakeDone) handlers.onClose?.(connection.closeCode);
          else fail("connection closed during the handshake");
        },
        error: (_socket, error) => fail(error.message, error),
      },
    }).catch((error: Error) => fail(error.message, error));
  });
}

/**
 * Opens one connection per url, `concurrency` handshakes at a time; on any failure closes
 * what it opened and throws.
 */
export async function openRawWebSockets(
  urls: readonly string[],
  handlersFor: (index: number) => RawWebSocketHandlers,
  options: { concurrency?: number; signal?: AbortSignal } = {},
): Promise<RawWebSocket[]> {
  const sockets: RawWebSocket[] = [];
  let next = 0;
  let failure: Error | undefined;
  async function worker() {
    while (failure === undefined && next < urls.length) {
      if (options.signal?.aborted) {
        failure = new Error("Cannot open connections: aborted");
        return;
      }
      const index = next++;
      try {
        sockets[index] = await connectRawWebSocket(urls[index], handlersFor(index));
      } catch (error) {
        failure ??= error as Error;
      }
    }
  }
  const workers = Math.min(options.concurrency ?? 100, urls.length);
  await Promise.all(Array.from({ length: workers }, worker));
  if (failure !== undefined) {
    await closeRawWebSockets(sockets.filter(Boolean));
    throw failure;
  }
  return sockets;
}

/** Closes every connection, waiting at most timeoutMs in all. */
export async function closeRawWebSockets(
  sockets: readonly RawWebSocket[],
  timeoutMs = 10_000,
): Promise<void> {
  await Promise.all(sockets.map((socket) => socket.close(timeoutMs)));
}
