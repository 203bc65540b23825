/**
 * The node's HTTP side against a real process: /healthz, /metrics, the chats
 * REST API (create, read, bad bodies) and the web page at GET /.
 */
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { type SpawnedNode, spawnNode } from "../testing/spawn_node.ts";
import { isMessageFrame, openClient } from "../testing/ws_test_client.ts";

// Real node processes on a shared, loaded machine: generous deadlines (hooks too).
setDefaultTimeout(60_000);

let node: SpawnedNode;

beforeAll(async () => {
  node = await spawnNode();
});

afterAll(async () => {
  await node?.stop();
});

function post(
  path: string,
  body: string | Uint8Array<ArrayBuffer>,
  headers: Record<string, string> = {},
) {
  return fetch(`${node.url}${path}`, {
    method: "POST",
    body,
    headers: { "content-type": "application/json", ...headers },
  });
}

describe("node HTTP", () => {
  test("GET /healthz counts every open client connection", async () => {
    const health = await (await fetch(`${node.url}/healthz`)).json();
    expect(health).toEqual({ ok: true, nodeId: node.nodeId, peers: 0, clients: 0 });
    const ws = await openClient(node.wsUrl);
    try {
      const withClient = await (await fetch(`${node.url}/healthz`)).json();
      expect(withClient.clients).toBe(1);
    } finally {
      await ws.close();
    }
  });

  test("GET /metrics is Prometheus text with the contract's metrics", async () => {
    const response = await fetch(`${node.url}/metrics`);
    expect(response.headers.get("content-type")).toStartWith("text/plain");
    const text = await response.text();
    for (
      const name of [
        "dsatter_messages_stored_total",
        "dsatter_messages_delivered_total",
        "dsatter_peers_connected",
        "dsatter_clients_connected",
        "dsatter_clients_dropped_total",
        "dsatter_messages_held_back",
      ]
    ) {
      expect(text).toMatch(new RegExp(`^# TYPE ${name} (counter|gauge)$`, "m"));
      expect(text).toMatch(new RegExp(`^${name} [0-9]+$`, "m"));
    }
  });

  test("dsatter_messages_delivered_total counts one per receiving connection", async () => {
    const metric = async (name: string) => {
      const text = await (await fetch(`${node.url}/metrics`)).text();
      return Number(new RegExp(`^${name} ([0-9]+)$`, "m").exec(text)![1]);
    };
    const [everything, only900] = [await openClient(node.wsUrl), await openClient(node.wsUrl)];
    try {
      only900.send({ type: "subscribe", payload: { chatIds: [900] } });
      only900.send({ type: "listChats", payload: {}, ref: "sync" });
      await only900.next((f) => f.ref === "sync");
      const before = await metric("dsatter_messages_delivered_total");
      await post("/api/chats/901/messages", JSON.stringify({ text: "to 901", sender: "m" }));
      await everything.next(isMessageFrame("to 901"));
      expect(await metric("dsatter_messages_delivered_total")).toBe(before + 1);
      await post("/api/chats/900/messages", JSON.stringify({ text: "to 900", sender: "m" }));
      await only900.next(isMessageFrame("to 900"));
      expect(await metric("dsatter_messages_delivered_total")).toBe(before + 3);
    } finally {
      await Promise.all([everything.close(), only900.close()]);
    }
  });

  test("POST a message: 201 with the stored message, fanned out, then readable in order", async () => {
    const watcher = await openClient(node.wsUrl);
    try {
      const created = await post(
        "/api/chats/31/messages",
        JSON.stringify({ text: "from rest", sender: "curl", clientMsgId: "rest-1" }),
      );
      expect(created.status).toBe(201);
      const message = await created.json();
      expect(message).toMatchObject({
        chatId: 31,
        text: "from rest",
        sender: "curl",
        clientMsgId: "rest-1",
        nodeId: node.nodeId,
      });
      await watcher.next(isMessageFrame("from rest"));
      const again = await post(
        "/api/chats/31/messages",
        JSON.stringify({ text: "from rest", sender: "curl", clientMsgId: "rest-1" }),
      );
      expect((await again.json()).messageId).toBe(message.messageId);
      await post("/api/chats/31/messages", JSON.stringify({ text: "second", sender: "curl" }));
      const list = await (await fetch(`${node.url}/api/chats/31/messages`)).json();
      expect(list.map((m: { text: string }) => m.text)).toEqual(["from rest", "second"]);
      const page = await fetch(`${node.url}/api/chats/31/messages?limit=1`);
      expect((await page.json()).map((m: { text: string }) => m.text)).toEqual(["second"]);
      const older = await (await fetch(
        `${node.url}/api/chats/31/messages?before=${list[1].messageId}&limit=5`,
      )).json();
      expect(older.map((m: { text: string }) => m.text)).toEqual(["from rest"]);
      const chats = await (await fetch(`${node.url}/api/chats`)).json();
      expect(chats).toContainEqual(expect.objectContaining({ chatId: 31, name: "chat 31" }));
    } finally {
      await watcher.close();
    }
  });

  test("bad bodies get 400/413 with {error} and store nothing", async () => {
    const before = await (await fetch(`${node.url}/api/chats/32/messages`)).json();
    // {"text":"\xff","sender":"a"}: not UTF-8 is refused, never stored as U+FFFD.
    const notUtf8 = new Uint8Array([
      ...new TextEncoder().encode('{"text":"'),
      0xff,
      ...new TextEncoder().encode('","sender":"a"}'),
    ]);
    const cases: Array<[string, string | Uint8Array<ArrayBuffer>, number]> = [
      ["/api/chats/32/messages", notUtf8, 400],
      ["/api/chats/32/messages", "{nope", 400],
      ["/api/chats/32/messages", "[]", 400],
      ["/api/chats/32/messages", JSON.stringify({ text: "", sender: "a" }), 400],
      ["/api/chats/32/messages", JSON.stringify({ text: "t" }), 400],
      ["/api/chats/32/messages", JSON.stringify({ text: "x".repeat(4001), sender: "a" }), 400],
      ["/api/chats/-1/messages", JSON.stringify({ text: "t", sender: "a" }), 400],
      ["/api/chats/abc/messages", JSON.stringify({ text: "t", sender: "a" }), 400],
      ["/api/chats/32/messages", JSON.stringify({ text: "t".repeat(70_000), sender: "a" }), 413],
    ];
    for (const [path, body, status] of cases) {
      const response = await post(path, body);
      expect(response.status).toBe(status);
      expect(typeof (await response.json()).error).toBe("string");
    }
    const bad = await fetch(`${node.url}/api/chats/32/messages?limit=0`);
    expect(bad.status).toBe(400);
    const after = await (await fetch(`${node.url}/api/chats/32/messages`)).json();
    expect(after).toEqual(before);
  });

  test("a body that is not UTF-8 gets 400 and stores nothing (it is never read as U+FFFD)", async () => {
    const before = await (await fetch(`${node.url}/api/chats/33/messages`)).json();
    const head = new TextEncoder().encode('{"text":"');
    const tail = new TextEncoder().encode('caf","sender":"a"}');
    for (const bad of [[0xff], [0xc3, 0x28], [0xed, 0xa0, 0x80], [0xc0, 0xaf]]) {
      const response = await fetch(`${node.url}/api/chats/33/messages`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: Uint8Array.from([...head, ...bad, ...tail]),
      });
      expect(response.status).toBe(400);
      expect(typeof (await response.json()).error).toBe("string");
    }
    const after = await (await fetch(`${node.url}/api/chats/33/messages`)).json();
    expect(after).toEqual(before);
  });

  test("GET / serves an HTML page with a Content-Security-Policy; unknown paths 404", async () => {
    const page = await fetch(`${node.url}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get("content-type")).toStartWith("text/html");
    expect(page.headers.get("content-security-policy")).toContain("default-src 'none'");
    expect(await page.text()).toContain("<html");
    const missing = await fetch(`${node.url}/no/such/path`);
    expect(missing.status).toBe(404);
  });

  test("a known path asked with the wrong method gets 405 with Allow, and changes nothing", async () => {
    const cases: Array<[string, string, string]> = [
      ["POST", "/healthz", "GET, HEAD"],
      ["POST", "/metrics", "GET, HEAD"],
      ["PUT", "/", "GET, HEAD"],
      ["DELETE", "/api/chats", "GET, HEAD"],
      ["DELETE", "/api/chats/11/messages", "GET, HEAD, POST"],
    ];
    for (const [method, path, allow] of cases) {
      const response = await fetch(`${node.url}${path}`, { method });
      expect(`${method} ${path} ${response.status}`).toBe(`${method} ${path} 405`);
      expect(response.headers.get("allow")).toBe(allow);
      expect(typeof (await response.json()).error).toBe("string");
    }
    const head = await fetch(`${node.url}/healthz`, { method: "HEAD" });
    expect(head.status).toBe(200);
    expect(await head.text()).toBe("");
  });
});
