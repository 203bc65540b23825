import assert from "node:assert/strict";
import { chooseNodeAddress, normaliseAddress } from "./address.ts";

Deno.test("normaliseAddress() makes addresses a client can dial", () => {
  const cases: [string, string | undefined][] = [
    ["10.1.2.3", "10.1.2.3"],
    ["::ffff:10.1.2.3", "10.1.2.3"],
    ["::FFFF:127.0.0.1", "127.0.0.1"],
    ["[::ffff:127.0.0.1]", "127.0.0.1"],
    ["::ffff:7f00:1", "127.0.0.1"],
    ["::1", "[::1]"],
    ["2001:DB8::7", "[2001:db8::7]"],
    ["[2001:db8::7]", "[2001:db8::7]"],
    ["chat.example.org", "chat.example.org"],
    [" node-1 ", "node-1"],
    ["0.0.0.0", undefined],
    ["::", undefined],
    ["[::]", undefined],
    ["", undefined],
  ];
  for (const [raw, expected] of cases) assert.equal(normaliseAddress(raw), expected, raw);
});

Deno.test("chooseNodeAddress() prefers a usable advertised address over the peer address", () => {
  assert.equal(chooseNodeAddress("node.example", "::ffff:10.0.0.9"), "node.example");
  assert.equal(chooseNodeAddress(undefined, "::ffff:10.0.0.9"), "10.0.0.9");
  assert.equal(chooseNodeAddress("0.0.0.0", "10.0.0.9"), "10.0.0.9");
  assert.equal(chooseNodeAddress(undefined, undefined), undefined);
  assert.equal(chooseNodeAddress("0.0.0.0", "0.0.0.0"), undefined);
});
