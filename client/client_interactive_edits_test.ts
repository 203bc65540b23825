/**
 * Changing messages and chats from the interactive client, in a real
 * terminal (tmux) against two meshed nodes: Up on an empty line puts
 * `/edit <last message>` on the line, the edit reaches a client on the other
 * node and shows `(edited)`; another client's edit redraws the buffer;
 * `/delete` leaves `(deleted)`; `/search` lists matches; `/rename` works for
 * the chat's creator and is refused to anyone else.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  openClient,
  type ReceivedFrame,
  type TestClient,
} from "../server/testing/ws_test_client.ts";
import { startTestCluster } from "../server/testing/peer_test_cluster.ts";
import type { ChatMessage } from "../common/protocol.ts";
import { startTmuxClient, type TmuxClient } from "./testing/tmux_terminal.ts";

const updated = (text: string) => (frame: ReceivedFrame) =>
  frame.type === "messageUpdated" && (frame.payload as ChatMessage).text === text;

/** Two meshed nodes, ann in the terminal on the first, bob (raw, hello'd) on the second. */
async function scene(run: (bob: TestClient, term: TmuxClient) => Promise<void>): Promise<void> {
  const cluster = await startTestCluster({ size: 2 });
  const bob = await openClient(cluster.nodes[1].wsUrl);
  const term = await startTmuxClient(["--server", cluster.nodes[0].wsUrl, "--name", "ann"]);
  try {
    bob.send({ type: "hello", payload: { name: "bob" } });
    await bob.next((f) => f.type === "welcome");
    await term.waitForScreen((s) => s.includes("-- connected to node"), "connected");
    await run(bob, term);
    await term.press("C-c");
    assert.equal(await term.waitForExit(), 0);
  } finally {
    await term.close();
    await bob.close();
    await cluster.stop();
  }
}

test("interactive client in tmux: /edit (Up), someone's edit, /delete, /search", async () => {
  await scene(async (bob, term) => {
    await term.type("the meeting is at 3pm");
    await term.press("Enter");
    const sent = await bob.next((f) =>
      f.type === "newMessagesForClient" &&
      (f.payload as ChatMessage[])[0].text === "the meeting is at 3pm"
    );
    const annMessage = (sent.payload as ChatMessage[])[0];
    await term.waitForScreen((s) => s.includes("ann: the meeting is at 3pm"), "sent");

    await term.press("Up");
    await term.waitForScreen((s) => s.includes("ann> /edit the meeting is at 3pm"), "Up");
    await term.press("BSpace");
    await term.press("BSpace");
    await term.press("BSpace");
    await term.type("4pm");
    await term.press("Enter");
    await bob.next(updated("the meeting is at 4pm"));
    await term.waitForScreen(
      (s) => s.includes("ann: the meeting is at 4pm (edited)") && !s.includes("3pm"),
      "the edit in place",
    );

    bob.send({
      type: "newMessageFromClient",
      payload: { text: "ok, see yuo there", sender: "bob", chatId: 11, clientMsgId: "b1" },
    });
    const bobSent = await bob.next((f) => f.type === "clientMessageResponse");
    const bobId = (bobSent.payload as { messageId: string }).messageId;
    await term.waitForScreen((s) => s.includes("bob: ok, see yuo there"), "bob's message");
    bob.send({ type: "editMessage", payload: { messageId: bobId, text: "ok, see you there" } });
    await term.waitForScreen(
      (s) => s.includes("bob: ok, see you there (edited)") && !s.includes("yuo"),
      "bob's edit, from the other node",
    );
    // Only the sender may: ann's client offers only ann's messages, the node says no to bob.
    bob.send({ type: "deleteMessage", payload: { messageId: annMessage.messageId }, ref: "x" });
    const refused = await bob.next((f) => f.type === "error" && f.ref === "x");
    assert.equal((refused.payload as { code: string }).code, "forbidden");

    await term.type("/search MEETING");
    await term.press("Enter");
    await term.waitForScreen(
      (s) => s.includes('1 message(s) match "MEETING"') && /\] #chat 11 ann: the meeting/.test(s),
      "the search result",
    );

    await term.type("/delete");
    await term.press("Enter");
    await bob.next((f) =>
      f.type === "messageUpdated" && (f.payload as ChatMessage).deleted === true
    );
    await term.waitForScreen(
      (s) => s.includes("ann: (deleted)") && s.includes("-- deleted your message"),
      "the delete",
    );
    await term.type("/delete");
    await term.press("Enter");
    await term.waitForScreen((s) => s.includes("you have no message here"), "nothing left");
  });
});

test("interactive client in tmux: /rename by the creator reaches everyone; others are refused", async () => {
  await scene(async (bob, term) => {
    await term.type("hi"); // chat 11 comes to exist by its first message: nobody created it
    await term.press("Enter");
    await term.waitForScreen((s) => s.includes("ann: hi"), "chat 11 exists");
    await term.type("/rename General");
    await term.press("Enter");
    await term.waitForScreen((s) => s.includes("this chat has no known creator"), "chat 11: no");

    await term.type("/create Plans");
    await term.press("Enter");
    const created = await term.waitForScreen((s) => /-- created chat (\d+)/.test(s), "created");
    const chatId = Number(/-- created chat (\d+)/.exec(created)![1]);
    await bob.next((f) =>
      f.type === "chatCreated" && (f.payload as { name: string }).name === "Plans"
    );
    bob.send({ type: "renameChat", payload: { chatId, name: "Bob's" }, ref: "r" });
    const refused = await bob.next((f) => f.type === "error" && f.ref === "r");
    assert.equal((refused.payload as { code: string }).code, "forbidden");

    await term.type("/rename Q3 plans");
    await term.press("Enter");
    await term.waitForScreen(
      (s) => s.includes(`-- chat ${chatId} is now "Q3 plans"`) && s.includes("[2:Q3 plans]"),
      "renamed, on the buffer bar too",
    );
    const renamed = await bob.next((f) => f.type === "chatRenamed");
    assert.deepEqual(renamed.payload, { chatId, name: "Q3 plans" });
  });
});
