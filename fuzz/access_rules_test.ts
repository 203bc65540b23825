import { expect, test } from "bun:test";
import { type AccessAnswer, AccessRules, type Identity } from "./access_rules.ts";

const P = 9_000_000_123;
const NEW = 9_000_000_456;
const ann: Identity = { sub: "ann" };
const bob: Identity = { sub: "bob" };
const eve: Identity = { sub: "eve" };
const claimant: Identity = { sub: "fuzz", claims: [P] };
const anonymous: Identity = {};

function rules(): AccessRules {
  const made = new AccessRules([1, 2]);
  for (const holder of ["ann", "bob", "eve"]) made.addTokenHolder(holder);
  made.addPrivateChat(P, ["ann", "bob"]);
  made.addPrivateChat(NEW, ["ann", "eve"], true);
  made.addMessage({ messageId: "1000000000001", chatId: 11, sender: "ann" });
  made.addMessage({ messageId: "1000000000002", chatId: P, sender: "ann" });
  return made;
}

const answersOf = (answer: AccessAnswer) =>
  answer.answers.map((a) => "reply" in a ? a.reply : "error" in a ? a.error : "none").sort();

test("AccessRules.canRead() lets members and claim holders read a private chat, nobody else", () => {
  const r = rules();
  expect([ann, bob, eve, claimant, anonymous].map((who) => r.canRead(who, P))).toEqual([
    true,
    true,
    false,
    true,
    false,
  ]);
  expect(r.canRead(anonymous, 11)).toBe(true);
  expect(r.canRead(eve, NEW)).toBe("maybe"); // still replicating: a node may not know it yet
  expect(r.canRead(bob, NEW)).toBe(false);
  expect(r.canRead(ann, 9_999_999_999)).toBe(undefined);
});

test("AccessRules.mayUseName(): a token speaks as its sub; anonymous never as a holder, folded", () => {
  const r = rules();
  expect(r.mayUseName(ann, "ann")).toBe(true);
  expect(r.mayUseName(ann, "ANN")).toBe(false);
  for (const name of ["ann", "ANN", "ａｎｎ", "Bob"]) {
    expect(r.mayUseName(anonymous, name)).toBe(false);
  }
  expect(r.mayUseName(anonymous, "carol")).toBe(true);
});

const table: [string, Identity, string, unknown, string[]][] = [
  ["hello as another name", ann, "hello", { name: "bob" }, ["forbidden"]],
  ["hello as the sub", ann, "hello", { name: "ann" }, ["welcome"]],
  ["anonymous hello as a holder", anonymous, "hello", { name: "ａｎｎ" }, ["forbidden"]],
  ["a send into P by a member", bob, "newMessageFromClient", {
    chatId: P,
    sender: "bob",
    text: "t",
    clientMsgId: "c",
  }, ["clientMessageResponse", "conflict"]],
  ["a send into P by an outsider", eve, "newMessageFromClient", {
    chatId: P,
    sender: "eve",
    text: "t",
  }, ["forbidden"]],
  ["a send as another sender", eve, "newMessageFromClient", {
    chatId: 11,
    sender: "ann",
    text: "t",
  }, ["forbidden"]],
  ["an edit of another's message", bob, "editMessage", {
    messageId: "1000000000001",
    text: "x",
  }, ["forbidden"]],
  ["an edit of a P message by an outsider", eve, "editMessage", {
    messageId: "1000000000002",
    text: "x",
  }, ["not_found"]],
  ["an edit by its sender", ann, "editMessage", {
    messageId: "1000000000002",
    text: "x",
  }, ["messageUpdated"]],
  ["an edit of a message of no node in the cluster", ann, "editMessage", {
    messageId: "7000000000001",
    text: "x",
  }, ["not_found"]],
  ["typing in P by an outsider", anonymous, "typing", { chatId: P }, ["forbidden"]],
  ["typing in a public chat", anonymous, "typing", { chatId: 11 }, ["none"]],
  ["search naming P, outsider", eve, "search", { q: "a", chatId: P }, ["forbidden"]],
  ["a private createChat, anonymous", anonymous, "createChat", {
    name: "p",
    private: true,
  }, ["forbidden"]],
  ["sync naming P by a claim holder", claimant, "clientSyncRequest", { chatId: P }, [
    "clientSyncReply",
  ]],
  ["subscribe naming P, outsider", eve, "subscribe", { chatIds: [11, P] }, ["forbidden"]],
  ["a send into a chat still replicating, member", eve, "newMessageFromClient", {
    chatId: NEW,
    sender: "eve",
    text: "t",
  }, ["forbidden", "none"]],
];

for (const [what, who, type, payload, expected] of table) {
  test(`AccessRules.answer(): ${what}`, () => {
    expect(answersOf(rules().answer(who, who.sub ?? "carol", { type, payload }))).toEqual(
      expected.sort(),
    );
  });
}
