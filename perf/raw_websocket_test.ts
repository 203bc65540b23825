import { waitUntil } from "../common/testing/wait_until.ts";
import { afterEach, describe, expect, test } from "bun:test";
import { createHash } from "node:crypto";
import { connectRawWebSocket, encodeClientFrame, readFrames } from "./raw_websocket.ts";

const GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

/** Frames a server would send: unmasked, any opcode, FIN as given. */
function serverFrame(opcode: number, payload: Uint8Array, fin = true): Uint8Array {
  const length = payload.length;
  const header = length < 126 ? 2 : length < 65536 ? 4 : 10;
  const frame = new Uint8Array(header + length);
  frame[0] = (fin ? 0x80 : 0) | opcode;
  if (length < 126) frame[1] = length;
  else if (length < 65536) {
    frame[1] = 126;
    frame[2] = length >> 8;
    frame[3] = length & 0xff;
  } else {
    frame[1] = 127;
    new DataView(frame.buffer).setBigUint64(2, BigInt(length));
  }
  frame.set(payload, header);
  return frame;
}

/** Unmasks the client frames in `bytes` (whole frames only). */
function clientFrames(bytes: Uint8Array): { opcode: number; payload: Uint8Array }[] {
  const frames = [];
  let offset = 0;
  while (offset < bytes.length) {
    let length = bytes[offset + 1] & 0x7f;
    let header = 2;
    if (length === 126) {
      length = (bytes[offset + 2] << 8) | bytes[offset + 3];
      header = 4;
    }
    const mask = bytes.subarray(offset + header, offset + header + 4);
    const payload = bytes.slice(offset + header + 4, offset + header + 4 + length);
    for (let i = 0; i < payload.length; i++) payload[i] ^= mask[i & 3];
    frames.push({ opcode: bytes[offset] & 0x0f, payload });
    offset += header + 4 + length;
  }
  return frames;
}

type Script = (write: (bytes: Uint8Array) => void) => void;

const listeners: { stop(): void }[] = [];
afterEach(() => {
  for (const listener of listeners.splice(0)) listener.stop();
});

/** A TCP server that answers the handshake, then plays `script`, and records what it got. */
function scriptedServer(script: Script) {
  const received: Uint8Array[] = [];
  let handshaken = false;
  const listener = Bun.listen({
    hostname: "127.0.0.1",
    port: 0,
    socket: {
      data(socket, data) {
        if (handshaken) {
          received.push(Uint8Array.from(data));
          return;
        }
        const text = data.toString("latin1");
        const key = /sec-websocket-key:\s*(\S+)/i.exec(text)![1];
        const accept = createHash("sha1").update(key + GUID).digest("base64");
        handshaken = true;
        socket.write(
          "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
            `Sec-WebSocket-Accept: ${accept}\r\n\r\n`,
        );
        script((bytes) => socket.write(bytes));
      },
    },
  });
  listeners.push(listener);
  return {
    url: `ws://127.0.0.1:${listener.port}/`,
    received: () => clientFrames(Buffer.concat(received)),
  };
}

describe("connectRawWebSocket()", () => {
  test("gets every text frame whole: small, 16-bit and 64-bit lengths, split reads, fragments", async () => {
    const big = "x".repeat(70_000);
    const medium = "é".repeat(300);
    const server = scriptedServer((write) => {
      const encoder = new TextEncoder();
      const all = Buffer.concat([
        serverFrame(1, encoder.encode("one")),
        serverFrame(1, encoder.encode(medium)),
        serverFrame(1, encoder.encode(big)),
        serverFrame(1, encoder.encode("frag-"), false),
        serverFrame(0, encoder.encode("ment")),
      ]);
      // One byte, then the rest in uneven pieces: frames straddle reads.
      write(all.subarray(0, 1));
      setTimeout(() => write(all.subarray(1, 5000)), 20);
      setTimeout(() => write(all.subarray(5000)), 40);
    });
    const texts: string[] = [];
    const socket = await connectRawWebSocket(server.url, { onText: (text) => texts.push(text) });
    await waitUntil(() => texts.length === 4, { what: "4 text frames", pollMs: 5 });
    expect(texts).toEqual(["one", medium, big, "frag-ment"]);
    await socket.close(1000);
  });

  test("sends masked text frames in order and answers a ping with its pong", async () => {
    const server = scriptedServer((write) => write(serverFrame(9, new TextEncoder().encode("hi"))));
    const socket = await connectRawWebSocket(server.url, { onText() {} });
    for (let i = 0; i < 100; i++) socket.sendText(`message ${i} ${"y".repeat(i * 3)}`);
    const decoder = new TextDecoder();
    await waitUntil(() => server.received().filter((frame) => frame.opcode === 1).length === 100, {
      what: "100 text frames at the server",
      pollMs: 5,
    });
    const frames = server.received();
    expect(frames.find((frame) => frame.opcode === 0xa)?.payload).toEqual(
      new TextEncoder().encode("hi"),
    );
    const texts = frames.filter((frame) => frame.opcode === 1).map((f) =>
      decoder.decode(f.payload)
    );
    expect(texts).toEqual(
      Array.from({ length: 100 }, (_, i) => `message ${i} ${"y".repeat(i * 3)}`),
    );
    await socket.close(1000);
  });

  test("reports the server's close code", async () => {
    const server = scriptedServer((write) =>
      setTimeout(() => write(serverFrame(8, new Uint8Array([0x0f, 0xa0]))), 10)
    );
    let closedWith = 0;
    const socket = await connectRawWebSocket(server.url, {
      onText() {},
      onClose: (code) => closedWith = code,
    });
    expect(await socket.closed).toBe(4000);
    expect(closedWith).toBe(4000);
    expect(socket.isOpen).toBe(false);
  });

  test("rejects a server that does not upgrade", async () => {
    const server = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => new Response("no") });
    listeners.push({ stop: () => server.stop(true) });
    await expect(connectRawWebSocket(`ws://127.0.0.1:${server.port}/`, { onText() {} }))
      .rejects.toThrow(/Cannot open .*HTTP\/1.1 200/);
  });

  test("rejects a closed port", async () => {
    const listener = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
    const port = listener.port;
    listener.stop(true);
    await expect(connectRawWebSocket(`ws://127.0.0.1:${port}/`, { onText() {} }))
      .rejects.toThrow(/Cannot open/);
  });
});

describe("encodeClientFrame() and readFrames()", () => {
  test("a masked frame of each length form reads back whole; a cut one waits for more", () => {
    const mask = new Uint8Array([1, 2, 3, 4]);
    const payloads = [0, 125, 126, 65_535, 65_536].map((size) => new Uint8Array(size).fill(7));
    const bytes = Buffer.concat(payloads.map((payload) => encodeClientFrame(0x1, payload, mask)));
    const { frames, consumed } = readFrames(Uint8Array.from(bytes));
    expect(consumed).toBe(bytes.length);
    expect(frames.map((frame) => [frame.fin, frame.opcode, frame.payload.length])).toEqual(
      payloads.map((payload) => [true, 0x1, payload.length]),
    );
    expect(frames.every((frame) => frame.payload.every((byte) => byte === 7))).toBe(true);
    const cut = readFrames(Uint8Array.from(bytes.subarray(0, bytes.length - 1)));
    expect(cut.frames.length).toBe(4);
    expect(cut.consumed).toBe(bytes.length - encodeClientFrame(0x1, payloads[4], mask).length);
  });
});
