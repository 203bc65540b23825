/**
 * Identity and access on real node processes (PROTOCOL.md section 6): Origin,
 * Host and Content-Type guards in every mode; with `--auth required`, tokens on
 * the upgrade and on REST (expired, foreign, alg-confused ones refused with
 * 401), a connection speaking only as its sub and closed when its token
 * expires; with `--auth optional`, anonymous clients on public chats only and
 * never under a token holder's name; a node refusing to start without its secret.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { spawn } from "node:child_process";
import { signUserToken } from "../../common/user_token.ts";
import { base64url, forgeToken } from "../../common/testing/forged_token.ts";
import { PRIVATE_CHAT_ID_MIN } from "../core/chat_access.ts";
import { upgradeStatus } from "../testing/raw_upgrade.ts";
import { BUN_PATH, REPO_ROOT, type SpawnedNode, spawnNode } from "../testing/spawn_node.ts";
import {
  isMessageFrame,
  openClient,
  type ReceivedFrame,
  type TestClient,
} from "../testing/ws_test_client.ts";

setDefaultTimeout(60_000);

const AUTH_SECRET = "node-access-test-auth-secret-0123456789";
const AUTH_ENV = { DSATTER_AUTH_SECRET: AUTH_SECRET };

let open: SpawnedNode;
let required: SpawnedNode;
let optional: SpawnedNode;
const clients: TestClient[] = [];

async function client(url: string): Promise<TestClient> {
  const opened = await openClient(url);
  clients.push(opened);
  return opened;
}

function token(sub: string, options: { ttlSeconds?: number; chats?: number[] } = {}) {
  return signUserToken({
    secret: AUTH_SECRET,
    sub,
    ttlSeconds: options.ttlSeconds ?? 600,
    ...options,
  });
}

/** A token whose header says another alg, MAC'd with HS256 over the right secret anyway. */
function forgedAlg(alg: string, sub = "ann"): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return forgeToken({ alg }, { sub, iat: now, exp: now + 600 }, AUTH_SECRET);
}

const ofType = (type: string, ref?: string) => (frame: ReceivedFrame) =>
  frame.type === type && (ref === undefined || frame.ref === ref);

async function history(c: TestClient, chatId: number, ref: string): Promise<ReceivedFrame> {
  c.send({ type: "clientSyncRequest", payload: { chatId }, ref });
  return await c.next((f) => f.ref === ref);
}

const texts = (frame: ReceivedFrame) =>
  (frame.payload as Array<{ text: string }>).map((m) => m.text);

beforeAll(async () => {
  [open, required, optional] = await Promise.all([
    spawnNode({ extraArgs: ["--allowed-origins", "https://chat.example.com"] }),
    spawnNode({ extraArgs: ["--auth", "required", "--token-leeway", "0"], env: AUTH_ENV }),
    spawnNode({ extraArgs: ["--auth", "optional"], env: AUTH_ENV }),
  ]);
});

afterAll(async () => {
  await Promise.all(clients.map((c) => c.close()));
  await Promise.all([open, required, optional].map((node) => node?.stop()));
});

describe("browser guards, every mode (--auth off here)", () => {
  test("a cross-origin upgrade gets 403; own, no and allowed origins get 101", async () => {
    const port = open.port;
    expect(await upgradeStatus(port, { headers: { Origin: "https://evil.example" } })).toBe(403);
    expect(await upgradeStatus(port, { headers: { Origin: "null" } })).toBe(403);
    expect(await upgradeStatus(port, { headers: { Origin: `http://127.0.0.1:${port + 1}` } }))
      .toBe(403);
    expect(await upgradeStatus(port)).toBe(101);
    expect(await upgradeStatus(port, { headers: { Origin: `http://127.0.0.1:${port}` } })).toBe(
      101,
    );
    expect(await upgradeStatus(port, { headers: { Origin: `http://localhost:${port}` } })).toBe(
      101,
    );
    expect(await upgradeStatus(port, { headers: { Origin: "https://chat.example.com" } })).toBe(
      101,
    );
  });

  test("a REST POST that is not application/json gets 415 and stores nothing", async () => {
    for (const type of ["text/plain", "application/x-www-form-urlencoded", ""]) {
      const response = await fetch(`${open.url}/api/chats/41/messages`, {
        method: "POST",
        headers: type === "" ? {} : { "content-type": type },
        body: JSON.stringify({ text: "csrf", sender: "mallory" }),
      });
      expect(response.status).toBe(415);
      expect((await response.json()).error).toMatch(/application\/json/);
    }
    const ok = await fetch(`${open.url}/api/chats/41/messages`, {
      method: "POST",
      headers: { "content-type": "application/json; charset=utf-8" },
      body: JSON.stringify({ text: "json", sender: "ann" }),
    });
    expect(ok.status).toBe(201);
    const stored = await (await fetch(`${open.url}/api/chats/41/messages`)).json();
    expect(stored.map((m: { text: string }) => m.text)).toEqual(["json"]);
  });

  test("a loopback-bound node answers only loopback or advertised Host values (DNS rebinding)", async () => {
    expect(await upgradeStatus(open.port, { host: `evil.example:${open.port}` })).toBe(403);
    expect(await upgradeStatus(open.port, { host: `localhost:${open.port}` })).toBe(101);
    const rebound = await fetch(`${open.url}/api/chats`, {
      headers: { host: `evil.example:${open.port}` },
    });
    expect(rebound.status).toBe(403);
  });

  test("createChat private: true is refused with --auth off, and the chat is not made", async () => {
    const ann = await client(open.wsUrl);
    ann.send({ type: "createChat", payload: { name: "secret", private: true }, ref: "c" });
    const refused = await ann.next(ofType("error", "c"));
    expect(refused.payload).toMatchObject({ code: "forbidden" });
    expect((refused.payload as { message: string }).message).toMatch(/--auth off/);
    ann.send({ type: "listChats", payload: {}, ref: "l" });
    const list = await ann.next(ofType("chatList", "l"));
    expect((list.payload as Array<{ name: string }>).some((c) => c.name === "secret")).toBe(false);
  });
});

