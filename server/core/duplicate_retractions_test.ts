import { expect, test } from "bun:test";
import { testMessage } from "../../common/testing/message_fixture.ts";
import { MemoryMessageStore } from "../store/memory_message_store.ts";
import { retractionsFor } from "./duplicate_retractions.ts";

/**
 * w1's send "c1" stored three times: 1:1 stays, 2:1 lost, 3:1 is held; 4:1 another text under
 * the same key (another message, chat_rules.ts isSameSend); w2's "c2" once.
 */
function storeWithCopies(): MemoryMessageStore {
  const store = new MemoryMessageStore();
  const send = { sender: "w1", clientMsgId: "c1", text: "hi" };
  store.insertMessage({ ...testMessage(1, 1, send), held: false, hidden: false });
  store.insertMessage({ ...testMessage(2, 1, send), held: false, hidden: true });
  store.insertMessage({ ...testMessage(3, 1, send), held: true, hidden: false });
  store.insertMessage({
    ...testMessage(4, 1, { sender: "w1", clientMsgId: "c1", text: "forged" }),
    held: false,
    hidden: false,
  });
  store.insertMessage({
    ...testMessage(1, 2, { sender: "w2", clientMsgId: "c2" }),
    held: false,
    hidden: false,
  });
  return store;
}

test("retractionsFor() retracts each hidden committed copy of a shown send, naming the one shown", () => {
  const store = storeWithCopies();
  const stays = { ...testMessage(1, 1, { sender: "w1", clientMsgId: "c1" }), text: "hi there" };
  const edited = { ...stays, editedAt: "2026-12-03T09:00:00.000Z" };
  const retractions = retractionsFor(store, [edited, testMessage(1, 2, { sender: "w2" })]);
  expect(retractions).toEqual([{
    ...testMessage(2, 1, { sender: "w1", clientMsgId: "c1" }),
    text: "hi there",
    editedAt: "2026-12-03T09:00:00.000Z",
    duplicateOf: stays.messageId,
  }]);
});

test("retractionsFor() has nothing for sends without clientMsgId or without hidden copies", () => {
  const store = storeWithCopies();
  expect(retractionsFor(store, [testMessage(1, 2, { sender: "w2", clientMsgId: "c2" })]))
    .toEqual([]);
  expect(retractionsFor(store, [testMessage(1, 3, { sender: "w1" })])).toEqual([]);
  // Another message under the same key: the lost copy is not its duplicate.
  const forged = testMessage(4, 1, { sender: "w1", clientMsgId: "c1", text: "forged" });
  expect(retractionsFor(store, [forged])).toEqual([]);
  expect(retractionsFor(store, [])).toEqual([]);
});
