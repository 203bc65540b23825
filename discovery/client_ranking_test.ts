import assert from "node:assert/strict";
import type { ActiveNode } from "../common/discovery_protocol.ts";
import { rankNodesForClients } from "./client_ranking.ts";

function node(id: number, load: number, region?: string): ActiveNode {
  const value: ActiveNode = {
    id,
    address: `10.0.0.${id}`,
    syncport: 4000 + id,
    clientport: 5000 + id,
    load,
  };
  if (region) value.region = region;
  return value;
}

Deno.test("rankNodesForClients() puts the least loaded first, with exactly address and clientport", () => {
  const ranked = rankNodesForClients([node(1, 9), node(2, 0), node(3, 4)]);
  assert.deepEqual(ranked.map((entry) => entry.clientport), [5002, 5003, 5001]);
  for (const entry of ranked) assert.deepEqual(Object.keys(entry), ["address", "clientport"]);
});

Deno.test("rankNodesForClients() puts the asking client's region first, then load", () => {
  const nodes = [node(1, 0, "us"), node(2, 7, "eu"), node(3, 3, "eu"), node(4, 1)];
  const ranked = rankNodesForClients(nodes, { region: "eu" });
  assert.deepEqual(ranked.map((entry) => entry.address), [
    "10.0.0.3",
    "10.0.0.2",
    "10.0.0.1",
    "10.0.0.4",
  ]);
});

Deno.test("rankNodesForClients() shuffles ties", () => {
  const nodes = [node(1, 2), node(2, 2), node(3, 2)];
  const firsts = new Set<string>();
  for (let i = 0; i < 200; i++) firsts.add(rankNodesForClients(nodes)[0].address);
  assert.equal(firsts.size, 3);
  // With a fixed random source the order is the tie-break order.
  let n = 0;
  const descending = () => 1 - (++n) / 10;
  assert.deepEqual(
    rankNodesForClients(nodes, { random: descending }).map((entry) => entry.address),
    ["10.0.0.3", "10.0.0.2", "10.0.0.1"],
  );
});