describe("--auth required", () => {
  test("the upgrade needs a valid token: missing, expired, foreign and alg-confused get 401", async () => {
    const port = required.port;
    const expired = await signUserToken({
      secret: AUTH_SECRET,
      sub: "ann",
      ttlSeconds: 60,
      nowMs: Date.now() - 120_000,
    });
    const foreign = await signUserToken({
      secret: "another-secret-entirely-0123456789abcdef",
      sub: "ann",
      ttlSeconds: 600,
    });
    const none = `${base64url('{"alg":"none"}')}.${
      base64url(JSON.stringify({ sub: "ann", exp: Math.floor(Date.now() / 1000) + 600 }))
    }.`;
    const bad = [
      undefined,
      expired,
      foreign,
      none,
      await forgedAlg("HS512"),
      await forgedAlg("RS256"),
      "garbage",
    ];
    for (const t of bad) {
      const path = t === undefined ? "/" : `/?token=${encodeURIComponent(t)}`;
      expect([t?.slice(0, 20), await upgradeStatus(port, { path })]).toEqual([
        t?.slice(0, 20),
        401,
      ]);
    }
    const good = await token("ann");
    expect(await upgradeStatus(port, { path: `/?token=${good}` })).toBe(101);
    expect(await upgradeStatus(port, { headers: { Authorization: `Bearer ${good}` } })).toBe(101);
    expect(await upgradeStatus(port, { headers: { Authorization: `Bearer ${expired}` } })).toBe(
      401,
    );
  });

  test("REST needs the Bearer token (401); /, /healthz and /metrics answer without one", async () => {
    expect((await fetch(`${required.url}/api/chats`)).status).toBe(401);
    const expired = await signUserToken({
      secret: AUTH_SECRET,
      sub: "ann",
      ttlSeconds: 60,
      nowMs: Date.now() - 120_000,
    });
    const refused = await fetch(`${required.url}/api/chats/11/messages`, {
      headers: { authorization: `Bearer ${expired}` },
    });
    expect(refused.status).toBe(401);
    expect(refused.headers.get("www-authenticate")).toMatch(/^Bearer/);
    const headers = { authorization: `Bearer ${await token("ann")}` };
    expect((await fetch(`${required.url}/api/chats`, { headers })).status).toBe(200);
    for (const path of ["/", "/healthz", "/metrics"]) {
      expect([path, (await fetch(`${required.url}${path}`)).status]).toEqual([path, 200]);
    }
  });

  test("a message whose sender is not the token's sub is forbidden and not stored (WS and REST)", async () => {
    const ann = await client(`${required.wsUrl}?token=${await token("ann")}`);
    ann.send({
      type: "newMessageFromClient",
      payload: { text: "as bob", sender: "bob", chatId: 51, clientMsgId: "f-1" },
      ref: "m1",
    });
    expect((await ann.next(ofType("error", "m1"))).payload).toMatchObject({ code: "forbidden" });
    const post = await fetch(`${required.url}/api/chats/51/messages`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        authorization: `Bearer ${await token("ann")}`,
      },
      body: JSON.stringify({ text: "rest as bob", sender: "bob" }),
    });
    expect(post.status).toBe(403);
    ann.send({
      type: "newMessageFromClient",
      payload: { text: "as ann", sender: "ann", chatId: 51, clientMsgId: "f-2" },
      ref: "m2",
    });
    await ann.next(ofType("clientMessageResponse", "m2"));
    expect(texts(await history(ann, 51, "h"))).toEqual(["as ann"]);
  });

  test("a hello whose name is not the token's sub is forbidden", async () => {
    const ann = await client(`${required.wsUrl}?token=${await token("ann")}`);
    ann.send({ type: "hello", payload: { name: "bob" }, ref: "h1" });
    expect((await ann.next(ofType("error", "h1"))).payload).toMatchObject({ code: "forbidden" });
    ann.send({ type: "hello", payload: { name: "ann" }, ref: "h2" });
    await ann.next(ofType("welcome", "h2"));
  });

  test("a connection is closed with 4003 when its token expires", async () => {
    const short = await token("ann", { ttlSeconds: 3 });
    const ann = await client(`${required.wsUrl}?token=${short}`);
    const closed = await Promise.race([
      ann.closed,
      new Promise<never>((_, reject) =>
        setTimeout(() => reject(new Error("not closed within 30 s")), 30_000)
      ),
    ]);
    expect(closed.code).toBe(4003);
    expect(closed.reason).toMatch(/token expired/);
  });
});

