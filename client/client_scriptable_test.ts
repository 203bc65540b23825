/**
 * The real client against real nodes (and discovery): `--send`, `--follow
 * --json`, piped stdin, and the one-line errors a script relies on.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnNode, TEST_CLUSTER_SECRET } from "../server/testing/spawn_node.ts";
import { isMessageFrame, openClient } from "../server/testing/ws_test_client.ts";
import { spawnDiscovery } from "../discovery/testing/spawn_discovery.ts";
import type { ChatMessage } from "../common/protocol.ts";
import {
  CLIENT_RUN_ARGS,
  DENO_PATH,
  REPO_ROOT,
  runClient,
  spawnClient,
} from "./testing/spawn_client.ts";

const CONTRACT_FIELDS = [
  "messageId",
  "nodeId",
  "seq",
  "chatId",
  "text",
  "sender",
  "dateTime",
  "lc",
];

test("client --send reaches a raw WebSocket client and exits 0 after the ack", async () => {
  const node = await spawnNode();
  try {
    const watcher = await openClient(node.wsUrl);
    try {
      const result = await runClient(["--server", node.wsUrl, "--name", "ann", "--send", "hi all"]);
      assert.equal(result.code, 0, result.stderr.join("\n"));
      assert.deepEqual(result.stdout, []);
      const frame = await watcher.next(isMessageFrame("hi all"));
      const [message] = frame.payload as ChatMessage[];
      assert.equal(message.sender, "ann");
      assert.equal(message.chatId, 11);
      assert.equal(typeof message.clientMsgId, "string");
    } finally {
      await watcher.close();
    }
  } finally {
    await node.stop();
  }
});

test("client --send fails over past a node that does not answer", async () => {
  const node = await spawnNode();
  const probe = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const deadUrl = `ws://127.0.0.1:${(probe.addr as Deno.NetAddr).port}/`;
  probe.close();
  try {
    const watcher = await openClient(node.wsUrl);
    try {
      const result = await runClient(["--server", `${deadUrl},${node.wsUrl}`, "--send", "second"]);
      assert.equal(result.code, 0, result.stderr.join("\n"));
      await watcher.next(isMessageFrame("second"));
    } finally {
      await watcher.close();
    }
  } finally {
    await node.stop();
  }
});

test("client --send takes name and chat from the remembered config, flags overriding it", async () => {
  const node = await spawnNode();
  const home = await Deno.makeTempDir({ prefix: "dsatter-client-home-" });
  try {
    await Deno.mkdir(`${home}/.config/dsatter`, { recursive: true });
    await Deno.writeTextFile(
      `${home}/.config/dsatter/config.json`,
      JSON.stringify({ name: "remembered", chat: 7, discovery: "http://127.0.0.1:1" }),
    );
    const watcher = await openClient(node.wsUrl);
    try {
      const first = await runClient(["--server", node.wsUrl, "--send", "from config"], {
        homeDir: home,
      });
      assert.equal(first.code, 0, first.stderr.join("\n"));
      const a = (await watcher.next(isMessageFrame("from config"))).payload as ChatMessage[];
      assert.deepEqual([a[0].sender, a[0].chatId], ["remembered", 7]);
      const second = await runClient(
        ["--server", node.wsUrl, "--chat", "8", "--name", "flag", "--send", "from flags"],
        { homeDir: home },
      );
      assert.equal(second.code, 0, second.stderr.join("\n"));
      const b = (await watcher.next(isMessageFrame("from flags"))).payload as ChatMessage[];
      assert.deepEqual([b[0].sender, b[0].chatId], ["flag", 8]);
    } finally {
      await watcher.close();
    }
  } finally {
    await node.stop();
    await Deno.remove(home, { recursive: true });
  }
});

test("client --send finds the node through discovery and uses --chat", async () => {
  const discovery = await spawnDiscovery({ clusterSecret: TEST_CLUSTER_SECRET });
  try {
    const node = await spawnNode({ extraArgs: ["--discovery", discovery.url] });
    try {
      const watcher = await openClient(node.wsUrl);
      try {
        // The node registers shortly after it listens: retrying within --timeout covers that.
        const result = await runClient(
          ["--discovery", discovery.url, "--name", "bo", "--chat", "12", "--send", "via discovery"],
        );
        assert.equal(result.code, 0, result.stderr.join("\n"));
        const frame = await watcher.next(isMessageFrame("via discovery"));
        assert.equal((frame.payload as ChatMessage[])[0].chatId, 12);
      } finally {
        await watcher.close();
      }
    } finally {
      await node.stop();
    }
  } finally {
    await discovery.stop();
  }
});

test("client --send exits non-zero with one line when no node acknowledges", async () => {
  const discovery = await spawnDiscovery({ clusterSecret: TEST_CLUSTER_SECRET });
  try {
    const empty = await runClient(["--discovery", discovery.url, "--send", "x", "--timeout", "2"]);
    assert.equal(empty.code, 1);
    assert.equal(empty.stderr.length, 1, empty.stderr.join("\n"));
    assert.match(empty.stderr[0], /^Cannot send message: no node acknowledged it within 2 s/);
  } finally {
    await discovery.stop();
  }
  // Nothing answers at all: it says so at once, without waiting out --timeout (30 s here).
  const started = Date.now();
  const unreachable = await runClient(
    ["--discovery", discovery.url, "--send", "x", "--timeout", "30"],
  );
  assert.equal(unreachable.code, 1);
  assert.equal(unreachable.stderr.length, 1);
  assert.match(
    unreachable.stderr[0],
    /^Cannot send message: nothing answered \(Cannot reach discovery at http:\/\/127\.0\.0\.1:\d+/,
  );
  const probe = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const closedPort = (probe.addr as Deno.NetAddr).port;
  probe.close();
  const refused = await runClient(
    ["--server", `ws://127.0.0.1:${closedPort}/`, "--send", "x", "--timeout", "30"],
  );
  assert.equal(refused.code, 1);
  assert.match(refused.stderr[0], /^Cannot send message: nothing answered \(Cannot connect to/);
  assert.ok(Date.now() - started < 20_000, "both gave up long before --timeout");

  const badUrl = await runClient(["--discovery", "localhost:8080/x", "--send", "x"]);
  assert.equal(badUrl.code, 2);
  assert.deepEqual(badUrl.stderr, [
    "Cannot use discovery URL localhost:8080/x: scheme localhost: is not http: or https:",
  ]);
});

test("client --follow exits 1 with one line when the node refuses", async () => {
  const server = Deno.serve(
    { port: 0, hostname: "127.0.0.1", onListen() {} },
    () => new Response("no", { status: 401 }),
  );
  try {
    const result = await runClient([
      "--server",
      `ws://127.0.0.1:${server.addr.port}/`,
      "--follow",
    ]);
    assert.equal(result.code, 1);
    assert.equal(result.stderr.length, 1, result.stderr.join("\n"));
    assert.match(result.stderr[0], /^Cannot connect to ws:\/\/127\.0\.0\.1:\d+\/: /);
  } finally {
    await server.shutdown();
  }
});

test("client --follow --json prints each message sent afterwards as one contract object", async () => {
  const node = await spawnNode();
  try {
    const sender = await openClient(node.wsUrl);
    // A message from before the follower started: not printed by --follow.
    sender.send({
      type: "newMessageFromClient",
      payload: { text: "old", sender: "s", chatId: 11 },
    });
    await sender.next(isMessageFrame("old"));
    const follower = await spawnClient(["--server", node.wsUrl, "--follow", "--json"]);
    try {
      await follower.waitForStderr((line) => line.startsWith("connected to node"));
      for (let i = 1; i <= 3; i++) {
        sender.send({
          type: "newMessageFromClient",
          payload: { text: `new ${i}`, sender: "s", chatId: 11, clientMsgId: `c${i}` },
        });
      }
      sender.send({
        type: "newMessageFromClient",
        payload: { text: "other", sender: "s", chatId: 5 },
      });
      await follower.waitForStdoutCount((line) => line.includes('"new 3"'), 1);
      const messages = follower.stdoutLines.map((line) => JSON.parse(line));
      assert.deepEqual(messages.map((m) => m.text), ["new 1", "new 2", "new 3"]);
      for (const message of messages) {
        assert.deepEqual(Object.keys(message), [...CONTRACT_FIELDS, "clientMsgId"]);
        assert.match(message.dateTime, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      }
    } finally {
      assert.equal(await follower.stop(), 0);
      await sender.close();
    }
  } finally {
    await node.stop();
  }
});

test("client --follow --json ends quietly with 0 when its reader goes away (| head -n1)", async () => {
  const node = await spawnNode();
  const sender = await openClient(node.wsUrl);
  const child = new Deno.Command(DENO_PATH, {
    args: [...CLIENT_RUN_ARGS, "--server", node.wsUrl, "--follow", "--json"],
    cwd: REPO_ROOT,
    env: { HOME: await Deno.makeTempDir({ prefix: "dsatter-client-home-" }), NO_COLOR: "1" },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const stderr = new Response(child.stderr).text();
  try {
    const send = (text: string) =>
      sender.send({ type: "newMessageFromClient", payload: { text, sender: "s", chatId: 11 } });
    const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
    let first = "";
    let pending = reader.read(); // one read at a time: a raced, dropped read would lose its chunk
    for (let i = 0; !first.includes("\n") && i < 400; i++) {
      if (i % 20 === 0) send(`before the reader leaves ${i}`); // until the follower is connected
      const next = await Promise.race([
        pending,
        new Promise<null>((resolve) => setTimeout(() => resolve(null), 100)),
      ]);
      if (next === null) continue;
      if (next.done) break;
      first += next.value;
      pending = reader.read();
    }
    assert.match(first, /"text":"before the reader leaves/);
    await reader.cancel(); // the pipe's read end closes, as when head exits
    for (let i = 0; i < 50; i++) send(`after ${i}`);
    const status = await Promise.race([
      child.status,
      new Promise<null>((resolve) => setTimeout(() => resolve(null), 20_000)),
    ]);
    assert.ok(status, "the client did not end after its stdout closed");
    assert.equal(status.code, 0);
    // Its status lines only: no stack trace, no BrokenPipe.
    assert.doesNotMatch(await stderr, /BrokenPipe|Uncaught|error/i);
  } finally {
    try {
      child.kill("SIGKILL");
    } catch { /* already ended */ }
    await child.status;
    await sender.close();
    await node.stop();
  }
});

