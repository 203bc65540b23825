import { afterEach, describe, expect, test } from "bun:test";
import { createServer, type Server, type Socket } from "node:net";
import { systemClock } from "../../common/clock.ts";
import { silentLogger } from "../../common/logger.ts";
import { createPeerAuth } from "../../common/peer_auth_token.ts";
import { waitUntil } from "../../common/testing/wait_until.ts";
import { PeerDialer } from "./peer_dialer.ts";
import type { PeerMesh } from "./peer_mesh.ts";

const servers: Server[] = [];
afterEach(() => {
  for (const server of servers.splice(0)) server.close();
});

/** A TCP listener that takes connections and never answers the WebSocket handshake. */
async function silentListener(): Promise<{ port: number; sockets: Socket[] }> {
  const sockets: Socket[] = [];
  const server = createServer((socket) => {
    sockets.push(socket);
    socket.on("error", () => {});
    socket.resume(); // reads (and drops) the handshake, so the far end's close is seen
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { port: (server.address() as { port: number }).port, sockets };
}

/** The mesh as the dialer uses it: never linked, so it keeps dialling. */
const mesh = {
  clock: systemClock,
  node: { nodeId: 9 },
  hasLink: () => false,
  attachDialled: () => {
    throw new Error("no handshake completes here");
  },
} as unknown as PeerMesh;

describe("PeerDialer", () => {
  test("close() ends a dial still handshaking", async () => {
    const listener = await silentListener();
    const dialer = new PeerDialer({
      mesh,
      auth: createPeerAuth("dialer-test-secret-0123456789"),
      log: silentLogger,
      connectTimeoutMs: 60_000, // only close() can end this dial
    });
    dialer.setTargets([{ url: `ws://127.0.0.1:${listener.port}/peer` }]);
    await waitUntil(() => listener.sockets.length === 1, { what: "the dial reach the listener" });
    const [socket] = listener.sockets;
    const ended = new Promise<void>((resolve) => socket.once("close", () => resolve()));
    dialer.close();
    await ended; // well before the 60 s connect timeout
    expect(listener.sockets.length).toBe(1);
  });
});
