/**
 * A TCP proxy a test can open and close like a switch: while closed it refuses
 * (drops) every connection and cuts the open ones, so two nodes linked through
 * it are partitioned; opened, it forwards bytes both ways. node:net only.
 *
 * Invariant: close() stops the listener and destroys every socket it made.
 * @module
 */

import { createConnection, createServer, type Socket } from "node:net";

export interface GatedTcpProxy {
  /** The port it listens on (127.0.0.1). */
  port: number;
  /** Forward from now on. */
  open(): void;
  /** Refuse from now on and cut what is connected. */
  cut(): void;
  close(): Promise<void>;
}

export async function startGatedTcpProxy(targetPort: number): Promise<GatedTcpProxy> {
  let forwarding = false;
  const sockets = new Set<Socket>();
  const track = (socket: Socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => socket.destroy());
  };
  const server = createServer((inbound) => {
    track(inbound);
    if (!forwarding) {
      inbound.destroy();
      return;
    }
    const outbound = createConnection({ host: "127.0.0.1", port: targetPort });
    track(outbound);
    inbound.pipe(outbound);
    outbound.pipe(inbound);
    inbound.on("close", () => outbound.destroy());
    outbound.on("close", () => inbound.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  if (address === null || typeof address === "string") {
    throw new Error("Cannot start the proxy: no TCP address");
  }
  return {
    port: address.port,
    open() {
      forwarding = true;
    },
    cut() {
      forwarding = false;
      for (const socket of sockets) socket.destroy();
    },
    close() {
      forwarding = false;
      for (const socket of sockets) socket.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
