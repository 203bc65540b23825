import { test } from "node:test";
import assert from "node:assert/strict";
import {
  discoveryNodeSource,
  nodeWebSocketUrl,
  orderCandidates,
  parseClientNodes,
} from "./node_source.ts";

test("nodeWebSocketUrl() builds ws:// URLs, IPv6 in brackets", () => {
  assert.equal(nodeWebSocketUrl({ address: "127.0.0.1", clientport: 9 }), "ws://127.0.0.1:9/");
  assert.equal(nodeWebSocketUrl({ address: "::1", clientport: 9 }), "ws://[::1]:9/");
});

test("parseClientNodes() keeps well-formed entries and rejects other shapes", () => {
  assert.deepEqual(
    parseClientNodes({
      activeNodes: [{ address: "a", clientport: 1 }, { address: "", clientport: 2 }, {
        address: "b",
        clientport: 70000,
      }],
    }),
    [{ address: "a", clientport: 1 }],
  );
  assert.throws(() => parseClientNodes({ nodes: [] }), /activeNodes/);
});

test("orderCandidates() tries the node just lost last", () => {
  assert.deepEqual(orderCandidates(["a", "b", "c", "a"], "a"), ["b", "c", "a"]);
  assert.deepEqual(orderCandidates(["a", "b"], "z"), ["a", "b"]);
  assert.deepEqual(orderCandidates(["a", "b"]), ["a", "b"]);
});

test("discoveryNodeSource() falls back to the last list when discovery is down", async () => {
  const server = Deno.serve(
    { port: 0, hostname: "127.0.0.1", onListen() {} },
    () => Response.json({ activeNodes: [{ address: "127.0.0.1", clientport: 4000 }] }),
  );
  const discoveryUrl = `http://127.0.0.1:${server.addr.port}`;
  const source = discoveryNodeSource({ discoveryUrl, timeoutMs: 5000 });
  const signal = new AbortController().signal;
  try {
    assert.deepEqual(await source.candidates(signal), ["ws://127.0.0.1:4000/"]);
  } finally {
    await server.shutdown();
  }
  assert.deepEqual(await source.candidates(signal), ["ws://127.0.0.1:4000/"]);
  assert.match(source.lastError() ?? "", /^Cannot reach discovery at http:\/\/127\.0\.0\.1:\d+: /);
  const fresh = discoveryNodeSource({ discoveryUrl, timeoutMs: 5000 });
  await assert.rejects(fresh.candidates(signal), /^Error: Cannot reach discovery at /);
});

test("discoveryNodeSource() asks discovery for the client's region first", async () => {
  const asked: string[] = [];
  const server = Deno.serve({ port: 0, hostname: "127.0.0.1", onListen() {} }, (request) => {
    asked.push(new URL(request.url).search);
    return Response.json({ activeNodes: [{ address: "127.0.0.1", clientport: 4000 }] });
  });
  const discoveryUrl = `http://127.0.0.1:${server.addr.port}`;
  const signal = new AbortController().signal;
  try {
    await discoveryNodeSource({ discoveryUrl, region: "eu-west" }).candidates(signal);
    await discoveryNodeSource({ discoveryUrl }).candidates(signal);
  } finally {
    await server.shutdown();
  }
  assert.deepEqual(asked, ["?region=eu-west", ""]);
});