describe("--auth optional", () => {
  test("anonymous clients read and write public chats, and are refused on private ones", async () => {
    const anonymous = await client(optional.wsUrl);
    anonymous.send({
      type: "newMessageFromClient",
      payload: { text: "public hello", sender: "guest", chatId: 61, clientMsgId: "o-1" },
      ref: "s",
    });
    await anonymous.next(ofType("clientMessageResponse", "s"));
    await anonymous.next(isMessageFrame("public hello"));
    expect(texts(await history(anonymous, 61, "h"))).toEqual(["public hello"]);
    const privateChat = PRIVATE_CHAT_ID_MIN + 61;
    expect((await history(anonymous, privateChat, "p")).payload).toMatchObject({
      code: "forbidden",
    });
    anonymous.send({
      type: "newMessageFromClient",
      payload: { text: "sneak", sender: "guest", chatId: privateChat },
      ref: "w",
    });
    expect((await anonymous.next(ofType("error", "w"))).payload).toMatchObject({
      code: "forbidden",
    });
    anonymous.send({ type: "createChat", payload: { name: "mine", private: true }, ref: "c" });
    expect((await anonymous.next(ofType("error", "c"))).payload).toMatchObject({
      code: "forbidden",
    });
  });

  test("a token holder's name is refused to anonymous clients once the node saw the token", async () => {
    const before = await client(optional.wsUrl);
    before.send({ type: "hello", payload: { name: "dora" }, ref: "h0" });
    await before.next(ofType("welcome", "h0"));
    const dora = await client(`${optional.wsUrl}?token=${await token("dora")}`);
    dora.send({ type: "hello", payload: { name: "dora" }, ref: "h" });
    await dora.next(ofType("welcome", "h"));
    const impostor = await client(optional.wsUrl);
    for (const name of ["dora", "DORA"]) {
      impostor.send({ type: "hello", payload: { name }, ref: `h-${name}` });
      expect((await impostor.next(ofType("error", `h-${name}`))).payload).toMatchObject({
        code: "forbidden",
      });
    }
    impostor.send({
      type: "newMessageFromClient",
      payload: { text: "I am dora", sender: "dora", chatId: 62 },
      ref: "m",
    });
    expect((await impostor.next(ofType("error", "m"))).payload).toMatchObject({
      code: "forbidden",
    });
    const rest = await fetch(`${optional.url}/api/chats/62/messages`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ text: "I am dora too", sender: "dora" }),
    });
    expect(rest.status).toBe(403);
    expect(texts(await history(dora, 62, "h62"))).toEqual([]);
  });
});

test("a node with --auth required and no DSATTER_AUTH_SECRET refuses to start, in one line", async () => {
  const env = { ...process.env };
  delete env.DSATTER_AUTH_SECRET;
  const child = spawn(BUN_PATH, [
    "server/main.ts",
    "--standalone",
    "--port",
    "0",
    "--host",
    "127.0.0.1",
    "--db",
    ":memory:",
    "--auth",
    "required",
  ], { cwd: REPO_ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout!.on("data", (chunk) => stdout += chunk);
  child.stderr!.on("data", (chunk) => stderr += chunk);
  const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
  expect(code).toBe(1);
  expect(stdout).toBe("");
  expect(stderr.trim().split("\n")).toEqual([
    "Cannot start: --auth required needs DSATTER_AUTH_SECRET (the secret that signs user tokens)",
  ]);
});
