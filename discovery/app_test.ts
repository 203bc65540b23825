import assert from "node:assert/strict";
import { createDiscovery } from "./app.ts";
import { createManualClock } from "../common/clock.ts";
import { readSse } from "./testing/sse_reader.ts";

const SECRET = "test-cluster-secret-0123456789";
const PEER = { remoteAddr: { hostname: "::ffff:10.9.8.7" } };
const WATCH_AUTH = { headers: { authorization: `Bearer ${SECRET}` } };

interface Harness {
  kv: Deno.Kv;
  clock: ReturnType<typeof createManualClock>;
  request(path: string, init?: RequestInit & { peer?: string | null }): Promise<Response>;
  post(path: string, body: unknown, options?: { secret?: string | null }): Promise<Response>;
  register(password?: string): Promise<number>;
  login(id: number, extra?: Record<string, unknown>, password?: string): Promise<Response>;
  dump(): Promise<string>;
}

async function withApp(
  run: (h: Harness) => Promise<void>,
  config: { sweepIntervalMs?: number; keepaliveIntervalMs?: number } = {},
) {
  const kv = await Deno.openKv(":memory:");
  const clock = createManualClock();
  const shutdown = new AbortController();
  const { app } = createDiscovery({
    kv,
    clock,
    config: { clusterSecret: SECRET, ttlSeconds: 10, passwordHashIterations: 1000, ...config },
    signal: shutdown.signal,
  });
  const request: Harness["request"] = (path, init = {}) => {
    const env = init.peer === null
      ? undefined
      : { remoteAddr: { hostname: init.peer ?? PEER.remoteAddr.hostname } };
    return Promise.resolve(app.request(path, init, env));
  };
  const post: Harness["post"] = (path, body, options = {}) => {
    const headers: Record<string, string> = { "content-type": "application/json" };
    const secret = options.secret === undefined ? SECRET : options.secret;
    if (secret !== null) headers.authorization = `Bearer ${secret}`;
    const text = typeof body === "string" ? body : JSON.stringify(body);
    return request(path, { method: "POST", headers, body: text });
  };
  const h: Harness = {
    kv,
    clock,
    request,
    post,
    async register(password = "node-password") {
      const response = await post("/api/nodes/register", { password });
      assert.equal(response.status, 200);
      return (await response.json()).id;
    },
    login(id, extra = {}, password = "node-password") {
      return post("/api/nodes/active/login", {
        id,
        password,
        syncport: 4000 + id,
        clientport: 4000 + id,
        ...extra,
      });
    },
    async dump() {
      const entries = [];
      for await (const entry of kv.list({ prefix: [] })) entries.push([entry.key, entry.value]);
      return JSON.stringify(entries);
    },
  };
  try {
    await run(h);
  } finally {
    shutdown.abort();
    kv.close();
  }
}

async function activeIds(h: Harness): Promise<number[]> {
  const body = await (await h.request("/api/nodes/active")).json();
  return body.activeNodes.map((node: { id: number }) => node.id);
}

Deno.test("GET /healthz answers ok", async () => {
  await withApp(async (h) => {
    const response = await h.request("/healthz");
    assert.equal(response.status, 200);
    assert.deepEqual(await response.json(), { ok: true });
  });
});

Deno.test("POST /api/nodes/register gives new ids and never stores the password in clear", async () => {
  await withApp(async (h) => {
    assert.equal(await h.register("hunter2-very-secret"), 1);
    assert.equal(await h.register("hunter2-very-secret"), 2);
    assert.ok(!(await h.dump()).includes("hunter2-very-secret"));
  });
});

Deno.test("write endpoints demand the cluster secret and change nothing without it", async () => {
  await withApp(async (h) => {
    const id = await h.register();
    assert.equal((await h.login(id)).status, 200);
    const before = await h.dump();
    const calls: [string, unknown][] = [
      ["/api/nodes/register", { password: "x" }],
      ["/api/nodes/active/login", { id, password: "node-password", syncport: 1, clientport: 1 }],
      ["/api/nodes/active/logout", { id, password: "node-password" }],
    ];
    for (const [path, body] of calls) {
      for (const secret of [null, "wrong-secret", ""]) {
        const response = await h.post(path, body, { secret });
        assert.equal(response.status, 401, `${path} with ${secret}`);
        assert.equal(typeof (await response.json()).error, "string");
        assert.match(response.headers.get("www-authenticate") ?? "", /^Bearer/);
      }
      const basic = await h.request(path, {
        method: "POST",
        headers: { authorization: `Basic ${btoa(`x:${SECRET}`)}` },
        body: JSON.stringify(body),
      });
      assert.equal(basic.status, 401);
    }
    assert.equal(await h.dump(), before);
  });
});

