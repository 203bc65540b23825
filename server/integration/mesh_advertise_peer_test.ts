/**
 * `--advertise-peer`: a node that clients reach at one address and peers at another (a
 * container publishing its port on the host's loopback, compose.yaml) is listed for
 * clients under `--advertise` and dialled by peers at the `syncaddress` discovery lists.
 * Here the client address (127.0.0.3, where nothing listens) refuses connections, so the
 * mesh only forms if peers dial the peer address (127.0.0.1, where the nodes listen).
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { startTestCluster, type TestCluster, waitForPeers } from "../testing/peer_test_cluster.ts";
import { openClient, type TestClient } from "../testing/ws_test_client.ts";

const CLIENT_ADDRESS = "127.0.0.3";
const CHAT = 4242;

describe("--advertise-peer", () => {
  let cluster: TestCluster;
  const clients: TestClient[] = [];
  const local = (port: number) => ({
    url: `http://127.0.0.1:${port}`,
    wsUrl: `ws://127.0.0.1:${port}/`,
  });

  beforeAll(async () => {
    cluster = await startTestCluster({ size: 0 });
    for (let i = 0; i < 2; i++) {
      const node = await cluster.addNode({
        extraArgs: ["--advertise", CLIENT_ADDRESS, "--advertise-peer", "127.0.0.1"],
      });
      cluster.nodes.push(node);
    }
    await waitForPeers(cluster.nodes.map((node) => local(node.port)), 1);
  }, 60_000);

  afterAll(async () => {
    await Promise.all(clients.map((client) => client.close().catch(() => null)));
    await cluster?.stop();
  });

  test("discovery lists the peer address for peers and the client address for clients", async () => {
    const ports = cluster.nodes.map((node) => node.port).sort();
    const active = await (await fetch(`${cluster.discovery.url}/api/nodes/active`)).json();
    for (const node of active.activeNodes) {
      expect(node).toMatchObject({ address: CLIENT_ADDRESS, syncaddress: "127.0.0.1" });
      expect(node.syncport).toBe(node.clientport);
    }
    const clientsAnswer = await (await fetch(`${cluster.discovery.url}/api/clients`)).json();
    expect(
      clientsAnswer.activeNodes.map((entry: { clientport: number }) => entry.clientport).sort(),
    )
      .toEqual(ports);
    for (const entry of clientsAnswer.activeNodes) {
      expect(Object.keys(entry)).toEqual(["address", "clientport"]);
      expect(entry.address).toBe(CLIENT_ADDRESS);
    }
  });

  test("a message sent on one node reaches a client of the other over that peer link", async () => {
    const [nodeA, nodeB] = cluster.nodes.map((node) => local(node.port));
    const receiver = await openClient(nodeB.wsUrl);
    const sender = await openClient(nodeA.wsUrl);
    clients.push(receiver, sender);
    receiver.send({ type: "subscribe", payload: { chatIds: [CHAT] } });
    sender.send({
      type: "newMessageFromClient",
      payload: { chatId: CHAT, sender: "ann", text: "over the peer address", clientMsgId: "p1" },
    });
    await sender.next((frame) => frame.type === "clientMessageResponse", 15_000);
    const delivered = await receiver.next(
      (frame) =>
        frame.type === "newMessagesForClient" &&
        (frame.payload as { text: string }[])[0]?.text === "over the peer address",
      15_000,
    );
    expect((delivered.payload as { sender: string }[])[0].sender).toBe("ann");
  });
});
