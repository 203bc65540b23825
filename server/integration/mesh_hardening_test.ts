/**
 * The mesh against a sniffer and a peer that holds the cluster secret but
 * misbehaves, on real node processes and the real peer protocol:
 * - a dial proof seen on its way from A to B opens no link to C (it names B);
 * - messages stamped in the year 2999 are refused and logged once, and the
 *   node's own clock does not move;
 * - messages claiming the node's own id past its next seq are refused, its
 *   numbering stays;
 * - a peer's message reusing a (sender, clientMsgId) with another text is kept
 *   as its own message: it never hides the first.
 */
import { afterAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { connect, createServer, type Server } from "node:net";
import { encodeMessageId } from "../../common/message_id.ts";
import { createPeerAuth, PEER_AUTH_HEADER } from "../../common/peer_auth_token.ts";
import { encodePeerFrame, PeerFrameType } from "../../common/peer_protocol.ts";
import type { ChatMessage } from "../../common/protocol.ts";
import { openPeerSocket } from "../mesh/peer_dialer.ts";
import { type SpawnedNode, TEST_CLUSTER_SECRET } from "../testing/spawn_node.ts";
import { useTestNodes } from "../testing/nodes_fixture.ts";
import { testMessage } from "../../common/testing/message_fixture.ts";
import { waitUntil } from "../../common/testing/wait_until.ts";
import { readMetric } from "../testing/node_metrics.ts";

setDefaultTimeout(60_000);

const auth = createPeerAuth(TEST_CLUSTER_SECRET);
const { node, client } = useTestNodes();
const sockets: WebSocket[] = [];

afterAll(() => {
  for (const socket of sockets) socket.close();
});

/** Sends a raw `/peer` upgrade with a proof and resolves with the status code. */
function peerUpgradeStatus(port: number, proof: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, "127.0.0.1", () => {
      socket.write(
        `GET /peer HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\n` +
          "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n" +
          `Sec-WebSocket-Version: 13\r\n${PEER_AUTH_HEADER}: ${proof}\r\n\r\n`,
      );
    });
    socket.once("data", (chunk) => {
      socket.destroy();
      resolve(Number(chunk.toString("latin1").split(" ")[1]));
    });
    socket.once("error", reject);
  });
}

/** A TCP proxy to `port` that records every peer proof passing through it. */
function sniffingProxy(port: number): Promise<{ server: Server; port: number; proofs: string[] }> {
  const proofs: string[] = [];
  const server = createServer((inbound) => {
    const outbound = connect(port, "127.0.0.1");
    inbound.on("data", (chunk) => {
      const header = new RegExp(`^${PEER_AUTH_HEADER}: (\\S+)\\r$`, "im")
        .exec(chunk.toString("latin1"));
      if (header) proofs.push(header[1]);
      outbound.write(chunk);
    });
    outbound.pipe(inbound);
    inbound.on("close", () => outbound.destroy());
    outbound.on("close", () => inbound.destroy());
    inbound.on("error", () => outbound.destroy());
    outbound.on("error", () => inbound.destroy());
  });
  return new Promise((resolve) => {
    server.listen(0, "127.0.0.1", () => {
      resolve({ server, port: (server.address() as { port: number }).port, proofs });
    });
  });
}

/** A peer with the cluster secret, speaking the real protocol: hello, then what the test sends. */
async function craftedPeer(target: SpawnedNode, peerNodeId: number): Promise<WebSocket> {
  const proof = await auth.signDial({
    nodeId: peerNodeId,
    targetNodeId: target.nodeId!,
    nowMs: Date.now(),
  });
  const socket = openPeerSocket(`ws://127.0.0.1:${target.port}/peer`, {
    [PEER_AUTH_HEADER]: proof,
  });
  sockets.push(socket);
  await new Promise<void>((resolve, reject) => {
    socket.onmessage = (event) => {
      if (String(event.data).includes(PeerFrameType.hello)) resolve();
    };
    socket.onerror = () => reject(new Error("Cannot link the crafted peer"));
  });
  socket.send(encodePeerFrame(PeerFrameType.hello, { nodeId: peerNodeId }));
  await waitUntil(async () => (await (await fetch(`${target.url}/healthz`)).json()).peers === 1);
  return socket;
}

function message(nodeId: number, seq: number, fields: Partial<ChatMessage> = {}): ChatMessage {
  const dateTime = new Date(Date.now() - 1000).toISOString();
  return testMessage(nodeId, seq, {
    text: `forged ${seq}`,
    sender: "mallory",
    dateTime,
    ...fields,
  });
}

