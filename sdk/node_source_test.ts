import { test } from "node:test";
import assert from "node:assert/strict";
import { discoveryNodeSource } from "./discovery_source.ts";
import { nodeHttpUrl, nodeListSource } from "./node_list_source.ts";
import { nodeWebSocketUrl, orderCandidates, parseClientNodes } from "./node_source.ts";

/** A fetch that answers from a function, recording the URLs and headers it was asked. */
function fakeFetch(answer: (url: string) => Response | Error) {
  const asked: { url: string; authorization?: string }[] = [];
  const fetch = (input: RequestInfo | URL, init?: RequestInit) => {
    const url = String(input);
    const headers = new Headers(init?.headers);
    asked.push({ url, authorization: headers.get("authorization") ?? undefined });
    const result = answer(url);
    return result instanceof Error ? Promise.reject(result) : Promise.resolve(result);
  };
  return { fetch: fetch as typeof globalThis.fetch, asked };
}

const signal = new AbortController().signal;
const oneNode = () => Response.json({ activeNodes: [{ address: "127.0.0.1", clientport: 4000 }] });

test("nodeWebSocketUrl() builds ws:// and wss:// URLs, IPv6 in brackets", () => {
  assert.equal(nodeWebSocketUrl({ address: "127.0.0.1", clientport: 9 }), "ws://127.0.0.1:9/");
  assert.equal(nodeWebSocketUrl({ address: "::1", clientport: 9 }), "ws://[::1]:9/");
  assert.equal(
    nodeWebSocketUrl({ address: "a.example", clientport: 9 }, true),
    "wss://a.example:9/",
  );
  assert.equal(nodeHttpUrl("wss://[::1]:9/"), "https://[::1]:9");
});

test("parseClientNodes() keeps well-formed entries and rejects other shapes", () => {
  const entries = [
    { address: "a", clientport: 1 },
    { address: "", clientport: 2 },
    { address: "b", clientport: 70000 },
    { address: "evil/path?x", clientport: 3 },
    { address: "::1", clientport: 4 },
    null,
  ];
  assert.deepEqual(parseClientNodes({ activeNodes: entries }), [
    { address: "a", clientport: 1 },
    { address: "::1", clientport: 4 },
  ]);
  assert.throws(() => parseClientNodes({ nodes: [] }), /activeNodes/);
});

test("orderCandidates() tries the node just lost last", () => {
  assert.deepEqual(orderCandidates(["a", "b", "c", "a"], "a"), ["b", "c", "a"]);
  assert.deepEqual(orderCandidates(["a", "b"], "z"), ["a", "b"]);
  assert.deepEqual(orderCandidates(["a", "b"]), ["a", "b"]);
});

test("discoveryNodeSource() falls back to the last list when discovery is down", async () => {
  let up = true;
  const { fetch } = fakeFetch(() => up ? oneNode() : new TypeError("error: connection refused"));
  const discoveryUrl = "http://discovery.test:8080";
  const source = discoveryNodeSource({ discoveryUrl, fetch });
  assert.deepEqual(await source.candidates(signal), ["ws://127.0.0.1:4000/"]);
  up = false;
  assert.deepEqual(await source.candidates(signal), ["ws://127.0.0.1:4000/"]);
  assert.equal(
    source.lastError(),
    "Cannot reach discovery at http://discovery.test:8080: connection refused",
  );
  const fresh = discoveryNodeSource({ discoveryUrl, fetch });
  await assert.rejects(fresh.candidates(signal), /^Error: Cannot reach discovery at /);
});

test("discoveryNodeSource() asks for the client's region first, and says what a bad answer is", async () => {
  const { fetch, asked } = fakeFetch((url) =>
    url.includes("bad") ? new Response("{}", { status: 200 }) : oneNode()
  );
  await discoveryNodeSource({ discoveryUrl: "http://d", region: "eu-west", fetch }).candidates(
    signal,
  );
  await discoveryNodeSource({ discoveryUrl: "http://d", fetch }).candidates(signal);
  assert.deepEqual(asked.map((a) => a.url), [
    "http://d/api/clients?region=eu-west",
    "http://d/api/clients",
  ]);
  await assert.rejects(
    discoveryNodeSource({ discoveryUrl: "http://bad", fetch }).candidates(signal),
    /^Error: Cannot use discovery at http:\/\/bad: the answer has no activeNodes list$/,
  );
});

test("nodeListSource() puts its node first, then the peers that node listed", async () => {
  const { fetch, asked } = fakeFetch(() =>
    Response.json({ activeNodes: [{ address: "10.0.0.2", clientport: 4001 }] })
  );
  const source = nodeListSource({
    nodeUrls: ["wss://10.0.0.1:4000/"],
    askOnly: (url) => url === "wss://10.0.0.1:4000/",
    fetch,
    token: () => "T",
  });
  assert.deepEqual(await source.candidates(signal), ["wss://10.0.0.1:4000/"]);
  await source.connectedTo!("wss://10.0.0.9:4000/", signal); // not its own node: not asked
  assert.equal(asked.length, 0);
  await source.connectedTo!("wss://10.0.0.1:4000/", signal);
  assert.deepEqual(asked, [{
    url: "https://10.0.0.1:4000/api/clients",
    authorization: "Bearer T",
  }]);
  assert.deepEqual(await source.candidates(signal), [
    "wss://10.0.0.1:4000/",
    "wss://10.0.0.2:4001/",
  ]);
});
