/**
 * `--auth optional` on the NATS backbone (PROTOCOL.md section 6): token
 * holders' names replicate between backbone nodes as on the mesh
 * (optional_auth_mesh_test.ts). Live: once a token holder connected to one node,
 * an anonymous client on the other is refused its name. Catch-up: a name first
 * seen while the other node was down is refused there after its restart (pulled
 * from a live peer). Real processes: discovery, Bun nodes, a nats-server.
 */
import { describe, expect, setDefaultTimeout, test } from "bun:test";
import { useTestCluster } from "../testing/cluster_fixture.ts";
import { signUserToken } from "../../common/user_token.ts";
import { request } from "../testing/chat_test_helpers.ts";
import { openClient, type TestClient } from "../testing/ws_test_client.ts";
import { waitUntil } from "../../common/testing/wait_until.ts";

setDefaultTimeout(120_000);

const AUTH_SECRET = "backbone-names-test-auth-secret-0123456789";

describe("--auth optional on two backbone nodes", () => {
  const fixture = useTestCluster({
    size: 1,
    transport: "nats",
    nodeArgs: ["--auth", "optional"],
    env: { DSATTER_AUTH_SECRET: AUTH_SECRET, DSATTER_PEER_TIMEOUT_MS: "3000" },
    restartableNode: "node-b.db",
  });

  async function connect(url: string): Promise<TestClient> {
    const client = await openClient(url);
    fixture.clients.push(client);
    return client;
  }

  /** A token holder says hello as itself on a node (the node notes the name). */
  async function holder(url: string, sub: string): Promise<void> {
    const token = await signUserToken({ secret: AUTH_SECRET, sub, ttlSeconds: 600 });
    const client = await connect(`${url}?token=${token}`);
    expect((await request(client, "hello", { name: sub })).type).toBe("welcome");
  }

  /** Waits until an anonymous client on url is refused name (hello and sender). */
  async function refusedSoon(url: string, name: string): Promise<void> {
    const anonymous = await connect(url);
    await waitUntil(
      async () => {
        const reply = await request(anonymous, "hello", { name });
        return reply.type === "error" &&
          (reply.payload as { code: string }).code === "forbidden";
      },
      { deadlineMs: 30_000, pollMs: 200, what: `${name} refused to anonymous clients` },
    );
    const send = await request(anonymous, "newMessageFromClient", {
      text: `I am ${name}`,
      sender: name,
      chatId: 72,
    });
    expect(send.payload).toMatchObject({ code: "forbidden" });
  }

  test("a name a token holder used on A is refused to anonymous clients on B; guests still post", async () => {
    const [a, b] = fixture.cluster.nodes;
    await holder(a.wsUrl, "zoe");
    await refusedSoon(b.wsUrl, "Zoe");
    const guest = await connect(b.wsUrl);
    const mine = await request(guest, "newMessageFromClient", {
      text: "guest here",
      sender: "guest",
      chatId: 72,
      clientMsgId: "g-1",
    });
    expect(mine.type).toBe("clientMessageResponse");
  });

  test("a name first seen while B was down is refused on B after its restart", async () => {
    const [a, b] = fixture.cluster.nodes;
    await b.stop();
    await holder(a.wsUrl, "yan");
    const restarted = await fixture.cluster.addNode({ dbPath: b.dbPath });
    fixture.cluster.nodes[1] = restarted;
    await refusedSoon(restarted.wsUrl, "yan");
  });
});
