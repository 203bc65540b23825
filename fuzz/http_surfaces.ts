/**
 * The two HTTP surfaces wired to real processes: discovery's write endpoints
 * (with a node the fuzzer registers and logs in itself) and a node's REST API.
 * Each says what must stay unchanged under refused input: discovery's active
 * list and its id counter (the next registration gets the next id), the node's
 * stored messages, vector and chats.
 *
 * Invariant: the discovery surface only ever logs in its own fake node.
 * @module
 */

import { DiscoveryCaseSource, type KnownNode } from "./discovery_cases.ts";
import type { HttpSurface } from "./http_fuzzer.ts";
import { NodeHttpCaseSource } from "./node_http_cases.ts";
import { type FuzzTarget, readNodeState } from "./node_state.ts";
import type { SeededRandom } from "../chaos/seeded_random.ts";

interface DiscoveryTarget {
  url: string;
  pid: number | undefined;
  secret: string;
}

async function post(
  url: string,
  secret: string,
  body: unknown,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${secret}` },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: await response.json() as Record<string, unknown> };
}

async function register(discovery: DiscoveryTarget, password: string): Promise<number> {
  const answer = await post(`${discovery.url}/api/nodes/register`, discovery.secret, { password });
  if (answer.status !== 200 || typeof answer.body.id !== "number") {
    throw new Error(
      `Cannot register the fuzzer's node: ${answer.status} ${JSON.stringify(answer.body)}`,
    );
  }
  return answer.body.id;
}

export async function discoverySurface(
  discovery: DiscoveryTarget,
  random: SeededRandom,
  otherIds: number[],
): Promise<HttpSurface> {
  const password = `fuzz-${random.int(0, 1e9)}`;
  const fakeNode: KnownNode = { id: await register(discovery, password), password };
  const login = () =>
    post(`${discovery.url}/api/nodes/active/login`, discovery.secret, {
      id: fakeNode.id,
      password,
      syncport: 1,
      clientport: 1,
      address: "10.9.9.9",
    });
  if ((await login()).status !== 200) throw new Error("Cannot log the fuzzer's node in");
  const source = new DiscoveryCaseSource({ random, secret: discovery.secret, fakeNode, otherIds });
  let lastRegisteredId = 0;
  return {
    name: "discovery bodies (POST /api/nodes/...)",
    baseUrl: discovery.url,
    pid: discovery.pid,
    next: (options) => source.next(options),
    async beforeUnchanged() {
      await login();
      lastRegisteredId = await register(discovery, "counter-before");
    },
    async snapshot() {
      const active = await (await fetch(`${discovery.url}/api/nodes/active`)).json() as {
        activeNodes: Record<string, unknown>[];
      };
      // `load` is what nodes report with each heartbeat (their client count), not the fuzzer's.
      const nodes = active.activeNodes.map(({ load: _load, ...node }) => node)
        .sort((a, b) => (a.id as number) - (b.id as number));
      return JSON.stringify(nodes);
    },
    async proveStillWorks() {
      const id = await register(discovery, "counter-after");
      if (id !== lastRegisteredId + 1) {
        return `registered ${id} after ${lastRegisteredId}: an id was used`;
      }
      const answer = await login();
      return answer.status === 200
        ? undefined
        : `the fuzzer's node cannot log in: ${answer.status}`;
    },
  };
}

export function nodeHttpSurface(target: FuzzTarget, random: SeededRandom): HttpSurface {
  const source = new NodeHttpCaseSource(random);
  return {
    name: "node REST (POST /api/chats/:id/messages, GET queries)",
    baseUrl: target.url,
    pid: target.pid,
    next: (options) => source.next(options),
    snapshot: async () => JSON.stringify(await readNodeState(target)),
    async proveStillWorks() {
      const text = `still works ${random.int(0, 1e9)}`;
      const response = await fetch(`${target.url}/api/chats/11/messages`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ text, sender: "fuzz" }),
      });
      if (response.status !== 201) {
        return `a valid POST got ${response.status} ${await response.text()}`;
      }
      const messages = await (await fetch(`${target.url}/api/chats/11/messages?limit=5`))
        .json() as { text: string }[];
      return messages.some((message) => message.text === text)
        ? undefined
        : "the stored message is not in history";
    },
  };
}
