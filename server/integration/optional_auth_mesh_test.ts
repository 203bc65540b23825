/**
 * `--auth optional` across two real nodes (PROTOCOL.md section 6): once a token
 * holder connected to one node, an anonymous client on the other is refused its
 * name (hello and sender, `forbidden`), because token holders' names replicate;
 * anonymous clients keep reading and writing public chats.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { signUserToken } from "../../common/user_token.ts";
import { startTestCluster, type TestCluster, waitForPeers } from "../testing/peer_test_cluster.ts";
import { openClient, type ReceivedFrame, type TestClient } from "../testing/ws_test_client.ts";
import { waitUntil } from "../../common/testing/wait_until.ts";

setDefaultTimeout(120_000);

const AUTH_SECRET = "optional-mesh-test-auth-secret-0123456789";
let cluster: TestCluster;
const clients: TestClient[] = [];

async function connect(url: string): Promise<TestClient> {
  const client = await openClient(url);
  clients.push(client);
  return client;
}

let nextRef = 0;
async function ask(client: TestClient, type: string, payload: unknown): Promise<ReceivedFrame> {
  const ref = `r${nextRef++}`;
  client.send({ type, payload, ref });
  return await client.next((f) => f.ref === ref);
}

beforeAll(async () => {
  cluster = await startTestCluster({
    size: 2,
    nodeArgs: ["--auth", "optional"],
    env: { DSATTER_AUTH_SECRET: AUTH_SECRET },
  });
  await waitForPeers(cluster.nodes, 1);
});

afterAll(async () => {
  await Promise.all(clients.map((c) => c.close()));
  await cluster?.stop();
});

describe("--auth optional on two nodes", () => {
  test("a name a token holder used on one node is refused to anonymous clients on the other", async () => {
    const [a, b] = cluster.nodes;
    const anonymous = await connect(b.wsUrl);
    expect((await ask(anonymous, "hello", { name: "zoe" })).type).toBe("welcome");
    const zoeToken = await signUserToken({ secret: AUTH_SECRET, sub: "zoe", ttlSeconds: 600 });
    const zoe = await connect(`${a.wsUrl}?token=${zoeToken}`);
    expect((await ask(zoe, "hello", { name: "zoe" })).type).toBe("welcome");
    // Replication of the name takes a moment: the second node refuses it soon after.
    await waitUntil(
      async () => {
        const reply = await ask(anonymous, "hello", { name: "Zoe" });
        return reply.type === "error" &&
          (reply.payload as { code: string }).code === "forbidden";
      },
      { deadlineMs: 30_000, pollMs: 100, what: "the name refused on the other node" },
    );
    const send = await ask(anonymous, "newMessageFromClient", {
      text: "I am zoe",
      sender: "zoe",
      chatId: 71,
    });
    expect(send.payload).toMatchObject({ code: "forbidden" });
    const mine = await ask(anonymous, "newMessageFromClient", {
      text: "guest here",
      sender: "guest",
      chatId: 71,
      clientMsgId: "g-1",
    });
    expect(mine.type).toBe("clientMessageResponse");
    const history = await ask(anonymous, "clientSyncRequest", { chatId: 71 });
    expect((history.payload as Array<{ text: string }>).map((m) => m.text)).toEqual([
      "guest here",
    ]);
  });
});