Deno.test("a wrong node password or unknown id gets 401 and changes nothing", async () => {
  await withApp(async (h) => {
    const id = await h.register("right");
    assert.equal((await h.login(id, {}, "right")).status, 200);
    const before = await h.dump();
    assert.equal((await h.login(id, { address: "10.0.0.99" }, "wrong")).status, 401);
    assert.equal((await h.login(999, {}, "right")).status, 401);
    const logout = await h.post("/api/nodes/active/logout", { id, password: "wrong" });
    assert.equal(logout.status, 401);
    assert.equal(await h.dump(), before);
    assert.deepEqual(await activeIds(h), [id]);
  });
});

Deno.test("bad input gets 400 or 413 with an error and changes nothing", async () => {
  await withApp(async (h) => {
    const id = await h.register();
    const before = await h.dump();
    const login = { id, password: "node-password", syncport: 4000, clientport: 4000 };
    const cases: [string, unknown, number][] = [
      ["/api/nodes/register", "{not json", 400],
      ["/api/nodes/register", "", 400],
      ["/api/nodes/register", "[]", 400],
      ["/api/nodes/register", "null", 400],
      ["/api/nodes/register", { password: 42 }, 400],
      ["/api/nodes/register", {}, 400],
      ["/api/nodes/register", { password: "x".repeat(17 * 1024) }, 413],
      ["/api/nodes/active/login", "]", 400],
      ["/api/nodes/active/login", { ...login, syncport: "4000" }, 400],
      ["/api/nodes/active/login", { ...login, clientport: undefined }, 400],
      ["/api/nodes/active/login", { ...login, id: -1 }, 400],
      ["/api/nodes/active/login", { ...login, load: "many" }, 400],
      ["/api/nodes/active/login", { ...login, pad: "y".repeat(16 * 1024) }, 413],
      ["/api/nodes/active/logout", { id }, 400],
      ["/api/nodes/active/logout", { id: "1", password: "node-password" }, 400],
    ];
    for (const [path, body, status] of cases) {
      const response = await h.post(path, body);
      assert.equal(response.status, status, `${path} ${JSON.stringify(body).slice(0, 60)}`);
      const answer = await response.json();
      assert.equal(typeof answer.error, "string");
    }
    assert.equal(await h.dump(), before);
  });
});

Deno.test("a body over 16 KiB without content-length still gets 413", async () => {
  await withApp(async (h) => {
    const chunk = new TextEncoder().encode(`{"password":"${"z".repeat(4096)}`);
    let sent = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent++ < 8) controller.enqueue(chunk);
        else controller.close();
      },
    });
    const response = await h.request("/api/nodes/register", {
      method: "POST",
      headers: { authorization: `Bearer ${SECRET}` },
      body,
    });
    assert.equal(response.status, 413);
    assert.equal(typeof (await response.json()).error, "string");
  });
});

Deno.test("unknown routes and methods get 404 JSON", async () => {
  await withApp(async (h) => {
    for (
      const [method, path] of [["GET", "/nope"], ["GET", "/api/nodes/register"], [
        "DELETE",
        "/api/clients",
      ]]
    ) {
      const response = await h.request(path, { method });
      assert.equal(response.status, 404, `${method} ${path}`);
      assert.equal(typeof (await response.json()).error, "string");
    }
  });
});

Deno.test("POST /api/nodes/active/login lists the node under a dialable address, others alive", async () => {
  await withApp(async (h) => {
    const first = await h.register();
    const second = await h.register();
    const answer = await (await h.login(first)).json();
    assert.deepEqual(answer, {
      id: first,
      syncport: 4000 + first,
      clientport: 4000 + first,
      address: "10.9.8.7",
      ttl: 10,
      activeNodes: [],
    });
    const secondAnswer =
      await (await h.login(second, { address: "node-b.example", load: 3, region: "eu" })).json();
    assert.equal(secondAnswer.address, "node-b.example");
    assert.deepEqual(secondAnswer.activeNodes, [
      { id: first, address: "10.9.8.7", syncport: 4001, clientport: 4001, load: 0 },
    ]);
    // An unspecified advertised address falls back to where the request came from.
    assert.equal((await (await h.login(first, { address: "0.0.0.0" })).json()).address, "10.9.8.7");
    const listed = await (await h.request("/api/nodes/active")).json();
    assert.deepEqual(listed.activeNodes, [
      { id: first, address: "10.9.8.7", syncport: 4001, clientport: 4001, load: 0 },
      {
        id: second,
        address: "node-b.example",
        syncport: 4002,
        clientport: 4002,
        load: 3,
        region: "eu",
      },
    ]);
  });
});

