import { expect, test } from "bun:test";
import { failoverUrls } from "./failover_urls.ts";

test("failoverUrls() turns /api/clients entries into WebSocket URLs, skipping bad ones", () => {
  const body = {
    activeNodes: [
      { address: "127.0.0.1", clientport: 4001 },
      { address: "::1", clientport: 4002 },
      { address: "node-3.example", clientport: 4003 },
      { address: "evil/path", clientport: 1 },
      { address: "10.0.0.9", clientport: 70000 },
      { address: 5, clientport: 1 },
      null,
    ],
  };
  expect(failoverUrls(body, false)).toEqual([
    "ws://127.0.0.1:4001/",
    "ws://[::1]:4002/",
    "ws://node-3.example:4003/",
  ]);
  expect(failoverUrls(body, true)[0]).toBe("wss://127.0.0.1:4001/");
  expect(failoverUrls({}, false)).toEqual([]);
  expect(failoverUrls(null, false)).toEqual([]);
});
