import assert from "node:assert/strict";
import { createDiscovery } from "./app.ts";
import { createManualClock } from "../common/clock.ts";

const SECRET = "test-cluster-secret-0123456789abcdef";

async function withDiscovery(
  run: (call: (path: string, init?: RequestInit) => Promise<Response>, state: {
    serving: boolean;
  }) => Promise<void>,
) {
  const kv = await Deno.openKv(":memory:");
  const state = { serving: true };
  const { app } = createDiscovery({
    kv,
    clock: createManualClock(),
    config: { clusterSecret: SECRET, passwordHashIterations: 1000 },
    serving: () => state.serving,
    build: { version: "9.8.7", runtime: "deno test" },
  });
  const call = (path: string, init: RequestInit = {}) =>
    Promise.resolve(app.request(path, init, { remoteAddr: { hostname: "127.0.0.1" } }));
  try {
    await run(call, state);
  } finally {
    kv.close();
  }
}

function post(path: string, body: unknown): [string, RequestInit] {
  return [path, {
    method: "POST",
    headers: { authorization: `Bearer ${SECRET}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  }];
}

async function registerAndLogin(
  call: (path: string, init?: RequestInit) => Promise<Response>,
  login: Record<string, unknown>,
): Promise<Response> {
  const { id } = await (await call(...post("/api/nodes/register", { password: "pw" }))).json();
  return await call(...post("/api/nodes/active/login", { id, password: "pw", ...login }));
}

Deno.test("GET / answers 503 with a page saying no node is up", async () => {
  await withDiscovery(async (call) => {
    const response = await call("/");
    assert.equal(response.status, 503);
    assert.match(response.headers.get("content-type") ?? "", /text\/html/);
    const page = await response.text();
    assert.match(page, /No chat node is up right now/);
    assert.match(page, /http-equiv="refresh"/);
  });
});

Deno.test("GET / redirects to the live node's page with its scheme and the query string", async () => {
  await withDiscovery(async (call) => {
    const login = await registerAndLogin(call, {
      syncport: 4443,
      clientport: 4443,
      address: "127.0.0.1",
      tls: true,
    });
    assert.equal(login.status, 200);
    const response = await call("/?chat=42");
    assert.equal(response.status, 302);
    assert.equal(response.headers.get("location"), "https://127.0.0.1:4443/?chat=42");
    assert.equal(response.headers.get("cache-control"), "no-store");
    const active = await (await call("/api/nodes/active")).json();
    assert.equal(active.activeNodes[0].tls, true);
    const clients = await (await call("/api/clients")).json();
    assert.deepEqual(clients.activeNodes, [{ address: "127.0.0.1", clientport: 4443 }]);
  });
});

Deno.test("GET / sends plain nodes to http://, IPv6 in brackets; a bad tls value is a 400", async () => {
  await withDiscovery(async (call) => {
    const bad = await registerAndLogin(call, { syncport: 1, clientport: 1, tls: "yes" });
    assert.equal(bad.status, 400);
    assert.match((await bad.json()).error, /tls must be a boolean/);
    await registerAndLogin(call, { syncport: 3001, clientport: 3001, address: "::1" });
    const response = await call("/");
    assert.equal(response.headers.get("location"), "http://[::1]:3001/");
  });
});

Deno.test("/readyz: 200 while serving, 503 while draining", async () => {
  await withDiscovery(async (call, state) => {
    const ready = await call("/readyz");
    assert.equal(ready.status, 200);
    assert.deepEqual(await ready.json(), { ready: true });
    state.serving = false;
    const draining = await call("/readyz");
    assert.equal(draining.status, 503);
    assert.deepEqual(await draining.json(), { ready: false, phase: "draining" });
    assert.equal((await call("/healthz")).status, 200);
  });
});

Deno.test("/metrics: build info, registrations, heartbeats, events, live nodes, statuses", async () => {
  await withDiscovery(async (call) => {
    await registerAndLogin(call, { syncport: 3001, clientport: 3001 });
    await call("/nope");
    const response = await call("/metrics");
    assert.match(response.headers.get("content-type") ?? "", /^text\/plain; version=0\.0\.4/);
    const text = await response.text();
    for (
      const line of [
        'dsatter_build_info{version="9.8.7",runtime="deno test"} 1',
        "dsatter_discovery_registrations_total 1",
        "dsatter_discovery_heartbeats_total 1",
        'dsatter_discovery_membership_events_total{kind="joined"} 1',
        "dsatter_discovery_active_nodes 1",
        'dsatter_discovery_requests_total{status="200"} 2',
        'dsatter_discovery_requests_total{status="404"} 1',
      ]
    ) assert.ok(text.includes(line), `${line}\n---\n${text}`);
  });
});