Deno.test("login with a transport lists it in /api/nodes/active, never in /api/clients", async () => {
  await withApp(async (h) => {
    const id = await h.register();
    const answer = await h.login(id, { address: "10.0.0.9", transport: "nats" });
    assert.equal(answer.status, 200);
    await answer.body?.cancel();
    const listed = await (await h.request("/api/nodes/active")).json();
    assert.equal(listed.activeNodes[0].transport, "nats");
    const clients = await (await h.request("/api/clients")).json();
    assert.deepEqual(clients.activeNodes, [{ address: "10.0.0.9", clientport: 4000 + id }]);
    const bad = await h.login(id, { transport: "pigeon" });
    assert.equal(bad.status, 400);
    await bad.body?.cancel();
  });
});

Deno.test("login with a syncaddress lists it for peers, and /api/clients keeps address", async () => {
  await withApp(async (h) => {
    const id = await h.register();
    const other = await h.register();
    // A container publishing its port on the host's loopback: clients there, peers inside.
    const extra = { address: "127.0.0.1", syncaddress: "node1", clientport: 3001, syncport: 3000 };
    assert.equal((await h.login(id, extra)).status, 200);
    const listed = await (await h.request("/api/nodes/active")).json();
    assert.deepEqual(listed.activeNodes, [
      { id, address: "127.0.0.1", syncport: 3000, clientport: 3001, syncaddress: "node1", load: 0 },
    ]);
    const answer = await (await h.login(other)).json();
    assert.equal(answer.activeNodes[0].syncaddress, "node1");
    const clients = await (await h.request("/api/clients")).json();
    assert.deepEqual(
      clients.activeNodes.find((e: { clientport: number }) => e.clientport === 3001),
      {
        address: "127.0.0.1",
        clientport: 3001,
      },
    );
    // One that cannot be dialled, or equals address, is not listed: peers use address.
    for (const syncaddress of ["0.0.0.0", "127.0.0.1"]) {
      await h.login(id, { ...extra, syncaddress });
      const [node] = (await (await h.request("/api/nodes/active")).json()).activeNodes;
      assert.equal("syncaddress" in node, false, syncaddress);
    }
  });
});

Deno.test("login without any usable address gets 400", async () => {
  await withApp(async (h) => {
    const id = await h.register();
    const response = await h.request("/api/nodes/active/login", {
      method: "POST",
      headers: { authorization: `Bearer ${SECRET}` },
      body: JSON.stringify({ id, password: "node-password", syncport: 1, clientport: 1 }),
      peer: null,
    });
    assert.equal(response.status, 400);
    assert.deepEqual(await activeIds(h), []);
  });
});

Deno.test("a node that stops heartbeating leaves the lists at its deadline", async () => {
  await withApp(async (h) => {
    const quiet = await h.register();
    const chatty = await h.register();
    await h.login(quiet);
    await h.login(chatty);
    h.clock.advanceMs(6000);
    await h.login(chatty);
    assert.deepEqual(await activeIds(h), [quiet, chatty]);
    h.clock.advanceMs(4001);
    assert.deepEqual(await activeIds(h), [chatty]);
    const clients = await (await h.request("/api/clients")).json();
    assert.deepEqual(clients.activeNodes, [{ address: "10.9.8.7", clientport: 4000 + chatty }]);
  });
});

Deno.test("POST /api/nodes/active/logout removes the node and lists the others", async () => {
  await withApp(async (h) => {
    const a = await h.register();
    const b = await h.register();
    await h.login(a);
    await h.login(b);
    const response = await h.post("/api/nodes/active/logout", { id: a, password: "node-password" });
    assert.equal(response.status, 200);
    assert.deepEqual((await response.json()).activeNodes.map((n: { id: number }) => n.id), [b]);
    assert.deepEqual(await activeIds(h), [b]);
    // Logging out again is harmless.
    assert.equal(
      (await h.post("/api/nodes/active/logout", { id: a, password: "node-password" })).status,
      200,
    );
  });
});

Deno.test("GET /api/clients ranks by region, then load, with exactly address then clientport", async () => {
  await withApp(async (h) => {
    const ids = [await h.register(), await h.register(), await h.register(), await h.register()];
    await h.login(ids[0], { address: "10.0.0.1", load: 9, region: "eu" });
    await h.login(ids[1], { address: "10.0.0.2", load: 1, region: "us" });
    await h.login(ids[2], { address: "10.0.0.3", load: 0 });
    await h.login(ids[3], { address: "10.0.0.4", load: 4, region: "eu" });
    const plain = await (await h.request("/api/clients")).json();
    assert.deepEqual(plain.activeNodes.map((e: { address: string }) => e.address), [
      "10.0.0.3",
      "10.0.0.2",
      "10.0.0.4",
      "10.0.0.1",
    ]);
    for (const entry of plain.activeNodes) {
      assert.deepEqual(Object.keys(entry), ["address", "clientport"]);
    }
    const eu = await (await h.request("/api/clients?region=eu")).json();
    assert.deepEqual(eu.activeNodes.map((e: { address: string }) => e.address), [
      "10.0.0.4",
      "10.0.0.1",
      "10.0.0.3",
      "10.0.0.2",
    ]);
    // A heartbeat's new load re-ranks.
    await h.login(ids[0], { address: "10.0.0.1", load: 0, region: "eu" });
    const rebalanced = await (await h.request("/api/clients?region=eu")).json();
    assert.equal(rebalanced.activeNodes[0].address, "10.0.0.1");
  });
});

