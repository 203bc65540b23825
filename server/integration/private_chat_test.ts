/**
 * Private chats across three real nodes with `--auth required` (PROTOCOL.md
 * section 6): the chat and its members replicate; members on other nodes and a
 * holder of a `chats` claim read it live and in history; a non-member, on
 * every read path (live on `all`, with and without hello, `[]`, `since`,
 * `before`, the chatId filter, listChats, presence, subscribe, REST GET and
 * POST), gets `forbidden` when naming it and never one of its messages.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { signUserToken } from "../../common/user_token.ts";
import { startTestCluster, type TestCluster, waitForPeers } from "../testing/peer_test_cluster.ts";
import {
  isMessageFrame,
  openClient,
  type ReceivedFrame,
  type TestClient,
} from "../testing/ws_test_client.ts";

setDefaultTimeout(120_000);

const AUTH_SECRET = "private-chat-test-auth-secret-0123456789";
const SECRET_TEXT = "the plans are in the blue folder";

let cluster: TestCluster;
const clients: TestClient[] = [];

function token(sub: string, chats?: number[]): Promise<string> {
  return signUserToken({ secret: AUTH_SECRET, sub, ttlSeconds: 600, chats });
}

async function connect(nodeIndex: number, sub: string, chats?: number[]): Promise<TestClient> {
  const url = `${cluster.nodes[nodeIndex].wsUrl}?token=${await token(sub, chats)}`;
  const client = await openClient(url);
  clients.push(client);
  return client;
}

async function hello(client: TestClient, name: string): Promise<void> {
  client.send({ type: "hello", payload: { name }, ref: `hello-${name}` });
  await client.next((f) => f.type === "welcome");
}

let nextRef = 0;
async function ask(client: TestClient, type: string, payload: unknown): Promise<ReceivedFrame> {
  const ref = `r${nextRef++}`;
  client.send({ type, payload, ref });
  return await client.next((f) => f.ref === ref);
}

const texts = (frame: ReceivedFrame) =>
  (frame.payload as Array<{ text: string }>).map((m) => m.text);
const mentionsSecret = (frame: ReceivedFrame) => frame.raw.includes(SECRET_TEXT);

async function rest(nodeIndex: number, sub: string, path: string, body?: unknown) {
  const headers: Record<string, string> = { authorization: `Bearer ${await token(sub)}` };
  if (body !== undefined) headers["content-type"] = "application/json";
  return await fetch(`${cluster.nodes[nodeIndex].url}${path}`, {
    method: body === undefined ? "GET" : "POST",
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

let chatId: number;
let secretMessageId: string;
let ann: TestClient;
let bob: TestClient;
let carol: TestClient;
let eve: TestClient;
let eveSilent: TestClient;

beforeAll(async () => {
  cluster = await startTestCluster({
    size: 3,
    nodeArgs: ["--auth", "required"],
    env: { DSATTER_AUTH_SECRET: AUTH_SECRET },
  });
  await waitForPeers(cluster.nodes, 2);
  ann = await connect(0, "ann");
  bob = await connect(1, "bob");
  eve = await connect(2, "eve");
  eveSilent = await connect(1, "eve"); // never says hello: an original-style reader of `all`
  for (const [client, name] of [[ann, "ann"], [bob, "bob"], [eve, "eve"]] as const) {
    await hello(client, name);
  }
  const created = await ask(ann, "createChat", {
    name: "plans",
    private: true,
    members: ["bob"],
  });
  expect(created.type).toBe("chatCreated");
  chatId = (created.payload as { chatId: number }).chatId;
  expect(created.payload).toEqual({
    chatId,
    name: "plans",
    private: true,
    members: ["ann", "bob"],
  });
  // The member on another node learns the chat (and follows it) once it replicated.
  await bob.next(
    (f) => f.type === "chatCreated" && (f.payload as { chatId: number }).chatId === chatId,
    30_000,
  );
  carol = await connect(2, "carol", [chatId]);
  await hello(carol, "carol");
  const ack = await ask(ann, "newMessageFromClient", {
    text: SECRET_TEXT,
    sender: "ann",
    chatId,
    clientMsgId: "secret-1",
  });
  secretMessageId = (ack.payload as { messageId: string }).messageId;
  await bob.next(isMessageFrame(SECRET_TEXT), 30_000);
  await carol.next(isMessageFrame(SECRET_TEXT), 30_000);
  // A public message sent after it: once eve has this one, she would have had the secret.
  await ask(ann, "newMessageFromClient", {
    text: "public after",
    sender: "ann",
    chatId: 11,
    clientMsgId: "public-1",
  });
  await eve.next(isMessageFrame("public after"), 30_000);
  await eveSilent.next(isMessageFrame("public after"), 30_000);
});

afterAll(async () => {
  await Promise.all(clients.map((c) => c.close()));
  await cluster?.stop();
});

describe("a private chat on three nodes", () => {
  test("members and a chats-claim holder read it, live and in history, on every node", async () => {
    expect(texts(await ask(bob, "clientSyncRequest", { chatId }))).toEqual([SECRET_TEXT]);
    expect(texts(await ask(carol, "clientSyncRequest", { chatId }))).toEqual([SECRET_TEXT]);
    const list = await ask(bob, "listChats", {});
    expect(list.payload).toContainEqual(
      expect.objectContaining({ chatId, name: "plans", private: true, members: ["ann", "bob"] }),
    );
    const bobLatest = await ask(bob, "clientSyncRequest", []);
    expect(texts(bobLatest)).toContain(SECRET_TEXT);
    const page = await (await rest(1, "bob", `/api/chats/${chatId}/messages`)).json();
    expect(page.map((m: { text: string }) => m.text)).toEqual([SECRET_TEXT]);
    const presence = await ask(bob, "presence", { chatId });
    const names = (presence.payload as Array<{ name: string }>).map((p) => p.name);
    expect(names).toContain("bob");
    expect(names).not.toContain("eve");
  });

  test("a non-member never got its messages or its chatCreated live (hello or not)", () => {
    for (const client of [eve, eveSilent]) {
      expect(client.frames.some(mentionsSecret)).toBe(false);
      expect(client.frames.some((f) => f.raw.includes(String(chatId)))).toBe(false);
    }
  });

  test("a non-member: [] , since and before without a chat leave it out", async () => {
    const latest = await ask(eve, "clientSyncRequest", []);
    expect(texts(latest)).toContain("public after");
    const publicAfter = (latest.payload as Array<{ text: string; messageId: string }>)
      .find((m) => m.text === "public after")!;
    // The secret was sent just before "public after": a page before it would hold it.
    for (const payload of [[], {}, { since: {} }, { before: publicAfter.messageId }]) {
      const reply = await ask(eve, "clientSyncRequest", payload);
      expect(reply.type).toBe("clientSyncReply");
      expect(mentionsSecret(reply)).toBe(false);
    }
    const annBefore = await ask(ann, "clientSyncRequest", { before: publicAfter.messageId });
    expect(texts(annBefore)).toContain(SECRET_TEXT);
    const before = await ask(eve, "clientSyncRequest", { before: secretMessageId });
    expect(before.payload).toMatchObject({ code: "not_found" });
  });

  test("a non-member naming it gets forbidden: chatId filter, since, before, presence, subscribe, send", async () => {
    const cases: Array<[string, unknown]> = [
      ["clientSyncRequest", { chatId }],
      ["clientSyncRequest", { chatId, since: {} }],
      ["clientSyncRequest", { chatId, before: secretMessageId }],
      ["presence", { chatId }],
      ["subscribe", { chatIds: [chatId, 11] }],
      ["newMessageFromClient", { text: "let me in", sender: "eve", chatId }],
    ];
    for (const [type, payload] of cases) {
      const reply = await ask(eve, type, payload);
      expect([type, payload, reply.type, reply.payload]).toEqual([
        type,
        payload,
        "error",
        expect.objectContaining({ code: "forbidden" }),
      ]);
    }
    const list = await ask(eve, "listChats", {});
    expect((list.payload as Array<{ chatId: number }>).some((c) => c.chatId === chatId)).toBe(
      false,
    );
    const history = await ask(bob, "clientSyncRequest", { chatId });
    expect(texts(history)).toEqual([SECRET_TEXT]); // eve's send stored nothing
  });

  test("a non-member over REST: GET and POST get 403, the chat list leaves it out", async () => {
    for (const nodeIndex of [0, 1, 2]) {
      const get = await rest(nodeIndex, "eve", `/api/chats/${chatId}/messages`);
      expect(get.status).toBe(403);
      const post = await rest(nodeIndex, "eve", `/api/chats/${chatId}/messages`, {
        text: "rest in",
        sender: "eve",
      });
      expect(post.status).toBe(403);
      const chats = await (await rest(nodeIndex, "eve", "/api/chats")).json();
      expect(chats.some((c: { chatId: number }) => c.chatId === chatId)).toBe(false);
    }
  });
});
