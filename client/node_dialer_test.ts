import { test } from "node:test";
import assert from "node:assert/strict";
import { describeDialError, dialNode } from "./node_dialer.ts";

test("describeDialError() turns Deno's errors into one plain reason", () => {
  assert.equal(
    describeDialError("NetworkError: failed to connect to WebSocket: Invalid status code: 401"),
    "the node refused the connection (HTTP 401)",
  );
  assert.equal(
    describeDialError("NetworkError: failed to connect to WebSocket: tcp connect error"),
    "connection refused",
  );
  assert.equal(describeDialError(""), "refused or unreachable");
});

test("dialNode() rejects with 'Cannot connect to URL: reason' when nobody listens", async () => {
  const probe = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const url = `ws://127.0.0.1:${(probe.addr as Deno.NetAddr).port}/`;
  probe.close();
  await assert.rejects(dialNode(url, { timeoutMs: 10_000 }), {
    message: `Cannot connect to ${url}: connection refused`,
  });
});

test("dialNode() keeps frames that arrive before listen()", async () => {
  const server = Deno.serve({ port: 0, hostname: "127.0.0.1", onListen() {} }, (request) => {
    const { socket, response } = Deno.upgradeWebSocket(request);
    socket.onopen = () => {
      socket.send("one");
      socket.send("two");
      socket.close(1000, "done");
    };
    return response;
  });
  try {
    const connection = await dialNode(`ws://127.0.0.1:${server.addr.port}/`, {});
    const closed = await connection.closed; // both frames and the close came before any listener
    assert.equal(closed.code, 1000);
    const received: string[] = [];
    connection.listen((text) => received.push(text));
    assert.deepEqual(received, ["one", "two"]);
  } finally {
    await server.shutdown();
  }
});