Deno.test("GET /api/nodes/watch needs the Bearer cluster secret", async () => {
  await withApp(async (h) => {
    for (
      const headers of [{}, { authorization: "Bearer wrong-secret" }] as Array<
        Record<string, string>
      >
    ) {
      const response = await h.request("/api/nodes/watch", { headers });
      assert.equal(response.status, 401);
      assert.match((await response.json()).error, /cluster secret/);
    }
  });
});

Deno.test("GET /api/nodes/watch streams a snapshot, then joined, left and expired", async () => {
  await withApp(async (h) => {
    const early = await h.register();
    await h.login(early);
    const response = await h.request("/api/nodes/watch", WATCH_AUTH);
    assert.equal(response.status, 200);
    assert.match(response.headers.get("content-type") ?? "", /^text\/event-stream/);
    const sse = readSse(response);
    try {
      const snapshot = await sse.next();
      assert.equal(snapshot.event, "snapshot");
      assert.deepEqual(JSON.parse(snapshot.data).activeNodes.map((n: { id: number }) => n.id), [
        early,
      ]);

      const late = await h.register();
      await h.login(late, { address: "10.1.1.1" });
      const joined = await sse.next();
      assert.equal(joined.event, "joined");
      assert.deepEqual(JSON.parse(joined.data), {
        id: late,
        address: "10.1.1.1",
        syncport: 4000 + late,
        clientport: 4000 + late,
        load: 0,
      });

      await h.post("/api/nodes/active/logout", { id: late, password: "node-password" });
      const left = await sse.next();
      assert.equal(left.event, "left");
      assert.equal(JSON.parse(left.data).id, late);

      // `early` stops heartbeating: the stream's sweep nudge reports it once its deadline passes.
      h.clock.advanceMs(10_001);
      const expired = await sse.next();
      assert.equal(expired.event, "expired");
      assert.equal(JSON.parse(expired.data).id, early);
      assert.ok(Number(expired.id) > Number(left.id));
    } finally {
      await sse.close();
    }
  }, { sweepIntervalMs: 50 });
});

Deno.test("GET /api/nodes/watch sends keepalive comments on a quiet stream", async () => {
  await withApp(async (h) => {
    const sse = readSse(await h.request("/api/nodes/watch", WATCH_AUTH));
    try {
      assert.equal((await sse.next()).event, "snapshot");
      await sse.waitForRawText(": keepalive\n\n");
    } finally {
      await sse.close();
    }
  }, { keepaliveIntervalMs: 50 });
});

Deno.test("reclaim: a node this KV forgot takes its id back, and the counter moves past it", async () => {
  await withApp(async (h) => {
    assert.equal((await h.login(7)).status, 401, "unknown to this KV: login is refused");
    const reclaimed = await h.post("/api/nodes/reclaim", { id: 7, password: "node-password" });
    assert.equal(reclaimed.status, 200);
    assert.deepEqual(await reclaimed.json(), { id: 7, reclaimed: true });
    assert.equal((await h.login(7)).status, 200);
    assert.deepEqual(await activeIds(h), [7]);
    assert.equal(await h.register(), 8, "the next id handed out is past the reclaimed one");
  });
});

Deno.test("reclaim: a known id needs its password, and the cluster secret is required", async () => {
  await withApp(async (h) => {
    const id = await h.register("right");
    const again = await h.post("/api/nodes/reclaim", { id, password: "right" });
    assert.deepEqual([again.status, await again.json()], [200, { id, reclaimed: false }]);
    const before = await h.dump();
    const wrong = await h.post("/api/nodes/reclaim", { id, password: "wrong" });
    assert.equal(wrong.status, 401);
    await wrong.body?.cancel();
    const noSecret = await h.post("/api/nodes/reclaim", { id: 99, password: "x" }, {
      secret: null,
    });
    assert.equal(noSecret.status, 401);
    await noSecret.body?.cancel();
    const bad = await h.post("/api/nodes/reclaim", { id: "99", password: "x" });
    assert.equal(bad.status, 400);
    await bad.body?.cancel();
    assert.equal(await h.dump(), before, "refused reclaims change nothing");
  });
});
