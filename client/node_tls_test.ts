import { test } from "node:test";
import assert from "node:assert/strict";
import { applyTls, tlsAwareNodeSource, tlsEndpoints } from "./node_tls.ts";
import { staticNodeSource } from "../sdk/node_source.ts";

test("tlsEndpoints() keeps the nodes that say tls: true", () => {
  const tls = tlsEndpoints({
    activeNodes: [
      { id: 1, address: "127.0.0.1", clientport: 4001, tls: true },
      { id: 2, address: "127.0.0.1", clientport: 4002 },
      { id: 3, address: "[::1]", clientport: 4003, tls: true },
      { id: 4, address: "::1", clientport: 4004, tls: "yes" },
    ],
  });
  assert.deepEqual([...tls], ["127.0.0.1:4001", "[::1]:4003"]);
  assert.deepEqual([...tlsEndpoints({ nodes: [] })], []);
});

test("applyTls() changes only the scheme of listed endpoints", () => {
  const tls = new Set(["127.0.0.1:4001", "[::1]:4003"]);
  assert.equal(applyTls("ws://127.0.0.1:4001/", tls), "wss://127.0.0.1:4001/");
  assert.equal(applyTls("ws://127.0.0.1:4002/", tls), "ws://127.0.0.1:4002/");
  assert.equal(applyTls("ws://[::1]:4003/", tls), "wss://[::1]:4003/");
  assert.equal(applyTls("wss://127.0.0.1:4002/", tls), "wss://127.0.0.1:4002/");
});

test("tlsAwareNodeSource() reads /api/nodes/active, keeps the last list, else the scheme", async () => {
  const source = staticNodeSource(["ws://127.0.0.1:4001/", "ws://127.0.0.1:4002/"]);
  let up = true;
  const fakeFetch = ((url: string) =>
    up
      ? Promise.resolve(Response.json({
        activeNodes: [{ id: 1, address: "127.0.0.1", clientport: 4001, tls: true }],
      }, { status: url.endsWith("/api/nodes/active") ? 200 : 404 }))
      : Promise.reject(new Error("down"))) as typeof fetch;
  const signal = new AbortController().signal;
  const aware = tlsAwareNodeSource(source, { discoveryUrl: "http://d:1", fetch: fakeFetch });
  const expected = ["wss://127.0.0.1:4001/", "ws://127.0.0.1:4002/"];
  assert.deepEqual(await aware.candidates(signal), expected);
  up = false;
  assert.deepEqual(await aware.candidates(signal), expected);
  const https = tlsAwareNodeSource(source, { discoveryUrl: "https://d:1", fetch: fakeFetch });
  assert.deepEqual(await https.candidates(signal), [
    "wss://127.0.0.1:4001/",
    "wss://127.0.0.1:4002/",
  ]);
});
