import { test } from "node:test";
import assert from "node:assert/strict";
import {
  hostForUrl,
  hostKind,
  isUnspecifiedHost,
  splitHostPort,
  unmapIpv4,
} from "./host_address.ts";

test("hostKind() recognises IPv4, IPv6 (bare or bracketed) and DNS names", () => {
  const cases: Array<[string, string]> = [
    ["127.0.0.1", "ipv4"],
    ["10.1.2.255", "ipv4"],
    ["::1", "ipv6"],
    ["[::1]", "ipv6"],
    ["fe80::1:2", "ipv6"],
    ["2001:db8:0:0:0:0:0:1", "ipv6"],
    ["::ffff:127.0.0.1", "ipv6"],
    ["localhost", "name"],
    ["node-1.example.org", "name"],
    ["node-1.example.org.", "name"],
    ["xn--bcher-kva.example", "name"],
  ];
  for (const [text, kind] of cases) assert.equal(hostKind(text), kind, text);
});

test("hostKind() refuses ports, shorthands, bad labels and broken literals", () => {
  const bad = [
    "",
    "0",
    "127.1",
    "1.2.3",
    "256.0.0.1",
    "127.0.0.1:9999",
    "[127.0.0.1]",
    "-bad-",
    "a..b",
    "a_b.example",
    "host/path",
    "user@host",
    "1::2::3",
    "1:2:3:4:5:6:7:8:9",
    "1:2:3:4:5:6:7",
    "[::1",
    "x".repeat(64) + ".example",
    "a b",
  ];
  for (const text of bad) assert.equal(hostKind(text), undefined, JSON.stringify(text));
});

test("isUnspecifiedHost() is true only for the every-interface addresses", () => {
  for (const text of ["0.0.0.0", "::", "[::]", "0:0:0:0:0:0:0:0", "::0"]) {
    assert.equal(isUnspecifiedHost(text), true, text);
  }
  for (const text of ["127.0.0.1", "::1", "localhost", "0.0.0.1"]) {
    assert.equal(isUnspecifiedHost(text), false, text);
  }
});

test("unmapIpv4() turns both IPv4-mapped forms into dotted IPv4 and leaves others alone", () => {
  assert.equal(unmapIpv4("::ffff:127.0.0.1"), "127.0.0.1");
  assert.equal(unmapIpv4("[::FFFF:10.0.0.2]"), "10.0.0.2");
  assert.equal(unmapIpv4("::ffff:7f00:1"), "127.0.0.1");
  assert.equal(unmapIpv4("0:0:0:0:0:ffff:c0a8:0101"), "192.168.1.1");
  assert.equal(unmapIpv4("::1"), "::1");
  assert.equal(unmapIpv4("example.org"), "example.org");
});

test("hostForUrl() brackets bare IPv6 literals only", () => {
  const cases: Array<[string, string]> = [
    ["::1", "[::1]"],
    ["fe80::1:2", "[fe80::1:2]"],
    ["[::1]", "[::1]"],
    ["127.0.0.1", "127.0.0.1"],
    ["node-1.example.org", "node-1.example.org"],
  ];
  for (const [host, shown] of cases) assert.equal(hostForUrl(host), shown, host);
});

test("splitHostPort() takes HOST, HOST:PORT, [V6]:PORT and a bare IPv6 address", () => {
  assert.deepEqual(splitHostPort("example.org"), { host: "example.org" });
  assert.deepEqual(splitHostPort("example.org:3001"), { host: "example.org", port: 3001 });
  assert.deepEqual(splitHostPort("[::1]:3001"), { host: "::1", port: 3001 });
  assert.deepEqual(splitHostPort("[::1]"), { host: "::1", port: undefined });
  assert.deepEqual(splitHostPort("fe80::1"), { host: "fe80::1" });
  assert.deepEqual(splitHostPort("10.0.0.1:80"), { host: "10.0.0.1", port: 80 });
});
