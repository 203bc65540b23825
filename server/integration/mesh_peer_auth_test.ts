/**
 * `/peer` refuses, before any upgrade, every dial that cannot prove it holds the
 * cluster secret: no proof, a proof made with another secret, a stale one, a
 * replayed one. A fresh proof made with the right secret is upgraded (101).
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createPeerAuth, PEER_AUTH_HEADER } from "../../common/peer_auth_token.ts";
import { type SpawnedNode, spawnNode, TEST_CLUSTER_SECRET } from "../testing/spawn_node.ts";
import { upgradeStatus } from "../testing/raw_upgrade.ts";

/** A raw upgrade to /peer, with the proof header when given. */
function peerUpgradeStatus(port: number, proof?: string): Promise<number> {
  return upgradeStatus(port, {
    path: "/peer",
    headers: proof === undefined ? {} : { [PEER_AUTH_HEADER]: proof },
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
    expect(await peerUpgradeStatus(node.port)).toBe(401);
    expect(await peerUpgradeStatus(node.port, "")).toBe(401);
    expect(await peerUpgradeStatus(node.port, "v1.1.2.3.4")).toBe(401);
  });

  /** A dial proof from node 5 to this test's node, stamped nowMs. */
  const dial = (nowMs = Date.now()) => ({ nodeId: 5, targetNodeId: node.nodeId!, nowMs });

  test("a proof made with another secret is refused with 401", async () => {
    const foreign = createPeerAuth("not-the-cluster-secret-0123456789");
    expect(await peerUpgradeStatus(node.port, await foreign.signDial(dial()))).toBe(401);
  });

  test("a stale proof is refused with 401", async () => {
    expect(await peerUpgradeStatus(node.port, await auth.signDial(dial(Date.now() - 120_000))))
      .toBe(
        401,
      );
  });

  test("a fresh proof is upgraded once and refused when replayed", async () => {
    const proof = await auth.signDial(dial());
    expect(await peerUpgradeStatus(node.port, proof)).toBe(101);
    expect(await peerUpgradeStatus(node.port, proof)).toBe(401);
  });

  test("refused dials leave the node serving and count no peer", async () => {
    const health = await (await fetch(`${node.url}/healthz`)).json() as { peers: number };
    expect(health.peers).toBe(0);
  });
});
