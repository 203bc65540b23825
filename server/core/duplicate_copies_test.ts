import { describe, expect, test } from "bun:test";
import type { ChatMessage } from "../../common/protocol.ts";
import { testMessage } from "../../common/testing/message_fixture.ts";
import { decideCopies } from "./duplicate_copies.ts";

/** The copies of (sender, clientMsgId) as the commit read them: one visible copy (or none). */
const storeWith = (visible: ChatMessage | null) =>
  visible ? [{ ...visible, held: false, hidden: false }] : [];

describe("decideCopies()", () => {
  const mine = testMessage(5, 3, { clientMsgId: "c" });

  test("a message without clientMsgId, or alone with it, is shown and published", () => {
    const plain = testMessage(5, 3);
    expect(decideCopies(storeWith(null), plain)).toEqual({
      hidden: false,
      publish: true,
      winner: plain,
    });
    expect(decideCopies(storeWith(null), mine).publish).toBe(true);
    // The visible copy is the message itself (stored earlier as held): still alone.
    expect(decideCopies(storeWith(mine), mine).publish).toBe(true);
  });

  test("a lower visible copy wins: the message is stored hidden and not published", () => {
    const lower = testMessage(2, 9, { clientMsgId: "c", text: mine.text }); // a true retry
    expect(decideCopies(storeWith(lower), mine)).toEqual({
      hidden: true,
      publish: false,
      winner: lower,
    });
  });

  test("a copy with another chat or text is not the same send: both stay shown", () => {
    const forged = testMessage(2, 9, { clientMsgId: "c", text: "another text" });
    expect(decideCopies(storeWith(forged), mine)).toEqual({
      hidden: false,
      publish: true,
      winner: mine,
    });
    const elsewhere = testMessage(2, 9, { clientMsgId: "c", chatId: 99, text: mine.text });
    expect(decideCopies(storeWith(elsewhere), mine).publish).toBe(true);
  });

  test("a higher visible copy loses: it is hidden, the message shown but not published again", () => {
    const higher = testMessage(7, 1, { clientMsgId: "c", text: mine.text });
    expect(decideCopies(storeWith(higher), mine)).toEqual({
      hidden: false,
      publish: false,
      winner: mine,
      hideStored: { nodeId: 7, seq: 1 },
    });
  });
});
