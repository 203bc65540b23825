import { describe, expect, test } from "bun:test";
import { singleMessageText } from "./single_message_text.ts";

describe("singleMessageText()", () => {
  const message = { messageId: "1", nodeId: 1, seq: 1, chatId: 1, text: "perf r 1 2", sender: "s" };
  test("finds the text of a one-message frame", () => {
    const frame = JSON.stringify({ type: "newMessagesForClient", payload: [message] });
    expect(singleMessageText(frame)).toBe("perf r 1 2");
  });

  test("leaves everything else to the slow path", () => {
    const two = JSON.stringify({ type: "newMessagesForClient", payload: [message, message] });
    const quoted = JSON.stringify({
      type: "newMessagesForClient",
      payload: [{ ...message, text: 'say "messageId": "2"' }],
    });
    const ack = JSON.stringify({ type: "clientMessageResponse", payload: { clientMsgId: "x" } });
    expect(singleMessageText(two)).toBeUndefined();
    expect(singleMessageText(quoted)).toBeUndefined();
    expect(singleMessageText(ack)).toBeUndefined();
  });
});
