/**
 * The core against hostile or broken peers and clients: a message from the year
 * 2999 or one claiming this node's next seqs is refused without a trace (the
 * clock and the numbering stay), and a second message under a known (sender,
 * clientMsgId) with another text never hides the first: a local one is refused
 * as a conflict, a peer's is kept as its own message.
 */
import { describe, expect, test } from "bun:test";
import { toWireMessage } from "../../common/wire_message.ts";
import { storedMessage } from "../store/message_store_conformance.ts";
import type { ChatMessage } from "../../common/protocol.ts";
import { ClientMsgIdConflictError } from "./chat_node.ts";
import { ANONYMOUS } from "./chat_access.ts";
import { memoryChatNode } from "../testing/memory_chat_node.ts";

function setup(nodeId = 5) {
  const { node, registry } = memoryChatNode(nodeId);
  const texts = () => {
    const history = node.history({ limit: 100 });
    return history.ok ? history.messages.map((m) => `${m.nodeId}/${m.seq}:${m.text}`) : [];
  };
  return { node, registry, texts };
}

/** A peer's message, stamped a second ago unless told otherwise. */
function remote(nodeId: number, seq: number, fields: Partial<ChatMessage> = {}): ChatMessage {
  const dateTime = new Date(Date.now() - 1000).toISOString();
  return toWireMessage({
    ...storedMessage(nodeId, seq, { sender: "bob", dateTime }),
    text: `r ${nodeId}/${seq}`,
    ...fields,
  });
}

describe("ChatNode against a broken or hostile peer", () => {
  test("a message from the year 2999 is refused: not stored, the clock does not move", async () => {
    const { node, registry } = setup();
    const outcome = await node.acceptRemote([
      remote(7, 1, { dateTime: "2999-01-01T00:00:00.000Z" }),
    ]);
    expect(outcome.refused.map((r) => r.reason)).toEqual(["clock_ahead"]);
    expect(node.vector()).toEqual({});
    const next = await node.sendLocal({ text: "now", sender: "ann", chatId: 11 });
    expect(next.message.dateTime.startsWith("2999")).toBe(false);
    expect(Math.abs(Date.parse(next.message.dateTime) - Date.now())).toBeLessThan(5000);
    expect(registry.render()).toContain(
      'dsatter_peer_messages_refused_total{reason="clock_ahead"} 1',
    );
  });

  test("a message 30 s ahead (a skewed but honest clock) is taken", async () => {
    const { node } = setup();
    const ahead = new Date(Date.now() + 30_000).toISOString();
    const outcome = await node.acceptRemote([remote(7, 1, { dateTime: ahead })]);
    expect(outcome.refused).toEqual([]);
    expect(node.vector()).toEqual({ "7": 1 });
  });

  test("a peer message with this node's id at or past its next seq is refused; numbering stays", async () => {
    const { node, registry } = setup(5);
    await node.sendLocal({ text: "one", sender: "ann", chatId: 11 });
    const outcome = await node.acceptRemote([remote(5, 2), remote(5, 9_000_000)]);
    expect(outcome.refused.map((r) => [r.seq, r.reason])).toEqual([[2, "own_seq"], [
      9_000_000,
      "own_seq",
    ]]);
    const second = await node.sendLocal({ text: "two", sender: "ann", chatId: 11 });
    expect(second.message.seq).toBe(2);
    expect(node.vector()).toEqual({ "5": 2 });
    expect(registry.render()).toContain('dsatter_peer_messages_refused_total{reason="own_seq"} 2');
    // Its own messages coming back from a peer are duplicates, not refusals.
    expect((await node.acceptRemote([{ ...second.message }])).refused).toEqual([]);
  });
});

describe("ChatNode and a second message under a known (sender, clientMsgId)", () => {
  test("a local send with another text is refused as a conflict; a true retry is acked", async () => {
    const { node, texts } = setup(5);
    const input = { text: "hi", sender: "ann", chatId: 11, clientMsgId: "k" };
    const first = await node.sendLocal(input);
    const forged = node.sendLocal({ ...input, text: "evil" });
    await expect(forged).rejects.toBeInstanceOf(ClientMsgIdConflictError);
    await expect(node.sendLocal({ ...input, chatId: 12 })).rejects.toThrow(/clientMsgId "k"/);
    const retry = await node.sendLocal(input);
    expect([retry.duplicate, retry.message.messageId]).toEqual([true, first.message.messageId]);
    expect(texts()).toEqual(["5/1:hi"]);
  });

  test("a conflicting send racing the first in one commit is refused too", async () => {
    const { node, texts } = setup(5);
    const input = { text: "hi", sender: "ann", chatId: 11, clientMsgId: "k" };
    const [first, forged] = await Promise.allSettled([
      node.sendLocal(input),
      node.sendLocal({ ...input, text: "evil" }),
    ]);
    expect(first.status).toBe("fulfilled");
    expect(forged.status).toBe("rejected");
    expect(texts()).toEqual(["5/1:hi"]);
  });

  test("a peer's copy with another text is kept as its own message, whichever comes first", async () => {
    for (const order of ["local first", "forgery first"]) {
      const { node, texts } = setup(5);
      const forgery = remote(1, 1, { sender: "ann", clientMsgId: "k", text: "evil" });
      if (order === "forgery first") await node.acceptRemote([forgery]);
      await node.sendLocal({ text: "hi", sender: "ann", chatId: 11, clientMsgId: "k" })
        .catch(() => undefined);
      if (order === "local first") await node.acceptRemote([forgery]);
      expect(texts().sort()).toEqual(
        order === "local first" ? ["1/1:evil", "5/1:hi"] : ["1/1:evil"],
      );
    }
  });

  test("after an edit, a late retry is still the same send: hidden, and the edit shows", async () => {
    const { node, texts } = setup(5);
    const sent = await node.sendLocal({ text: "hi", sender: "ann", chatId: 11, clientMsgId: "k" });
    const edited = await node.updates.change(
      { kind: "edit", messageId: sent.message.messageId, text: "hello" },
      { identity: ANONYMOUS, name: "ann" },
    );
    expect(edited.ok).toBe(true);
    // A retry of the original send, accepted by another node before it heard of the edit.
    await node.acceptRemote([remote(3, 1, { sender: "ann", clientMsgId: "k", text: "hi" })]);
    expect(texts()).toEqual(["3/1:hello"]);
  });

  test("an edit never reaches another message under the same key, nor a forgery the edit", async () => {
    const { node, texts } = setup(5);
    const sent = await node.sendLocal({ text: "hi", sender: "ann", chatId: 11, clientMsgId: "k" });
    await node.acceptRemote([remote(1, 1, { sender: "ann", clientMsgId: "k", text: "evil" })]);
    await node.updates.change(
      { kind: "edit", messageId: sent.message.messageId, text: "hello" },
      { identity: ANONYMOUS, name: "ann" },
    );
    expect(texts().sort()).toEqual(["1/1:evil", "5/1:hello"]);
  });

  test("a peer's true retry (same chat and text) stays hidden behind the lower copy", async () => {
    const { node, texts } = setup(5);
    await node.sendLocal({ text: "hi", sender: "ann", chatId: 11, clientMsgId: "k" });
    await node.acceptRemote([remote(3, 1, { sender: "ann", clientMsgId: "k", text: "hi" })]);
    await node.acceptRemote([remote(9, 1, { sender: "ann", clientMsgId: "k", text: "hi" })]);
    expect(texts()).toEqual(["3/1:hi"]);
  });
});
