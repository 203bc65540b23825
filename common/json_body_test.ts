import { test } from "node:test";
import assert from "node:assert/strict";
import { readJsonBody } from "./json_body.ts";

const post = (body: BodyInit | null, headers?: Record<string, string>) =>
  new Request("http://node/api", { method: "POST", body, headers });

/** A body sent in chunks with no content-length, as a client streaming it would. */
function streamed(chunks: Uint8Array[]): Request {
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      const next = chunks.shift();
      if (next) controller.enqueue(next);
      else controller.close();
    },
  });
  return new Request(
    "http://node/api",
    { method: "POST", body: stream, duplex: "half" } as
      & RequestInit
      & { duplex: "half" },
  );
}

test("readJsonBody() parses a JSON body within the cap", async () => {
  assert.deepEqual(await readJsonBody(post('{"text":"héllo ❤️"}'), 64), {
    ok: true,
    value: { text: "héllo ❤️" },
  });
});

test("readJsonBody() refuses bad bodies with 400 and a reason", async () => {
  const cases: Array<[string, BodyInit | null, RegExp]> = [
    ["no body", null, /empty/],
    ["blank", "  \n", /empty/],
    ["not JSON", "{text:", /not JSON/],
    ["invalid UTF-8", new Uint8Array([0x7b, 0x22, 0xff, 0x22, 0x7d]), /not UTF-8/],
    ["a cut UTF-8 sequence", new Uint8Array([0x22, 0xe2, 0x9d, 0x22]), /not UTF-8/],
    ["a UTF-8 encoded surrogate", new Uint8Array([0x22, 0xed, 0xa0, 0x80, 0x22]), /not UTF-8/],
  ];
  for (const [name, body, reason] of cases) {
    const result = await readJsonBody(post(body), 64);
    assert.equal(result.ok, false, name);
    if (result.ok) continue;
    assert.equal(result.status, 400, name);
    assert.match(result.error, /^Cannot read the body: /, name);
    assert.match(result.error, reason, name);
  }
});

test("readJsonBody() refuses a body over the cap with 413, declared or not", async () => {
  const declared = await readJsonBody(post(`"${"x".repeat(100)}"`), 64);
  assert.deepEqual(declared, {
    ok: false,
    status: 413,
    error: "Cannot read the body: it is over 64 bytes",
  });
  const chunk = new TextEncoder().encode("x".repeat(1024));
  const undeclared = await readJsonBody(streamed([chunk, chunk, chunk]), 2048);
  assert.deepEqual(undeclared, {
    ok: false,
    status: 413,
    error: "Cannot read the body: it is over 2 KiB",
  });
});

test("readJsonBody() reads a body that arrives in many chunks", async () => {
  const bytes = new TextEncoder().encode('{"sender":"ann","text":"❤️"}');
  const chunks = [...bytes].map((byte) => new Uint8Array([byte])); // splits inside ❤️ too
  assert.deepEqual(await readJsonBody(streamed(chunks), 1024), {
    ok: true,
    value: { sender: "ann", text: "❤️" },
  });
});
