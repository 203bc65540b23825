/**
 * The interactive client's buffers, in a real terminal (tmux) against a real
 * node: one buffer per joined chat, the activity marker of a buffer with
 * unread messages (`!` when one mentions you), Alt+number and `/switch`,
 * `/part`; Tab completion of commands and nicknames; who is typing in the
 * footer; long lines wrapped and indented under the text.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnNode } from "../server/testing/spawn_node.ts";
import { isMessageFrame, openClient } from "../server/testing/ws_test_client.ts";
import { startTmuxClient } from "./testing/tmux_terminal.ts";

/** The screen's non-blank rows. */
const rows = (screen: string) => screen.split("\n").filter((line) => line.trim() !== "");

test("interactive client in tmux: buffers, activity, Alt+number, /switch, /part", async () => {
  const node = await spawnNode();
  const bob = await openClient(node.wsUrl);
  const term = await startTmuxClient(["--server", node.wsUrl, "--name", "ann", "--chat", "21"]);
  try {
    const say = async (chatId: number, text: string) => {
      bob.send({ type: "newMessageFromClient", payload: { text, sender: "bob", chatId } });
      await bob.next(isMessageFrame(text));
    };
    await say(22, "chat 22 exists");
    await term.waitForScreen((s) => s.includes("-- connected to node"), "connected");
    await term.type("/join 22");
    await term.press("Enter");
    await term.waitForScreen(
      (s) => s.includes("[2:chat 22]") && s.includes("bob: chat 22 exists"),
      "buffer 2 with its history",
    );

    // A message in the buffer not shown: counted on the bar, not printed here.
    await say(21, "back in 21");
    await say(21, "ann, are you there?");
    const marked = await term.waitForScreen(
      (s) => s.includes("1:chat 21(2!)"),
      "the activity marker (2 unread, one mentions ann)",
    );
    assert.ok(!marked.includes("back in 21"), marked);

    await term.press("M-1"); // Alt+1
    const first = await term.waitForScreen(
      (s) => s.includes("[1:chat 21]") && s.includes("bob: ann, are you there?"),
      "buffer 1 shown with what arrived",
    );
    assert.ok(!first.includes("chat 22 exists"), first);
    assert.match(first, /\[1:chat 21\] +2:chat 22$/m, first);

    await term.type("/switch chat 22");
    await term.press("Enter");
    await term.waitForScreen((s) => s.includes("[2:chat 22]"), "/switch by name");
    await term.type("/switch 1");
    await term.press("Enter");
    await term.waitForScreen((s) => s.includes("[1:chat 21]"), "/switch by number");
    await term.press("M-2");
    await term.waitForScreen((s) => s.includes("[2:chat 22]"), "Alt+2");
    await term.type("/part");
    await term.press("Enter");
    const parted = await term.waitForScreen(
      (s) => rows(s).some((row) => row.startsWith("[1:chat 21]")) && !s.includes("2:chat 22"),
      "buffer 2 closed",
    );
    assert.ok(parted.includes("[chat 21] ann>"), parted);
    await term.type("/part");
    await term.press("Enter");
    await term.waitForScreen((s) => s.includes("this is the only buffer"), "the last buffer stays");
    await term.press("C-c");
    assert.equal(await term.waitForExit(), 0);
  } finally {
    await term.close();
    await bob.close();
    await node.stop();
  }
});

test("interactive client in tmux: Tab completes commands and names; typing shows in the footer; long lines wrap", async () => {
  const node = await spawnNode();
  const bob = await openClient(node.wsUrl);
  const term = await startTmuxClient(["--server", node.wsUrl, "--name", "ann"], { columns: 60 });
  try {
    bob.send({ type: "hello", payload: { name: "bobby" } });
    await bob.next((f) => f.type === "welcome");
    const long = "this message is long enough to wrap twice in a terminal of sixty columns, " +
      "and every row after the first starts under the text";
    bob.send({
      type: "newMessageFromClient",
      payload: { text: long, sender: "bobby", chatId: 11 },
    });
    const wrapped = await term.waitForScreen(
      (s) => s.includes("bobby: this message") && s.includes("[chat 11] ann>"),
      "the long message",
    );
    const lines = wrapped.split("\n");
    const first = lines.findIndex((line) => line.includes("bobby: this message"));
    const indent = lines[first].indexOf("this message");
    assert.ok(lines[first].length < 60, wrapped);
    assert.match(lines[first + 1], new RegExp(`^ {${indent}}\\S`), wrapped);
    assert.match(lines[first + 2], new RegExp(`^ {${indent}}\\S`), wrapped);

    await term.type("/hi");
    await term.press("Tab");
    await term.waitForScreen((s) => s.includes("ann> /history"), "/hi completed");
    await term.press("C-u");
    await term.type("bo");
    await term.press("Tab");
    await term.waitForScreen((s) => /ann> bobby:$/m.test(s), "a nickname at the start");
    await term.type("look at @an");
    await term.press("Tab"); // nobody else starts with "an": ann's own name is not offered
    await term.waitForScreen((s) => s.includes("ann> bobby: look at @an"), "no completion");
    await term.press("C-u");

    bob.send({ type: "typing", payload: { chatId: 11 } });
    await term.waitForScreen((s) => s.includes("bobby is typing…"), "the typing line");
    // Readers drop it 5 s after the last one, or when bobby's message arrives.
    bob.send({
      type: "newMessageFromClient",
      payload: { text: "done", sender: "bobby", chatId: 11 },
    });
    await term.waitForScreen(
      (s) => s.includes("bobby: done") && !s.includes("is typing"),
      "typing over when the message came",
    );
    // Nodes relay one typing per connection and chat per second: say it until it shows.
    const again = setInterval(() => bob.send({ type: "typing", payload: { chatId: 11 } }), 300);
    try {
      await term.waitForScreen((s) => s.includes("bobby is typing…"), "typing again");
    } finally {
      clearInterval(again);
    }
    await term.waitForScreen((s) => !s.includes("is typing"), "typing expired", 15_000);

    // And ann's own typing reaches bobby (at most every few seconds).
    await term.type("writing");
    const typing = await bob.next((f) => f.type === "typing");
    assert.deepEqual(typing.payload, { chatId: 11, name: "ann", nodeId: node.nodeId });
    await term.press("C-c");
    assert.equal(await term.waitForExit(), 0);
  } finally {
    await term.close();
    await bob.close();
    await node.stop();
  }
});
