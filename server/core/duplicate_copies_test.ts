import { describe, expect, test } from "bun:test";
import type { ChatMessage } from "../../common/protocol.ts";
import { testMessage } from "../../common/testing/message_fixture.ts";
import { decideCopies } from "./duplicate_copies.ts";

/** The visible copy (or none), as the commit read it. */
const storeWith = (visible: ChatMessage | null) =>
  visible ? { ...visible, held: false, hidden: false } : null;

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
    const lower = testMessage(2, 9, { clientMsgId: "c" });
    expect(decideCopies(storeWith(lower), mine)).toEqual({
      hidden: true,
      publish: false,
      winner: lower,
    });
  });

  test("a higher visible copy loses: it is hidden, the message shown but not published again", () => {
    const higher = testMessage(7, 1, { clientMsgId: "c" });
    expect(decideCopies(storeWith(higher), mine)).toEqual({
      hidden: false,
      publish: false,
      winner: mine,
      hideStored: { nodeId: 7, seq: 1 },
    });
  });
});
