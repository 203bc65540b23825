import { expect, setDefaultTimeout, test } from "bun:test";
import { parseClientFrame } from "../common/client_frame_validation.ts";
import { nextClientCase } from "./client_frame_cases.ts";
import { expectFrame } from "./client_frame_contract.ts";
import { createSeededRandom } from "../chaos/seeded_random.ts";

setDefaultTimeout(60_000);

const table: [
  string,
  string,
  { verdict: string; codes?: string[]; reply?: string; ref?: string },
][] = [
  ["not JSON", "{", { verdict: "bad", codes: ["bad_json"] }],
  ["not an object", "[1]", { verdict: "bad", codes: ["bad_frame"] }],
  ["unknown type", '{"type":"nope","ref":"r"}', {
    verdict: "bad",
    codes: ["unknown_type"],
    ref: "r",
  }],
  ["a ref that is no string", '{"type":"listChats","payload":{},"ref":5}', {
    verdict: "bad",
    codes: ["bad_frame"],
    reply: "chatList",
  }],
  ["hello", '{"type":"hello","payload":{"name":"ann"},"ref":"h"}', {
    verdict: "ok",
    reply: "welcome",
    ref: "h",
  }],
  ["hello, name too long", `{"type":"hello","payload":{"name":"${"x".repeat(65)}"}}`, {
    verdict: "bad",
    codes: ["bad_frame"],
    reply: "welcome",
  }],
  [
    "a send without clientMsgId gets no reply",
    '{"type":"newMessageFromClient","payload":{"text":"t","sender":"s","chatId":1}}',
    { verdict: "ok" },
  ],
  ["the original's sync request", '{"type":"clientSyncRequest","payload":[]}', {
    verdict: "ok",
    reply: "clientSyncReply",
  }],
  [
    "since and before together",
    '{"type":"clientSyncRequest","payload":{"since":{},"before":"1000000000001"}}',
    { verdict: "either", reply: "clientSyncReply" },
  ],
  ["subscribe needs chatIds", '{"type":"subscribe","payload":{}}', {
    verdict: "bad",
    codes: ["bad_frame"],
  }],
  ["a blank chat name", '{"type":"createChat","payload":{"name":"  "}}', {
    verdict: "either",
    reply: "chatCreated",
  }],
  [
    "a private chat with members",
    '{"type":"createChat","payload":{"name":"p","private":true,"members":["bob"]}}',
    { verdict: "ok", reply: "chatCreated" },
  ],
  ["members without private: true", '{"type":"createChat","payload":{"name":"p","members":[]}}', {
    verdict: "bad",
    codes: ["bad_frame"],
    reply: "chatCreated",
  }],
  [
    "a member name over 64 characters",
    `{"type":"createChat","payload":{"name":"p","private":true,"members":["${"m".repeat(65)}"]}}`,
    { verdict: "bad", codes: ["bad_frame"], reply: "chatCreated" },
  ],
  ["private that is no boolean", '{"type":"createChat","payload":{"name":"p","private":1}}', {
    verdict: "bad",
    codes: ["bad_frame"],
    reply: "chatCreated",
  }],
];

for (const [what, text, wanted] of table) {
  test(`expectFrame(): ${what}`, () => {
    const expectation = expectFrame(text);
    expect(expectation.verdict).toBe(wanted.verdict as "ok");
    if (wanted.codes) expect(expectation.errorCodes).toEqual(wanted.codes);
    expect(expectation.reply).toBe(wanted.reply);
    expect(expectation.ref).toBe(wanted.ref);
  });
}

test("expectFrame(): a private createChat may get forbidden (no token, or --auth off)", () => {
  const expectation = expectFrame('{"type":"createChat","payload":{"name":"p","private":true}}');
  expect(expectation.answerCodes).toEqual(["rate_limited", "forbidden"]);
});

test("expectFrame() and the nodes' parseClientFrame() agree on 20,000 fuzz cases (a fast check before the real run)", () => {
  const random = createSeededRandom(20_260_101);
  const disagreements: string[] = [];
  for (let i = 0; i < 20_000; i++) {
    const testCase = nextClientCase(random, `c${i}`, { refusedOnly: false });
    if (testCase.kind !== "text") continue;
    const { expect: expectation, text } = testCase;
    const parsed = parseClientFrame(text);
    const agrees = parsed.ok
      ? expectation.verdict !== "bad"
      : expectation.verdict !== "ok" && expectation.errorCodes.includes(parsed.error.code) &&
        parsed.ref === expectation.ref;
    if (!agrees) {
      disagreements.push(
        `${testCase.label}: ${text.slice(0, 200)} -> ${JSON.stringify(parsed).slice(0, 200)}`,
      );
    }
  }
  expect(disagreements.slice(0, 5)).toEqual([]);
});
