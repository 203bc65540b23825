/**
 * The discovery app's own routes: /healthz, unknown routes, and the read lists
 * (`GET /api/nodes/active`, `GET /api/clients`: who is listed, under which address,
 * in which order, until when). The node write routes: node_routes_test.ts; the watch
 * stream: watch_stream_test.ts.
 */
import assert from "node:assert/strict";
import { activeIds, withApp } from "./testing/discovery_app_harness.ts";

Deno.test("GET /healthz answers ok", async () => {
  await withApp(async (h) => {
    const response = await h.request("/healthz");
    assert.equal(response.status, 200);
    assert.deepEqual(await response.json(), { ok: true });
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
