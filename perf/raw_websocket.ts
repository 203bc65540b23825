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

const GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
const encoder = new TextEncoder();
const decoder = new TextDecoder();

interface SocketState {
  handshakeDone: boolean;
  pendingIn: Uint8Array | undefined;
  outQueue: Uint8Array[];
  outBytes: number;
  flushScheduled: boolean;
  fragments: Uint8Array[];
  closeCode: number;
}

/** Opens a connection to `ws://host:port/path` and resolves after the 101 handshake. */
export function connectRawWebSocket(
  url: string,
  handlers: RawWebSocketHandlers,
  handshakeTimeoutMs = 15_000,
): Promise<RawWebSocket> {
  const target = new URL(url);
  if (target.protocol !== "ws:") throw new Error(`Cannot open ${url}: only ws:// is supported`);
  const port = Number(target.port || 80);
  const hostname = target.hostname.replace(/^\[|\]$/g, "");
  const key = Buffer.from(crypto.getRandomValues(new Uint8Array(16))).toString("base64");
  const expectedAccept = createHash("sha1").update(key + GUID).digest("base64");
  const mask = crypto.getRandomValues(new Uint8Array(4));
  const state: SocketState = {
    handshakeDone: false,
    pendingIn: undefined,
    outQueue: [],
    outBytes: 0,
    flushScheduled: false,
    fragments: [],
    closeCode: CloseCode.abnormal,
  };
  let resolveClosed!: (code: number) => void;
  const closed = new Promise<number>((resolve) => resolveClosed = resolve);
  let isOpen = false;
  let socketRef: Bun.Socket<undefined> | undefined;

  function writeQueued() {
    state.flushScheduled = false;
    const socket = socketRef;
    if (socket === undefined || state.outQueue.length === 0) return;
    const chunk = state.outQueue.length === 1 ? state.outQueue[0] : Buffer.concat(state.outQueue);
    const written = socket.write(chunk);
    state.outQueue = written < chunk.length ? [chunk.subarray(Math.max(0, written))] : [];
    state.outBytes = chunk.length - Math.max(0, written);
  }

  function queueFrame(opcode: number, payload: Uint8Array) {
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
    state.outQueue.push(frame);
    state.outBytes += frame.length;
    if (!state.flushScheduled) {
      state.flushScheduled = true;
      queueMicrotask(writeQueued);
    }
  }

  /** Parses every whole frame in `data`; keeps a partial one for the next read. */
  function onData(data: Uint8Array) {
    let buffer = data;
    if (state.pendingIn !== undefined) {
      buffer = Buffer.concat([state.pendingIn, data]);
      state.pendingIn = undefined;
    }
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
      if ((second & 0x80) !== 0) header += 4; // servers never mask; tolerate it anyway
      if (buffer.length - offset < header + length) break;
      const payload = buffer.subarray(offset + header, offset + header + length);
      if ((second & 0x80) !== 0) {
        const key = buffer.subarray(offset + header - 4, offset + header);
        for (let i = 0; i < payload.length; i++) payload[i] ^= key[i & 3];
      }
      offset += header + length;
      onFrame(first & 0x80, first & 0x0f, payload);
    }
    if (offset < buffer.length) state.pendingIn = Uint8Array.from(buffer.subarray(offset));
  }

  function onFrame(fin: number, opcode: number, payload: Uint8Array) {
    if (opcode === 0x1 || opcode === 0x0) {
      if (fin === 0 || state.fragments.length > 0) {
        state.fragments.push(Uint8Array.from(payload));
        if (fin === 0) return;
        const whole = Buffer.concat(state.fragments);
        state.fragments = [];
        handlers.onText(decoder.decode(whole));
        return;
      }
      handlers.onText(decoder.decode(payload));
    } else if (opcode === 0x8) {
      state.closeCode = payload.length >= 2 ? (payload[0] << 8) | payload[1] : 1005;
      if (isOpen) queueFrame(0x8, payload.subarray(0, 2));
      isOpen = false;
      writeQueued();
      socketRef?.end();
    } else if (opcode === 0x9) {
      queueFrame(0xa, Uint8Array.from(payload));
    }
  }

  return new Promise<RawWebSocket>((resolve, reject) => {
    let handshake = "";
    const timer = setTimeout(() => {
      reject(new Error(`Cannot open ${url}: no handshake within ${handshakeTimeoutMs} ms`));
      socketRef?.end();
    }, handshakeTimeoutMs);
    const api: RawWebSocket = {
      sendText(text) {
        if (isOpen) queueFrame(0x1, encoder.encode(text));
      },
      flush: writeQueued,
      get bufferedBytes() {
        return state.outBytes;
      },
      async close(timeoutMs = 5_000) {
        if (isOpen) {
          isOpen = false;
          queueFrame(0x8, new Uint8Array([0x03, 0xe8]));
          writeQueued();
        }
        let closeTimer: ReturnType<typeof setTimeout> | undefined;
        const forced = new Promise<void>((done) => closeTimer = setTimeout(done, timeoutMs));
        await Promise.race([closed, forced]);
        clearTimeout(closeTimer);
        socketRef?.end();
        return await closed;
      },
      closed,
      get isOpen() {
        return isOpen;
      },
      pauseReading() {
        socketRef?.pause();
      },
      resumeReading() {
        socketRef?.resume();
      },
      terminate() {
        isOpen = false;
        socketRef?.terminate();
      },
    };
    Bun.connect({
      hostname,
      port,
      socket: {
        open(socket) {
          socketRef = socket;
          socket.write(
            `GET ${target.pathname}${target.search} HTTP/1.1\r\nHost: ${target.host}\r\n` +
              `Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${key}\r\n` +
              `Sec-WebSocket-Version: 13\r\n\r\n`,
          );
        },
        data(socket, data) {
          if (state.handshakeDone) return onData(data);
          handshake += data.toString("latin1");
          const end = handshake.indexOf("\r\n\r\n");
          if (end < 0) return;
          const head = handshake.slice(0, end);
          const accept = /^sec-websocket-accept:\s*(\S+)/im.exec(head)?.[1];
          clearTimeout(timer);
          if (!head.startsWith("HTTP/1.1 101") || accept !== expectedAccept) {
            // Reject first: end() may run the close handler synchronously.
            reject(new Error(`Cannot open ${url}: ${head.split("\r\n")[0]}`));
            socket.end();
            return;
          }
          state.handshakeDone = true;
          isOpen = true;
          resolve(api);
          const rest = Buffer.from(handshake.slice(end + 4), "latin1");
          if (rest.length > 0) onData(rest);
        },
        drain() {
          writeQueued();
        },
        close() {
          clearTimeout(timer);
          const wasOpen = state.handshakeDone;
          isOpen = false;
          resolveClosed(state.closeCode);
          if (wasOpen) handlers.onClose?.(state.closeCode);
          else reject(new Error(`Cannot open ${url}: connection closed during the handshake`));
        },
        error(_socket, error) {
          clearTimeout(timer);
          reject(new Error(`Cannot open ${url}: ${error.message}`, { cause: error }));
        },
      },
    }).catch((error: Error) => {
      clearTimeout(timer);
      reject(new Error(`Cannot open ${url}: ${error.message}`, { cause: error }));
    });
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