test("client sends piped stdin lines as messages, in order, and exits 0 once all are acked", async () => {
  const node = await spawnNode();
  try {
    const watcher = await openClient(node.wsUrl);
    try {
      const client = await spawnClient(["--server", node.wsUrl, "--name", "pipe"], { stdin: true });
      try {
        for (const line of ["one", "two", "", "three"]) await client.writeLine(line);
        await client.closeStdin();
        assert.equal(await client.exited, 0, client.stderrLines.join("\n"));
      } finally {
        await client.stop();
      }
      const texts: string[] = [];
      for (let i = 0; i < 3; i++) {
        const frame = await watcher.next(isMessageFrame());
        texts.push((frame.payload as ChatMessage[])[0].text);
      }
      assert.deepEqual(texts, ["one", "two", "three"]);
    } finally {
      await watcher.close();
    }
  } finally {
    await node.stop();
  }
});

test("client piped stdin: 12,000 lines, past the nodes' burst, all go and each once", async () => {
  const node = await spawnNode(); // the default limit: 1,000 frames/s, bursts of 10,000
  try {
    const lines = Array.from({ length: 12_000 }, (_, i) => `bulk ${i + 1}`);
    const client = await spawnClient(["--server", node.wsUrl, "--name", "bulk", "--chat", "4242"], {
      stdin: true,
    });
    try {
      await client.writeLine(lines.join("\n"));
      await client.closeStdin();
      assert.equal(await client.exited, 0, client.stderrLines.join("\n"));
    } finally {
      await client.stop();
    }
    const texts: string[] = [];
    let before = "";
    for (;;) {
      const response = await fetch(
        `${node.url}/api/chats/4242/messages?limit=1000${before ? `&before=${before}` : ""}`,
      );
      const page = await response.json() as ChatMessage[];
      texts.unshift(...page.map((m) => m.text));
      if (response.headers.get("x-more") !== "true") break;
      before = page[0].messageId;
    }
    assert.equal(texts.length, 12_000);
    assert.deepEqual(texts, lines);
  } finally {
    await node.stop();
  }
});

