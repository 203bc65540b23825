/**
 * Test helpers: client WebSocket upgrades done by hand over node:net, for what
 * a WebSocket object cannot show or do: the HTTP answer to a refused upgrade
 * (status and JSON body), and a connection that completes the handshake and
 * then never reads again (a slow reader at its worst). node:net only, so Bun
 * and Deno tests can both import it.
 *
 * Invariant: a refused upgrade's socket is closed before its promise settles;
 * an accepted stalled one is the caller's to destroy.
 * @module
 */

import { connect, type Socket } from "node:net";

const UPGRADE_REQUEST = "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n" +
  "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n" +
  "Sec-WebSocket-Version: 13\r\n\r\n";

export type StalledUpgrade =
  | { upgraded: true; socket: Socket }
  | { upgraded: false; status: number; body: string };

/**
 * Upgrades `/` on 127.0.0.1:port and never reads after the 101 (the socket is paused);
 * a refused upgrade resolves with its status and body.
 */
export function openStalledUpgrade(port: number, deadlineMs = 15_000): Promise<StalledUpgrade> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, "127.0.0.1", () => socket.write(UPGRADE_REQUEST));
    let received = "";
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`Cannot get an answer to the upgrade within ${deadlineMs} ms`));
    }, deadlineMs);
    const onData = (chunk: Buffer) => {
      received += chunk.toString("latin1");
      const headEnd = received.indexOf("\r\n\r\n");
      if (headEnd < 0) return;
      const status = Number(received.slice(0, received.indexOf("\r\n")).split(" ")[1]);
      if (status === 101) {
        clearTimeout(timer);
        socket.off("data", onData);
        socket.pause();
        resolve({ upgraded: true, socket });
        return;
      }
      const length = Number(/content-length:\s*(\d+)/i.exec(received.slice(0, headEnd))?.[1] ?? 0);
      const body = received.slice(headEnd + 4);
      if (Buffer.byteLength(body, "latin1") < length) return;
      clearTimeout(timer);
      socket.destroy();
      resolve({ upgraded: false, status, body: Buffer.from(body, "latin1").toString("utf8") });
    };
    socket.on("data", onData);
    socket.once("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
  });
}

/** A WebSocket handshake done by hand, then the socket never reads again; throws when refused. */
export async function openStalledConnection(port: number): Promise<Socket> {
  const answer = await openStalledUpgrade(port);
  if (!answer.upgraded) {
    throw new Error(`Cannot open the stalled connection: ${answer.status} ${answer.body}`);
  }
  return answer.socket;
}
