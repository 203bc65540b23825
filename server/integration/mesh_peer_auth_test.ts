/**
 * `/peer` refuses, before any upgrade, every dial that cannot prove it holds the
 * cluster secret: no proof, a proof made with another secret, a stale one, a
 * replayed one. A fresh proof made with the right secret is upgraded (101).
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { connect } from "node:net";
import { createPeerAuth, PEER_AUTH_HEADER } from "../../common/peer_auth_token.ts";
import { type SpawnedNode, spawnNode, TEST_CLUSTER_SECRET } from "../testing/spawn_node.ts";

/** Sends a raw WebSocket upgrade to /peer and resolves with the HTTP status line's code. */
function upgradeStatus(port: number, proof?: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, "127.0.0.1");
    let received = "";
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error("Cannot get an answer to the upgrade within 10 s"));
    }, 10_000);
    socket.on("connect", () => {
      socket.write(
        "GET /peer HTTP/1.1\r\n" +
          `Host: 127.0.0.1:${port}\r\n` +
          "Upgrade: websocket\r\nConnection: Upgrade\r\n" +
          "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n" +
          (proof === undefined ? "" : `${PEER_AUTH_HEADER}: ${proof}\r\n`) + "\r\n",
      );
    });
    socket.on("data", (chunk) => {
      received += chunk.toString("latin1");
      const line = received.split("\r\n")[0];
      if (!received.includes("\r\n")) return;
      clearTimeout(timer);
      socket.destroy();
      resolve(Number(line.split(" ")[1]));
    });
    socket.on("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
  });
}

describe("peer auth at /peer", () => {
  let node: SpawnedNode;
  const auth = createPeerAuth(TEST_CLUSTER_SECRET);

  beforeAll(async () => {
    node = await spawnNode();
  });
  afterAll(async () => {
    await node?.stop();
  });

  test("an upgrade without a proof is refused with 401", async () => {
    expect(await upgradeStatus(node.port)).toBe(401);
    expect(await upgradeStatus(node.port, "")).toBe(401);
    expect(await upgradeStatus(node.port, "v1.1.2.3.4")).toBe(401);
  });

  test("a proof made with another secret is refused with 401", async () => {
    const foreign = createPeerAuth("not-the-cluster-secret-0123456789");
    expect(await upgradeStatus(node.port, await foreign.signDial(5, Date.now()))).toBe(401);
  });

  test("a stale proof is refused with 401", async () => {
    expect(await upgradeStatus(node.port, await auth.signDial(5, Date.now() - 120_000))).toBe(401);
  });

  test("a fresh proof is upgraded once and refused when replayed", async () => {
    const proof = await auth.signDial(5, Date.now());
    expect(await upgradeStatus(node.port, proof)).toBe(101);
    expect(await upgradeStatus(node.port, proof)).toBe(401);
  });

  test("refused dials leave the node serving and count no peer", async () => {
    const health = await (await fetch(`${node.url}/healthz`)).json() as { peers: number };
    expect(health.peers).toBe(0);
  });
});
