/**
 * Section 7 on the NATS backbone: an edit, a delete and typing from a client on
 * node A reach node B's hello client and B's history, and a node that was down
 * catches up on an edit it missed (the update log's anti-entropy over NATS
 * request/reply). Real processes: discovery, Bun nodes, a nats-server.
 */
import { describe, expect, setDefaultTimeout, test } from "bun:test";
import { useTestCluster } from "../testing/cluster_fixture.ts";
import { fullHistory } from "../testing/peer_test_cluster.ts";
import {
  helloClient,
  messageOf,
  nextUpdate,
  request,
  sendAcked,
} from "../testing/chat_test_helpers.ts";
import { waitUntil } from "../../common/testing/wait_until.ts";

setDefaultTimeout(90_000);

const CHAT = 4545;

describe("section 7 on the backbone", () => {
  const fixture = useTestCluster({
    size: 1,
    transport: "nats",
    env: { DSATTER_PEER_TIMEOUT_MS: "3000" },
    restartableNode: "node-b.db",
  });

  test("edit, delete and typing on A reach B; B catches up on an edit made while it was down", async () => {
    const [a, b] = fixture.cluster.nodes;
    const { client: ann } = await helloClient(a.wsUrl, "ann", [CHAT]);
    const { client: bob } = await helloClient(b.wsUrl, "bob", [CHAT]);
    fixture.clients.push(ann, bob);
    const id = await sendAcked(ann, { chatId: CHAT, sender: "ann", text: "over nats" });
    await bob.next(
      (f) => f.type === "newMessagesForClient" && messageOf(f).messageId === id,
      20_000,
    );
    await request(ann, "editMessage", { messageId: id, text: "edited over nats" });
    await nextUpdate(bob, id, (m) => m.text === "edited over nats");
    ann.send({ type: "typing", payload: { chatId: CHAT } });
    const typing = await bob.next((f) => f.type === "typing", 20_000);
    expect(typing.payload).toEqual({ chatId: CHAT, name: "ann", nodeId: a.nodeId });
    const gone = await sendAcked(ann, { chatId: CHAT, sender: "ann", text: "to delete" });
    await bob.next(
      (f) => f.type === "newMessagesForClient" && messageOf(f).messageId === gone,
      20_000,
    );
    await request(ann, "deleteMessage", { messageId: gone });
    await nextUpdate(bob, gone, (m) => m.deleted === true && m.text === "");

    await b.stop();
    await request(ann, "editMessage", { messageId: id, text: "edited while B was down" });
    const restarted = await fixture.cluster.addNode({ dbPath: b.dbPath });
    fixture.cluster.nodes[1] = restarted;
    await waitUntil(
      async () => {
        const history = await fullHistory(restarted, CHAT).catch(() => []);
        return history.find((m) => m.messageId === id)?.text === "edited while B was down";
      },
      { deadlineMs: 30_000, pollMs: 200 },
    );
    expect((await fullHistory(restarted, CHAT)).find((m) => m.messageId === gone))
      .toMatchObject({ deleted: true, text: "" });
  });
});
