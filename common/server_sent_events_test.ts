import { test } from "node:test";
import assert from "node:assert/strict";
import { createSseDecoder, encodeSseComment, encodeSseEvent } from "./server_sent_events.ts";

test("encodeSseEvent() round-trips through createSseDecoder() at any chunking", () => {
  const wire = encodeSseEvent("joined", '{"id":1}', "7") + encodeSseComment("keepalive") +
    encodeSseEvent("left", "line one\nline two");
  const expected = [
    { event: "joined", data: '{"id":1}', id: "7" },
    { event: "left", data: "line one\nline two", id: "7" },
  ];
  for (const size of [1, 2, 3, 7, wire.length]) {
    const decoder = createSseDecoder();
    const events = [];
    for (let i = 0; i < wire.length; i += size) {
      events.push(...decoder.push(wire.slice(i, i + size)));
    }
    assert.deepEqual(events, expected, `chunk size ${size}`);
  }
});

test("createSseDecoder() handles CRLF, missing event names and data-less blocks", () => {
  const decoder = createSseDecoder();
  assert.deepEqual(decoder.push("retry: 1000\r\n\r\ndata:x\r"), []);
  assert.deepEqual(decoder.push("\n\r\n"), [{ event: "message", data: "x" }]);
});

test("createSseDecoder() holds an event until its blank line arrives", () => {
  const decoder = createSseDecoder();
  assert.deepEqual(decoder.push("event: snapshot\ndata: {}\n"), []);
  assert.deepEqual(decoder.push("\n"), [{ event: "snapshot", data: "{}" }]);
});
