/**
 * Section 7 on a private chat (PROTOCOL.md sections 6 and 7) across two real
 * nodes with `--auth required`: search (the frame and `GET /api/search`),
 * typing, `messageUpdated` (edit and delete) and a `since` resume with
 * `updatesSince` reach the chat's members only. A non-member following every
 * chat on either node gets the same events of a public chat (so a leak would
 * have shown), never those of the private one; naming it gets `forbidden`, and
 * changing one of its messages reads as an unknown messageId. Renaming (an
 * extension, docs/SERVER.md) a private chat follows the same rule.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import type { ChatMessage } from "../../common/protocol.ts";
import { signUserToken } from "../../common/user_token.ts";
import { startTestCluster, type TestCluster, waitForPeers } from "../testing/peer_test_cluster.ts";
import { helloClient, nextUpdate, request, sendAcked } from "../testing/chat_test_helpers.ts";
import { isMessageFrame, type ReceivedFrame, type TestClient } from "../testing/ws_test_client.ts";
import { waitUntil } from "../../common/testing/wait_until.ts";

setDefaultTimeout(120_000);

const AUTH_SECRET = "private-events-test-auth-secret-0123456789";
const PUBLIC_CHAT = 6060;
/** A word in the private chat's message and in a public one. */
const WORD = "swordfish";
const SECRET_TEXT = `the launch code is ${WORD}`;
const EARLY_TEXT = `an early ${WORD}`;
const PUBLIC_TEXT = `a ${WORD} swims by`;

let cluster: TestCluster;
const clients: TestClient[] = [];
let chatId: number;
let secretId: string;
let publicId: string;
let ann: TestClient;
let bob: TestClient;
let eve: TestClient;
let eveOnA: TestClient;
/** eve's welcome `updates` marks, taken before any edit. */
let eveUpdates: unknown;

function token(sub: string): Promise<string> {
  return signUserToken({ secret: AUTH_SECRET, sub, ttlSeconds: 600 });
}

/** A hello client with a token, following every chat (null) or the chats listed. */
async function member(nodeIndex: number, sub: string, chatIds: number[] | null = null) {
  const url = `${cluster.nodes[nodeIndex].wsUrl}?token=${await token(sub)}`;
  const opened = await helloClient(url, sub, chatIds);
  clients.push(opened.client);
  return opened;
}

async function restSearch(nodeIndex: number, sub: string, query: string): Promise<Response> {
  return await fetch(`${cluster.nodes[nodeIndex].url}/api/search?${query}`, {
    headers: { authorization: `Bearer ${await token(sub)}` },
  });
}

const texts = (messages: ChatMessage[]) => messages.map((m) => m.text);
/** A frame that shows the private chat (its id, a text of it). Errors name the id refused. */
const mentionsChat = (frame: ReceivedFrame) =>
  frame.type !== "error" &&
  (frame.raw.includes(String(chatId)) || frame.raw.toLowerCase().includes("launch code"));

beforeAll(async () => {
  cluster = await startTestCluster({
    size: 2,
    nodeArgs: ["--auth", "required"],
    env: { DSATTER_AUTH_SECRET: AUTH_SECRET },
  });
  await waitForPeers(cluster.nodes, 1);
  ann = (await member(0, "ann")).client;
  bob = (await member(1, "bob")).client;
  const eveOpened = await member(1, "eve");
  eve = eveOpened.client;
  eveUpdates = (eveOpened.welcome.payload as { updates: unknown }).updates;
  eveOnA = (await member(0, "eve")).client;
  const created = await request(ann, "createChat", {
    name: "ops",
    private: true,
    members: ["bob"],
  });
  chatId = (created.payload as { chatId: number }).chatId;
  await bob.next(
    (f) => f.type === "chatCreated" && (f.payload as { chatId: number }).chatId === chatId,
    30_000,
  );
  await sendAcked(ann, { chatId: PUBLIC_CHAT, sender: "ann", text: EARLY_TEXT });
  secretId = await sendAcked(ann, { chatId, sender: "ann", text: SECRET_TEXT });
  await bob.next(isMessageFrame(SECRET_TEXT), 30_000);
  publicId = await sendAcked(ann, { chatId: PUBLIC_CHAT, sender: "ann", text: PUBLIC_TEXT });
  for (const client of [bob, eve, eveOnA]) await client.next(isMessageFrame(PUBLIC_TEXT), 30_000);
});