async function sendFrom(target: SpawnedNode, text: string, clientMsgId?: string) {
  const sender = await client(target.wsUrl);
  const payload = { text, sender: "ann", chatId: 11, clientMsgId: clientMsgId ?? "c-" + text };
  sender.send({ type: "newMessageFromClient", payload });
  const ack = await sender.next((f) => f.type === "clientMessageResponse");
  return (ack.payload as { messageId: string }).messageId;
}

async function history(target: SpawnedNode): Promise<ChatMessage[]> {
  return await (await fetch(`${target.url}/api/chats/11/messages?limit=1000`)).json();
}

describe("peer proofs", () => {
  let proxy: Awaited<ReturnType<typeof sniffingProxy>> | undefined;
  afterAll(() => proxy?.server.close());

  test("a proof sniffed on its way from A to B is refused by C (401), and by B again", async () => {
    const [b, c] = [await node(), await node()];
    proxy = await sniffingProxy(b.port);
    const a = await node(["--peers", `127.0.0.1:${proxy.port}`]);
    await waitUntil(
      async () => (await (await fetch(`${a.url}/healthz`)).json()).peers === 1,
      { deadlineMs: 30_000 },
    );
    expect(proxy.proofs.length).toBeGreaterThanOrEqual(1);
    const sniffed = proxy.proofs[0];
    expect(await peerUpgradeStatus(c.port, sniffed)).toBe(401);
    expect(await peerUpgradeStatus(b.port, sniffed)).toBe(401);
    expect(
      await readMetric(c.url, 'dsatter_peer_dials_refused_total{reason="proof_for_another_node"}'),
    )
      .toBe(1);
    expect((await (await fetch(`${c.url}/healthz`)).json()).peers).toBe(0);
  });
});

describe("a peer that holds the secret but misbehaves", () => {
  test("messages from the year 2999 are refused, logged once, and the node's clock stays", async () => {
    const target = await node();
    const peer = await craftedPeer(target, 4242);
    const future = Array.from(
      { length: 50 },
      (_, i) => message(4242, i + 1, { dateTime: "2999-01-01T00:00:00.000Z" }),
    );
    peer.send(encodePeerFrame(PeerFrameType.messages, { messages: future }));
    for (let i = 51; i <= 60; i++) {
      peer.send(encodePeerFrame(PeerFrameType.messages, {
        messages: [message(4242, i, { dateTime: "2999-01-01T00:00:00.000Z" })],
      }));
    }
    const refusals = () =>
      readMetric(target.url, 'dsatter_peer_messages_refused_total{reason="clock_ahead"}');
    await waitUntil(async () => (await refusals()) === 60, { deadlineMs: 20_000, pollMs: 50 });
    const id = await sendFrom(target, "after the forgery");
    const stored = await history(target);
    expect(stored.map((m) => m.text)).toEqual(["after the forgery"]);
    expect(stored[0].messageId).toBe(id);
    expect(Math.abs(Date.parse(stored[0].dateTime) - Date.now())).toBeLessThan(60_000);
    const lines = target.stderrLines.filter((line) => line.includes("peer messages refused"));
    expect(lines.length).toBe(1);
    expect(lines[0]).toContain("peer=4242");
  });

  test("messages with the node's own id at or past its next seq are refused; its numbering stays", async () => {
    const target = await node();
    const first = await sendFrom(target, "one");
    const peer = await craftedPeer(target, 4243);
    const own = target.nodeId!;
    peer.send(encodePeerFrame(PeerFrameType.messages, {
      messages: [message(own, 2), message(own, 3), message(own, 999_999)],
    }));
    await waitUntil(async () =>
      (await readMetric(target.url, 'dsatter_peer_messages_refused_total{reason="own_seq"}')) === 3
    );
    const second = await sendFrom(target, "two");
    expect([first, second]).toEqual([encodeMessageId(own, 1), encodeMessageId(own, 2)]);
    expect((await history(target)).map((m) => m.text)).toEqual(["one", "two"]);
  });

  test("a peer's message reusing a (sender, clientMsgId) with another text never hides the first", async () => {
    const target = await node();
    await sendFrom(target, "the real one", "k-1");
    const peer = await craftedPeer(target, 1); // the lowest id: it would win a true duplicate
    peer.send(encodePeerFrame(PeerFrameType.messages, {
      messages: [message(1, 1, { sender: "ann", clientMsgId: "k-1", text: "a forgery" })],
    }));
    await waitUntil(async () => (await history(target)).length === 2);
    expect((await history(target)).map((m) => m.text).sort()).toEqual([
      "a forgery",
      "the real one",
    ]);
  });
});
