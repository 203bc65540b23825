/**
 * The node write routes (PROTOCOL.md section 2): register, login (heartbeat), logout and
 * reclaim, with the cluster secret, node passwords, and bad input that changes nothing.
 */
import assert from "node:assert/strict";
import { activeIds, SECRET, withApp } from "./testing/discovery_app_harness.ts";

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