afterAll(async () => {
  await Promise.all(clients.map((c) => c.close().catch(() => null)));
  await cluster?.stop();
});

describe("section 7 on a private chat", () => {
  test("search: members find its messages; a non-member's search never returns them", async () => {
    const bobFinds = await request(bob, "search", { q: WORD });
    expect(texts(bobFinds.payload as ChatMessage[])).toEqual([
      PUBLIC_TEXT,
      SECRET_TEXT,
      EARLY_TEXT,
    ]);
    const bobBefore = await request(bob, "search", { q: WORD, before: secretId });
    expect(texts(bobBefore.payload as ChatMessage[])).toEqual([EARLY_TEXT]);
    for (const client of [eve, eveOnA]) {
      const found = await request(client, "search", { q: WORD });
      expect(found.type).toBe("searchResults");
      expect(texts(found.payload as ChatMessage[])).toEqual([PUBLIC_TEXT, EARLY_TEXT]);
      const older = await request(client, "search", { q: "launch", before: publicId });
      expect(older.payload).toEqual([]);
      // A cursor in the private chat is no cursor for a non-member (no oracle).
      const cursor = await request(client, "search", { q: WORD, before: secretId });
      expect(cursor.payload).toEqual([]);
      const named = await request(client, "search", { q: WORD, chatId });
      expect(named.payload).toMatchObject({ code: "forbidden" });
      expect([found, older, cursor].some(mentionsChat)).toBe(false);
    }
    expect(texts((await request(bob, "search", { q: "launch", chatId })).payload as ChatMessage[]))
      .toEqual([SECRET_TEXT]);
  });

  test("REST /api/search answers the same: the member finds it, a non-member gets 403 naming it", async () => {
    for (const nodeIndex of [0, 1]) {
      const mine = await restSearch(nodeIndex, "bob", `q=${WORD}`);
      expect(texts(await mine.json())).toEqual([PUBLIC_TEXT, SECRET_TEXT, EARLY_TEXT]);
      const theirs = await restSearch(nodeIndex, "eve", `q=${WORD}`);
      expect(theirs.status).toBe(200);
      expect(texts(await theirs.json())).toEqual([PUBLIC_TEXT, EARLY_TEXT]);
      const named = await restSearch(nodeIndex, "eve", `q=${WORD}&chatId=${chatId}`);
      expect(named.status).toBe(403);
      expect(await named.text()).not.toContain("launch");
      const anonymous = await fetch(`${cluster.nodes[nodeIndex].url}/api/search?q=${WORD}`);
      expect(anonymous.status).toBe(401);
    }
  });

  test("typing reaches the other member, never a non-member; a non-member's typing is forbidden", async () => {
    ann.send({ type: "typing", payload: { chatId } });
    const typing = await bob.next((f) => f.type === "typing", 20_000);
    expect(typing.payload).toEqual({ chatId, name: "ann", nodeId: cluster.nodes[0].nodeId });
    // Sent after the private one, on the same path: once eve has it, she would have had both.
    ann.send({ type: "typing", payload: { chatId: PUBLIC_CHAT } });
    for (const client of [eve, eveOnA]) {
      const seen = await client.next((f) => f.type === "typing", 20_000);
      expect(seen.payload).toMatchObject({ chatId: PUBLIC_CHAT, name: "ann" });
    }
    const refused = await request(eve, "typing", { chatId });
    expect(refused.payload).toMatchObject({ code: "forbidden" });
    expect(bob.frames.some((f) => f.type === "typing" && f.raw.includes('"name":"eve"')))
      .toBe(false);
  });

  test("messageUpdated of an edit and a delete reach members only; a non-member cannot change it", async () => {
    for (
      const [type, payload] of [
        ["editMessage", { messageId: secretId, text: "mine now" }],
        ["deleteMessage", { messageId: secretId }],
      ] as const
    ) {
      const refused = await request(eve, type, payload);
      expect(refused.payload).toMatchObject({ code: "not_found" });
    }
    await request(ann, "editMessage", { messageId: secretId, text: `the LAUNCH CODE changed` });
    await nextUpdate(bob, secretId, (m) => m.text === "the LAUNCH CODE changed");
    await request(ann, "deleteMessage", { messageId: secretId });
    await nextUpdate(bob, secretId, (m) => m.deleted === true);
    // The same for a public message afterwards: a non-member gets that one.
    await request(ann, "editMessage", { messageId: publicId, text: `a ${WORD} swam by` });
    for (const client of [eve, eveOnA]) {
      await nextUpdate(client, publicId, (m) => m.text === `a ${WORD} swam by`);
    }
    for (const client of [eve, eveOnA]) {
      expect(client.frames.some(mentionsChat)).toBe(false);
      expect(client.frames.some((f) => f.raw.includes(secretId))).toBe(false);
    }
  });

  test("a since resume with updatesSince gives a non-member the public edit only", async () => {
    await waitUntil(
      async () => {
        const reply = await request(bob, "clientSyncRequest", { since: {}, updatesSince: {} });
        return JSON.stringify(reply.payload).includes(`"deleted":true`);
      },
      { deadlineMs: 20_000, pollMs: 100, what: "the delete on bob's node" },
    );
    const reply = await request(eve, "clientSyncRequest", {
      since: {},
      updatesSince: eveUpdates,
    });
    expect(reply.type).toBe("clientSyncReply");
    expect(mentionsChat(reply) || reply.raw.includes(secretId)).toBe(false);
    const updated = (reply.updated as ChatMessage[] | undefined) ?? [];
    expect(texts(updated).concat(texts(reply.payload as ChatMessage[]))).toContain(
      `a ${WORD} swam by`,
    );
    const bobs = await request(bob, "clientSyncRequest", { since: {}, updatesSince: eveUpdates });
    expect(bobs.raw).toContain(secretId);
  });

  test("a private chat's rename reaches its members only; a non-member naming it is forbidden", async () => {
    const refused = await request(eve, "renameChat", { chatId, name: "eve was here" });
    expect(refused.payload).toMatchObject({ code: "forbidden" });
    const renamed = await request(ann, "renameChat", { chatId, name: "ops, renamed" });
    expect(renamed.type).toBe("chatRenamed");
    await bob.next(
      (f) => f.type === "chatRenamed" && (f.payload as { chatId: number }).chatId === chatId,
      20_000,
    );
    const bobsList = await request(bob, "listChats", { creators: true });
    expect(bobsList.payload).toContainEqual(
      expect.objectContaining({ chatId, name: "ops, renamed", creator: "ann", private: true }),
    );
    // A public chat renamed afterwards: a non-member hears that one.
    const created = await request(ann, "createChat", { name: "lobby" });
    const lobby = (created.payload as { chatId: number }).chatId;
    await request(ann, "renameChat", { chatId: lobby, name: "lobby, renamed" });
    for (const client of [eve, eveOnA]) {
      await client.next(
        (f) => f.type === "chatRenamed" && (f.payload as { chatId: number }).chatId === lobby,
        20_000,
      );
      expect(client.frames.some(mentionsChat)).toBe(false);
      const list = await request(client, "listChats", { creators: true });
      expect(list.raw).not.toContain(String(chatId));
      expect(list.raw).not.toContain("ops, renamed");
    }
  });
});
