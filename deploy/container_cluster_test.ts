/**
 * The container workflow end to end, the way an operator uses it: `make images`, `make up`
 * (discovery + three nodes from compose.yaml, production mode), chat through the published
 * ports, `make down && make up` keeping the history, a SIGKILLed node container restarted by
 * the engine and catching up, then everything removed again. Run by deploy/test-containers.sh
 * (part of `make test`) only where docker or podman can be used.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import type { ChatMessage } from "../common/protocol.ts";
import { openClient, type TestClient } from "../server/testing/ws_test_client.ts";
import { waitUntil } from "../common/testing/wait_until.ts";
import { type ComposeCluster, createComposeCluster } from "./testing/compose_cluster.ts";
import { signUserToken } from "../common/user_token.ts";

setDefaultTimeout(180_000);
const CHAT = 714;

describe("containers (make images, up, down, delete-*)", () => {
  let cluster: ComposeCluster;
  const clients: TestClient[] = [];
  const sent: string[] = [];

  const nodeUrl = (index: number) => `http://127.0.0.1:${cluster.nodePorts[index]}`;
  /** A user token (PROTOCOL.md section 6) from the cluster's auth secret, as `deno task token` makes one. */
  const userToken = (sub: string) =>
    signUserToken({ secret: cluster.secrets().DSATTER_AUTH_SECRET, sub, ttlSeconds: 3600 });
  const authHeader = async (name: string) => ({ authorization: `Bearer ${await userToken(name)}` });

  async function connect(index: number, name: string): Promise<TestClient> {
    const token = await userToken(name);
    const client = await openClient(`ws://127.0.0.1:${cluster.nodePorts[index]}/?token=${token}`);
    clients.push(client);
    return client;
  }

  async function history(index: number): Promise<string[]> {
    const response = await fetch(`${nodeUrl(index)}/api/chats/${CHAT}/messages?limit=100`, {
      headers: await authHeader("reader"),
    });
    if (!response.ok) throw new Error(`history answered ${response.status}`);
    return (await response.json() as ChatMessage[]).map((message) => message.text);
  }

  async function sendAndAck(client: TestClient, text: string): Promise<void> {
    const clientMsgId = `m-${sent.length}`;
    client.send({
      type: "newMessageFromClient",
      payload: { chatId: CHAT, sender: "ann", text, clientMsgId },
    });
    await client.next(
      (frame) =>
        frame.type === "clientMessageResponse" &&
        (frame.payload as { clientMsgId: string }).clientMsgId === clientMsgId,
      30_000,
    );
    sent.push(text);
  }

  async function nodeHealth(index: number): Promise<{ nodeId: number; peers: number }> {
    const response = await fetch(`${nodeUrl(index)}/healthz`, {
      signal: AbortSignal.timeout(5000),
    });
    return await response.json() as { nodeId: number; peers: number };
  }

  async function waitForFullMesh(): Promise<void> {
    await waitUntil(
      async () => {
        const all = await Promise.all([0, 1, 2].map((i) => nodeHealth(i).catch(() => null)));
        return all.every((health) => health?.peers === 2);
      },
      { deadlineMs: 60_000, pollMs: 500 },
    );
  }

  beforeAll(async () => {
    cluster = await createComposeCluster();
  });

  afterAll(async () => {
    await Promise.all(clients.map((client) => client.close().catch(() => null)));
    await cluster?.cleanup();
  });

  test("make images builds dsatter-discovery and dsatter-server", async () => {
    await cluster.make("images");
    for (const image of ["dsatter-discovery", "dsatter-server"]) {
      const found = await cluster.engine("image", "inspect", `${image}:test-${process.pid}`);
      expect(found.code).toBe(0);
    }
  }, 600_000);

  test("make up starts discovery and three healthy nodes that clients reach on published ports", async () => {
    const output = await cluster.make("up");
    expect(output).toContain("DSatter is up");
    expect(cluster.secrets().DSATTER_CLUSTER_SECRET.length).toBeGreaterThanOrEqual(32);
    expect(output).not.toContain(cluster.secrets().DSATTER_CLUSTER_SECRET);
    await waitForFullMesh();
    const answer = await (await fetch(`http://127.0.0.1:${cluster.discoveryPort}/api/clients`))
      .json() as { activeNodes: { address: string; clientport: number }[] };
    expect(answer.activeNodes.map((entry) => `${entry.address}:${entry.clientport}`).sort())
      .toEqual(cluster.nodePorts.map((port) => `127.0.0.1:${port}`).sort());
  });

  test("a message sent on node1 with clientMsgId is acknowledged and reaches node2's client", async () => {
    const receiver = await connect(1, "bob");
    receiver.send({ type: "subscribe", payload: { chatIds: [CHAT] } });
    const sender = await connect(0, "ann");
    await sendAndAck(sender, "hello across containers");
    const delivered = await receiver.next(
      (frame) =>
        frame.type === "newMessagesForClient" &&
        (frame.payload as ChatMessage[])[0]?.text === "hello across containers",
      30_000,
    );
    expect((delivered.payload as ChatMessage[])[0].sender).toBe("ann");
  });

  test("make down && make up keeps the history in the volumes", async () => {
    await Promise.all(clients.splice(0).map((client) => client.close().catch(() => null)));
    await cluster.make("down");
    const left = await cluster.engine(
      "ps",
      "-a",
      "-q",
      "--filter",
      `label=com.docker.compose.project=${cluster.project}`,
    );
    expect(left.stdout.trim()).toBe("");
    await cluster.make("up");
    for (const index of [0, 1, 2]) {
      await waitUntil(async () => (await history(index).catch(() => [])).length === 1, {
        deadlineMs: 60_000,
        pollMs: 500,
      });
      expect(await history(index)).toEqual(["hello across containers"]);
    }
  });

  test("a SIGKILLed node container is restarted and catches up on what was sent meanwhile", async () => {
    await waitForFullMesh();
    const victim = await cluster.containerOf("node3");
    const inspect = async (format: string) =>
      (await cluster.engine("inspect", "--format", format, victim)).stdout.trim();
    const pid = Number(await inspect("{{.State.Pid}}"));
    const restartsBefore = Number(await inspect("{{.RestartCount}}"));
    const nodeIdBefore = (await nodeHealth(2)).nodeId;
    const sender = await connect(0, "ann");
    // A crash, not a stop: the engine restarts a container whose process died, but not one
    // that `podman kill` (a user's stop) ended.
    process.kill(pid, "SIGKILL");
    for (let i = 1; i <= 5; i++) await sendAndAck(sender, `while node3 was down ${i}`);
    await waitUntil(
      async () => Number(await inspect("{{.RestartCount}}")) > restartsBefore,
      { deadlineMs: 60_000, pollMs: 250 },
    );
    await waitUntil(
      async () => (await history(2).catch(() => [])).length === sent.length,
      { deadlineMs: 60_000, pollMs: 500 },
    );
    expect((await history(2)).sort()).toEqual([...sent].sort());
    expect((await nodeHealth(2)).nodeId).toBe(nodeIdBefore);
  });
});
