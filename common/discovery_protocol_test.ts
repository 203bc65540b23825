import { test } from "node:test";
import assert from "node:assert/strict";
import {
  heartbeatIntervalMs,
  parseActiveNode,
  parseActiveNodeList,
  parseWatchEvent,
  validateLoginBody,
  validateLogoutBody,
  validateRegisterBody,
} from "./discovery_protocol.ts";

const login = { id: 3, password: "pw", syncport: 4000, clientport: 4000 };

test("validateRegisterBody() accepts a password and rejects everything else", () => {
  assert.deepEqual(validateRegisterBody({ password: "secret" }), {
    ok: true,
    value: { password: "secret" },
  });
  const rejected: unknown[] = [
    null,
    [],
    "pw",
    {},
    { password: 5 },
    { password: "" },
    { password: "x".repeat(1025) },
  ];
  for (const body of rejected) {
    const result = validateRegisterBody(body);
    assert.equal(result.ok, false, JSON.stringify(body));
    if (!result.ok) assert.match(result.error, /body|password/);
  }
});

test("validateLoginBody() keeps the optional fields and checks each one", () => {
  assert.deepEqual(validateLoginBody(login), { ok: true, value: login });
  const full = { ...login, address: " 10.0.0.7 ", load: 12, region: "eu" };
  assert.deepEqual(validateLoginBody(full), {
    ok: true,
    value: { ...login, address: "10.0.0.7", load: 12, region: "eu" },
  });
  assert.deepEqual(validateLoginBody({ ...login, syncaddress: " node1 " }), {
    ok: true,
    value: { ...login, syncaddress: "node1" },
  });
  assert.deepEqual(validateLoginBody({ ...login, transport: "nats" }), {
    ok: true,
    value: { ...login, transport: "nats" },
  });
  assert.deepEqual(validateLoginBody({ ...login, address: null, load: null, region: null }), {
    ok: true,
    value: login,
  });
  const cases: [Record<string, unknown>, RegExp][] = [
    [{ ...login, id: undefined }, /id is required/],
    [{ ...login, id: "3" }, /id must be/],
    [{ ...login, id: 0 }, /id must be/],
    [{ ...login, id: 1.5 }, /id must be/],
    [{ ...login, password: undefined }, /password is required/],
    [{ ...login, syncport: undefined }, /syncport is required/],
    [{ ...login, clientport: 70000 }, /clientport must be/],
    [{ ...login, clientport: "4000" }, /clientport must be/],
    [{ ...login, address: 7 }, /address must be a string/],
    [{ ...login, address: "" }, /address must be 1/],
    [{ ...login, address: "http://x" }, /host name or an IP address, without a port/],
    [{ ...login, address: "127.0.0.1:9999" }, /without a port/],
    [{ ...login, address: "0" }, /host name or an IP address/],
    [{ ...login, address: "-bad-" }, /host name or an IP address/],
    [{ ...login, address: "a..b" }, /host name or an IP address/],
    [{ ...login, syncaddress: 7 }, /syncaddress must be a string/],
    [{ ...login, syncaddress: "node1:3000" }, /syncaddress must be a host name .* without a port/],
    [{ ...login, load: -1 }, /load/],
    [{ ...login, load: 0.5 }, /load/],
    [{ ...login, region: "" }, /region/],
    [{ ...login, region: 4 }, /region/],
    [{ ...login, transport: "kafka" }, /transport must be one of mesh, nats/],
    [{ ...login, transport: 1 }, /transport/],
  ];
  for (const [body, error] of cases) {
    const result = validateLoginBody(body);
    assert.equal(result.ok, false, JSON.stringify(body));
    if (!result.ok) assert.match(result.error, error);
  }
});

test("validateLoginBody() counts characters (code points) and refuses lone surrogates, as the nodes do", () => {
  const emoji = "😀".repeat(64); // 64 characters, 128 UTF-16 code units
  assert.equal(validateLoginBody({ ...login, region: emoji }).ok, true);
  assert.equal(validateLoginBody({ ...login, password: "😀".repeat(1024) }).ok, true);
  assert.equal(validateLoginBody({ ...login, region: emoji + "😀" }).ok, false);
  assert.equal(validateLoginBody({ ...login, region: "eu\ud800" }).ok, false);
  assert.equal(validateRegisterBody({ password: "a\udc00" }).ok, false);
});

test("validateLogoutBody() needs id and password", () => {
  assert.deepEqual(validateLogoutBody({ id: 1, password: "p" }), {
    ok: true,
    value: { id: 1, password: "p" },
  });
  assert.equal(validateLogoutBody({ id: 1 }).ok, false);
  assert.equal(validateLogoutBody({ password: "p" }).ok, false);
});

test("parseActiveNode() keeps a known transport and drops an unknown one", () => {
  const node = { id: 1, address: "10.0.0.1", syncport: 1, clientport: 2, load: 0 };
  assert.deepEqual(parseActiveNode({ ...node, transport: "nats" }), {
    ok: true,
    value: { ...node, transport: "nats" },
  });
  assert.deepEqual(parseActiveNode({ ...node, transport: "carrier-pigeon" }), {
    ok: true,
    value: node,
  });
});

test("parseActiveNodeList() reads lists and defaults a missing load to 0", () => {
  const body = {
    activeNodes: [{ id: 1, address: "10.0.0.1", syncport: 1, clientport: 2, region: "eu" }],
  };
  assert.deepEqual(parseActiveNodeList(body), {
    ok: true,
    value: [{ id: 1, address: "10.0.0.1", syncport: 1, clientport: 2, load: 0, region: "eu" }],
  });
  const peerAddressed = { id: 3, address: "127.0.0.1", syncaddress: "node3", syncport: 3000 };
  assert.deepEqual(parseActiveNodeList({ activeNodes: [{ ...peerAddressed, clientport: 3003 }] }), {
    ok: true,
    value: [{ ...peerAddressed, clientport: 3003, load: 0 }],
  });
  assert.equal(parseActiveNodeList({ activeNodes: [{ id: 1 }] }).ok, false);
  assert.equal(parseActiveNodeList({}).ok, false);
});

test("parseWatchEvent() types snapshot and change events", () => {
  const node = { id: 2, address: "a", syncport: 5, clientport: 5, load: 1 };
  assert.deepEqual(parseWatchEvent("snapshot", JSON.stringify({ activeNodes: [node] })), {
    ok: true,
    value: { kind: "snapshot", activeNodes: [node] },
  });
  for (const kind of ["joined", "left", "expired"] as const) {
    assert.deepEqual(parseWatchEvent(kind, JSON.stringify(node)), {
      ok: true,
      value: { kind, node },
    });
  }
  assert.equal(parseWatchEvent("joined", "{").ok, false);
  assert.equal(parseWatchEvent("rebooted", JSON.stringify(node)).ok, false);
});

test("heartbeatIntervalMs() is a third of the TTL", () => {
  assert.equal(heartbeatIntervalMs(10), 3333);
  assert.equal(heartbeatIntervalMs(1), 333);
});
