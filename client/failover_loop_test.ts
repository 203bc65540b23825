import { test } from "node:test";
import assert from "node:assert/strict";
import { type FailoverStatus, runFailoverLoop } from "./failover_loop.ts";
import { dialNode } from "./node_dialer.ts";
import { staticNodeSource } from "./node_source.ts";

/** A tiny WebSocket endpoint on a real socket: greets each connection, closes it on "bye". */
function greeter(name: string) {
  const server = Deno.serve({ port: 0, hostname: "127.0.0.1", onListen() {} }, (request) => {
    const { socket, response } = Deno.upgradeWebSocket(request);
    socket.onopen = () => socket.send(name);
    socket.onmessage = (event) => {
      if (event.data === "bye") socket.close(1001, "going away");
    };
    return response;
  });
  return { url: `ws://127.0.0.1:${server.addr.port}/`, server };
}

function until(condition: () => boolean, deadlineMs = 15_000): Promise<void> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const poll = () => {
      if (condition()) return resolve();
      if (Date.now() - started > deadlineMs) return reject(new Error("condition not reached"));
      setTimeout(poll, 10);
    };
    poll();
  });
}

test("runFailoverLoop() moves to the next node when the connection is lost, the lost one last", async () => {
  const a = greeter("A");
  const b = greeter("B");
  const dead = "ws://127.0.0.1:9/";
  const received: string[] = [];
  const statuses: FailoverStatus[] = [];
  let link: { send(text: string): void } | undefined;
  const controller = new AbortController();
  const loop = runFailoverLoop({
    session: {
      attach: (l) => link = l,
      detach: () => link = undefined,
      receive: (text) => received.push(text),
      ready: true,
    },
    source: staticNodeSource([dead, a.url, b.url]),
    dial: dialNode,
    signal: controller.signal,
    onStatus: (status) => statuses.push(status),
    backoff: { baseMs: 10, maxMs: 50 },
  });
  try {
    await until(() => received.includes("A"));
    link!.send("bye");
    await until(() => received.includes("B"));
    assert.deepEqual(received, ["A", "B"]);
    const kinds = statuses.map((s) => s.kind === "dialFailed" ? `failed ${s.url}` : s.kind);
    // The dead node is tried first both times; after losing A, B comes before A.
    assert.deepEqual(kinds.slice(0, 6), [
      `failed ${dead}`,
      "connected",
      "lost",
      "waiting",
      `failed ${dead}`,
      "connected",
    ]);
    const connected = statuses.filter((s) => s.kind === "connected").map((s) => s.url);
    assert.deepEqual(connected, [a.url, b.url]);
  } finally {
    controller.abort();
    await loop;
    await a.server.shutdown();
    await b.server.shutdown();
  }
  assert.equal(link, undefined);
});

test("runFailoverLoop() keeps retrying with backoff while nothing answers, until aborted", async () => {
  const statuses: FailoverStatus[] = [];
  const controller = new AbortController();
  const loop = runFailoverLoop({
    session: { attach() {}, detach() {}, receive() {}, ready: false },
    source: staticNodeSource(["ws://127.0.0.1:9/"]),
    dial: dialNode,
    signal: controller.signal,
    onStatus: (status) => statuses.push(status),
    backoff: { baseMs: 10, maxMs: 40, random: () => 1 },
  });
  await until(() => statuses.filter((s) => s.kind === "waiting").length >= 4);
  controller.abort();
  await loop;
  const delays = statuses.flatMap((s) => s.kind === "waiting" ? [s.delayMs] : []);
  assert.deepEqual(delays.slice(0, 4), [10, 20, 40, 40]);
});
