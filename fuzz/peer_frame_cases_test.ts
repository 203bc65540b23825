import { expect, setDefaultTimeout, test } from "bun:test";
import { parsePeerFrame } from "../common/peer_protocol.ts";
import { PeerCaseSource, peerFrameVerdict } from "./peer_frame_cases.ts";
import { createSeededRandom } from "../chaos/seeded_random.ts";

setDefaultTimeout(60_000);

test("peerFrameVerdict() reads messages as the contract defines them", () => {
  const message = {
    messageId: "3000000000001",
    nodeId: 3,
    seq: 1,
    chatId: 1,
    text: "t",
    sender: "s",
    dateTime: "2026-01-01T00:00:00.000Z",
    lc: 0,
  };
  const frame = (m: unknown) =>
    JSON.stringify({ type: "peerMessages", payload: { messages: [m] } });
  expect(peerFrameVerdict(frame(message))).toBe("ok");
  expect(peerFrameVerdict(frame({ ...message, messageId: "03000000000001" }))).toBe("bad");
  expect(peerFrameVerdict(frame({ ...message, seq: 2 }))).toBe("bad");
  expect(peerFrameVerdict(frame({ ...message, text: "\ud800" }))).toBe("bad");
  expect(peerFrameVerdict(frame({ ...message, dateTime: "2026-04-31T00:00:00.000Z" }))).toBe("bad");
  expect(peerFrameVerdict('{"type":"peerPing","payload":{}}')).toBe("ok");
  expect(peerFrameVerdict('{"type":"peerPing"}')).toBe("bad");
});

test("the nodes' parsePeerFrame() refuses every refused case and takes every valid one (20,000 cases)", () => {
  const source = new PeerCaseSource(createSeededRandom(77), 8_000_000);
  const wrong: string[] = [];
  for (let i = 0; i < 20_000; i++) {
    const testCase = source.next({ refusedOnly: false });
    if (testCase.kind !== "text") continue;
    if (parsePeerFrame(testCase.text).ok !== testCase.valid) {
      wrong.push(`${testCase.label}: ${testCase.text.slice(0, 300)}`);
    }
  }
  expect(wrong.slice(0, 5)).toEqual([]);
  expect(source.validMessages).toBeGreaterThan(1000);
});
