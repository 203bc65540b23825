import { test } from "node:test";
import assert from "node:assert/strict";
import { readLines } from "./text_output.ts";

test("readLines() splits on newlines across chunks and keeps a last unterminated line", async () => {
  const chunks = ["héllo\r\nwor", "ld\n\nlast"].map((s) => new TextEncoder().encode(s));
  const stream = new ReadableStream<Uint8Array>({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(chunk);
      controller.close();
    },
  });
  const lines: string[] = [];
  for await (const line of readLines(stream)) lines.push(line);
  assert.deepEqual(lines, ["héllo", "world", "", "last"]);
});
