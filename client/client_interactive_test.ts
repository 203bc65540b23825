/**
 * The interactive client as a person uses it: in a real terminal (tmux),
 * typing with send-keys and reading the screen with capture-pane, against real
 * nodes: join a chat (an unknown one only once confirmed), send, see another
 * client's message arrive without losing the half-typed line, the other
 * commands, a message typed while the node is gone (pending, then sent after
 * failover), quit; the settings are remembered. Buffers, completion, typing:
 * client_interactive_buffers_test.ts; edits and search:
 * client_interactive_edits_test.ts.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnNode } from "../server/testing/spawn_node.ts";
import { isMessageFrame, openClient } from "../server/testing/ws_test_client.ts";
import type { ChatMessage } from "../common/protocol.ts";
import { startTmuxClient } from "./testing/tmux_terminal.ts";

test("interactive client in tmux: join, send, see another client's message, quit", async () => {
  const node = await spawnNode();
  const term = await startTmuxClient(["--server", node.wsUrl, "--name", "ann"]);
  try {
    await term.waitForScreen((s) => s.includes("-- connected to node"), "the connected line");
    await term.waitForScreen((s) => s.includes("[chat 11] ann>"), "the prompt");

    const bob = await openClient(node.wsUrl);
    try {
      // Chat 12 does not exist: the first /join asks, the same command again confirms.
      await term.type("/join 12");
      await term.press("Enter");
      await term.waitForScreen(
        (s) => s.includes("-- chat 12 does not exist yet: /join 12 again to start it"),
        "the question",
      );
      assert.ok((await term.screen()).includes("[chat 11] ann>"));
      await term.type("/join 12");
      await term.press("Enter");
      await term.waitForScreen((s) => s.includes("-- joined chat 12"), "the join");
      await term.waitForScreen((s) => s.includes("[chat 12] ann>"), "the new prompt");

      await term.type("hello from ann");
      await term.press("Enter");
      const sent = await bob.next(isMessageFrame("hello from ann"));
      const message = (sent.payload as ChatMessage[])[0];
      assert.equal(message.sender, "ann");
      assert.equal(message.chatId, 12);
      await term.waitForScreen((s) => /\] ann: hello from ann/.test(s), "ann's own message");

      await term.type("half typed");
      await term.waitForScreen((s) => s.includes("ann> half typed"), "the typed text");
      bob.send({
        type: "newMessageFromClient",
        payload: { text: "hi ann", sender: "bob", chatId: 12 },
      });
      // The message and the redrawn prompt leave in one write; tmux may show the screen
      // between the two, so wait for it to settle with the half-typed line last.
      const lastLine = (screen: string) =>
        screen.split("\n").filter((line) => line.trim() !== "").at(-1);
      const after = await term.waitForScreen(
        (s) => /\] bob: hi ann/.test(s) && lastLine(s) === "[chat 12] ann> half typed",
        "bob's message above the half-typed line",
      );
      const lines = after.split("\n").filter((line) => line.trim() !== "");
      assert.match(lines.at(-2)!, /^ 1:chat 11 +\[2:chat 12\]/, after); // the buffer bar
      assert.match(lines.at(-3)!, /\] bob: hi ann$/, after);

      await term.press("C-u");
      await term.type("/quit");
      await term.press("Enter");
      assert.equal(await term.waitForExit(), 0, await term.stderr());
      const config = JSON.parse(
        await Deno.readTextFile(`${term.homeDir}/.config/dsatter/config.json`),
      );
      assert.deepEqual(config, { discovery: "http://localhost:8080", name: "ann", chat: 12 });
    } finally {
      await bob.close();
    }
  } finally {
    await term.close();
    await node.stop();
  }
});

test("interactive client in tmux: /create, /chats, /who, /history, /nick, /help", async () => {
  const node = await spawnNode();
  const seeder = await openClient(node.wsUrl);
  try {
    for (let i = 1; i <= 8; i++) {
      seeder.send({
        type: "newMessageFromClient",
        payload: { text: `old ${i}`, sender: "seed", chatId: 11 },
      });
      await seeder.next(isMessageFrame(`old ${i}`));
    }
  } finally {
    await seeder.close();
  }
  const term = await startTmuxClient(["--server", node.wsUrl, "--name", "ann", "--history", "3"]);
  try {
    const entry = await term.waitForScreen(
      (s) =>
        s.includes("-- connected to node") && s.includes("[chat 11] ann>") &&
        s.includes("seed: old 8"),
      "the history and the prompt",
    );
    assert.ok(entry.includes("seed: old 8") && entry.includes("seed: old 6"), entry);
    assert.ok(!entry.includes("seed: old 5"), entry);

    await term.type("/history 2");
    await term.press("Enter");
    await term.waitForScreen((s) => s.includes("seed: old 4") && s.includes("2 older"), "history");
    assert.ok(!(await term.screen()).includes("seed: old 3"));

    await term.type("/who");
    await term.press("Enter");
    await term.waitForScreen((s) => /-- here: .*ann \(node \d+\)/.test(s), "who is here");

    await term.type("/create Team room");
    await term.press("Enter");
    const created = await term.waitForScreen(
      (s) => /-- created chat (\d+) "Team room"/.test(s) && /\[chat \d+\] ann>/.test(s),
      "the created chat",
    );
    const chatId = /-- created chat (\d+)/.exec(created)![1];
    await term.waitForScreen((s) => s.includes(`[chat ${chatId}] ann>`), "the created chat joined");

    await term.type("/chats");
    await term.press("Enter");
    await term.waitForScreen(
      (s) => new RegExp(`\\* +${chatId} {2}Team room`).test(s) && /^\+ +11 {2}chat 11/m.test(s),
      "the chat list (* shown, + open)",
    );

    await term.type("/nick annie");
    await term.press("Enter");
    await term.waitForScreen((s) => s.includes(`[chat ${chatId}] annie>`), "the new name");

    await term.type("/frobnicate");
    await term.press("Enter");
    await term.waitForScreen((s) => s.includes("Cannot run /frobnicate: unknown command"), "error");

    await term.type("/help");
    await term.press("Enter");
    await term.waitForScreen((s) => s.includes("/history [N]"), "the help");

    await term.press("C-c");
    assert.equal(await term.waitForExit(), 0);
  } finally {
    await term.close();
    await node.stop();
  }
});

test("interactive client in tmux: a message typed while offline shows pending, then is sent once", async () => {
  const first = await spawnNode();
  // A port for the second node, which starts only once the first is gone.
  const probe = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const secondPort = (probe.addr as Deno.NetAddr).port;
  probe.close();
  const secondUrl = `ws://127.0.0.1:${secondPort}/`;
  const term = await startTmuxClient(["--server", `${first.wsUrl},${secondUrl}`, "--name", "ann"]);
  let second: Awaited<ReturnType<typeof spawnNode>> | undefined;
  try {
    await term.waitForScreen((s) => s.includes("-- connected to node"), "the connected line");
    await first.kill("SIGKILL");
    await term.waitForScreen((s) => s.includes("-- lost connection to node"), "the loss");
    await term.type("sent while offline");
    await term.press("Enter");
    // The footer says why it is offline: "reconnecting…" until the first dial fails (a few
    // hundred ms), then that dial's error and "retrying": either may be on the screen.
    await term.waitForScreen(
      (s) =>
        s.includes("… sent while offline (sending)") &&
        /\((connection lost: reconnecting…|Cannot connect to [^\n]*; retrying)\)/.test(s),
      "the pending message and the offline line",
    );
    second = await spawnNode({ extraArgs: ["--port", String(secondPort)] });
    const watcher = await openClient(second.wsUrl);
    try {
      const screen = await term.waitForScreen(
        (s) =>
          /\] ann: sent while offline/.test(s) && !s.includes("(sending)") &&
          /-- reconnected to node \d+, 0 missed messages fetched/.test(s),
        "the reconnection and the message sent after failover",
      );
      assert.equal(screen.split("sent while offline").length - 1, 1, screen);
    } finally {
      await watcher.close();
    }
    await term.press("C-d");
    assert.equal(await term.waitForExit(), 0);
  } finally {
    await term.close();
    await first.stop();
    await second?.stop();
  }
});
