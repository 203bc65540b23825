import { expect, test } from "bun:test";
import { parseClientFrame } from "../common/client_frame_validation.ts";
import { createSeededRandom } from "../chaos/seeded_random.ts";
import { type Actor, nextAccessFrameCase } from "./access_frame_cases.ts";
import { AccessRules } from "./access_rules.ts";

const P = 9_000_000_123;

function world() {
  const rules = new AccessRules([1, 2]);
  for (const holder of ["ann", "bob", "eve"]) rules.addTokenHolder(holder);
  rules.addPrivateChat(P, ["ann", "bob"]);
  const messages = [
    { messageId: "1000000000001", chatId: 11, sender: "ann" },
    { messageId: "1000000000002", chatId: P, sender: "ann" },
  ];
  for (const message of messages) rules.addMessage(message);
  const actors: Actor[] = [
    { label: "ann", identity: { sub: "ann" }, helloName: "ann" },
    { label: "eve", identity: { sub: "eve" }, helloName: "eve" },
    { label: "anonymous", identity: {}, helloName: "carol" },
  ];
  return { rules, targets: { privateChat: P, messages }, actors };
}

test("nextAccessFrameCase(): a frame whose shape the nodes refuse expects only an error (10,000 cases)", () => {
  const random = createSeededRandom(7);
  const { rules, targets, actors } = world();
  const disagreements: string[] = [];
  for (let i = 0; i < 10_000; i++) {
    const actor = actors[i % actors.length];
    const testCase = nextAccessFrameCase(random, {
      rules,
      actor,
      targets,
      ref: `r${i}`,
      chats: [P],
    }, { refusedOnly: false });
    const parsed = parseClientFrame(testCase.text);
    if (parsed.ok) continue;
    const expected = testCase.answers.some((a) => "error" in a && a.error === parsed.error.code);
    if (!expected) disagreements.push(`${testCase.label}: ${testCase.text.slice(0, 200)}`);
  }
  expect(disagreements.slice(0, 5)).toEqual([]);
});

test("nextAccessFrameCase() refused-only: no case may store, none deletes a target", () => {
  const random = createSeededRandom(8);
  const { rules, targets, actors } = world();
  for (let i = 0; i < 3000; i++) {
    const testCase = nextAccessFrameCase(random, {
      rules,
      actor: actors[i % actors.length],
      targets,
      ref: `r${i}`,
      chats: [P],
    }, { refusedOnly: i % 2 === 0 });
    if (i % 2 === 0) expect(testCase.stores).toBe(false);
    const deletesTarget = testCase.type === "deleteMessage" &&
      testCase.answers.some((a) => "reply" in a);
    expect(deletesTarget).toBe(false);
  }
});
