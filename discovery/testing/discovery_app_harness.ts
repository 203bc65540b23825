/**
 * The discovery app in-process for its route tests (app_test.ts, node_routes_test.ts,
 * watch_stream_test.ts): `createDiscovery` on an in-memory KV and a manual clock, requests
 * through `app.request()` with a peer address, the Bearer cluster secret on writes, and a
 * dump of the whole KV to show that a refused request changed nothing.
 *
 * Invariant: withApp() closes the KV and stops the app's loops, even when the test fails.
 * @module
 */

import assert from "node:assert/strict";
import { createDiscovery } from "../app.ts";
import { createManualClock } from "../../common/clock.ts";

export const SECRET = "test-cluster-secret-0123456789";
export const PEER = { remoteAddr: { hostname: "::ffff:10.9.8.7" } };
export const WATCH_AUTH = { headers: { authorization: `Bearer ${SECRET}` } };

export interface Harness {
  kv: Deno.Kv;
  clock: ReturnType<typeof createManualClock>;
  request(path: string, init?: RequestInit & { peer?: string | null }): Promise<Response>;
  post(path: string, body: unknown, options?: { secret?: string | null }): Promise<Response>;
  register(password?: string): Promise<number>;
  login(id: number, extra?: Record<string, unknown>, password?: string): Promise<Response>;
  dump(): Promise<string>;
}

export async function withApp(
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

export async function activeIds(h: Harness): Promise<number[]> {
  const body = await (await h.request("/api/nodes/active")).json();
  return body.activeNodes.map((node: { id: number }) => node.id);
}
