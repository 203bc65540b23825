/**
 * Test helper: a raw WebSocket upgrade over node:net, to see the HTTP status a
 * node answers it with (a WebSocket object only says "failed"). Only tests
 * import it; node:net only, so Bun and Deno tests can both use it.
 *
 * Invariant: the socket is closed once the status line arrived, or after the
 * deadline, whatever happens.
 * @module
 */

import { connect } from "node:net";

export interface UpgradeOptions {
  /** @default "/" */
  path?: string;
  /** Extra request headers (Origin, Authorization, the peer proof...). */
  headers?: Record<string, string>;
  /** The Host header. @default 127.0.0.1:PORT */
  host?: string;
  /** @default 10000 */
  deadlineMs?: number;
}

/** Sends a WebSocket upgrade to 127.0.0.1:port and resolves with the status line's code. */
export function upgradeStatus(port: number, options: UpgradeOptions = {}): Promise<number> {
  const extra = Object.entries(options.headers ?? {}).map(([name, value]) =>
    `${name}: ${value}\r\n`
  ).join("");
  const deadlineMs = options.deadlineMs ?? 10_000;
  return new Promise((resolve, reject) => {
    const socket = connect(port, "127.0.0.1");
    let received = "";
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`Cannot get an answer to the upgrade within ${deadlineMs} ms`));
    }, deadlineMs);
    socket.on("connect", () => {
      socket.write(
        `GET ${options.path ?? "/"} HTTP/1.1\r\n` +
          `Host: ${options.host ?? `127.0.0.1:${port}`}\r\n` +
          "Upgrade: websocket\r\nConnection: Upgrade\r\n" +
          "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n" +
          extra + "\r\n",
      );
    });
    socket.on("data", (chunk) => {
      received += chunk.toString("latin1");
      if (!received.includes("\r\n")) return;
      clearTimeout(timer);
      socket.destroy();
      resolve(Number(received.split("\r\n")[0].split(" ")[1]));
    });
    socket.on("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
  });
}