test("client piped stdin: a line over the limit is refused in one line, the others still go", async () => {
  const node = await spawnNode();
  try {
    const watcher = await openClient(node.wsUrl);
    try {
      const client = await spawnClient(["--server", node.wsUrl, "--name", "pipe"], { stdin: true });
      try {
        for (const line of ["before", "x".repeat(4001), "after"]) await client.writeLine(line);
        await client.closeStdin();
        assert.equal(await client.exited, 1, "something was not sent: exit 1");
      } finally {
        await client.stop();
      }
      assert.deepEqual(
        client.stderrLines.filter((line) => line.startsWith("Cannot send")),
        ["Cannot send line 2: more than 4000 characters"],
      );
      const texts: string[] = [];
      for (let i = 0; i < 2; i++) {
        const frame = await watcher.next(isMessageFrame());
        texts.push((frame.payload as ChatMessage[])[0].text);
      }
      assert.deepEqual(texts, ["before", "after"]);
    } finally {
      await watcher.close();
    }
  } finally {
    await node.stop();
  }
});

test("client --send sends a text of spaces as it is: it is a message", async () => {
  const node = await spawnNode();
  try {
    const watcher = await openClient(node.wsUrl);
    try {
      const result = await runClient(["--server", node.wsUrl, "--name", "ann", "--send", " "]);
      assert.equal(result.code, 0, result.stderr.join("\n"));
      const frame = await watcher.next(isMessageFrame(" "));
      assert.equal((frame.payload as ChatMessage[])[0].text, " ");
    } finally {
      await watcher.close();
    }
  } finally {
    await node.stop();
  }
});

test("client --version prints the package version and Deno's, exit 0; a bad flag exits 2", async () => {
  const { default: packageJson } = await import("../package.json", { with: { type: "json" } });
  const version = await runClient(["--version"]);
  assert.equal(version.code, 0);
  assert.deepEqual(version.stdout, [
    `dsatter-client ${packageJson.version} (deno ${Deno.version.deno})`,
  ]);
  assert.equal((await runClient(["--nope"])).code, 2);
});
