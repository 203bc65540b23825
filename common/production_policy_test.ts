import { test } from "node:test";
import assert from "node:assert/strict";
import { isLoopbackHost } from "./host_address.ts";
import { productionRefusals, type ProductionSettings } from "./production_policy.ts";

const STRONG = "s".repeat(32);
const safe: ProductionSettings = {
  secret: STRONG,
  bindHost: "127.0.0.1",
  tls: false,
  insecure: false,
  env: () => undefined,
};

test("isLoopbackHost() knows localhost, 127/8 and ::1 in their spellings", () => {
  for (const host of ["localhost", "LOCALHOST.", "a.localhost", "127.0.0.1", "127.9.9.9", "::1"]) {
    assert.ok(isLoopbackHost(host), host);
  }
  for (const host of ["[::1]", "0:0:0:0:0:0:0:1", "::ffff:127.0.0.1"]) {
    assert.ok(isLoopbackHost(host));
  }
  for (const host of ["0.0.0.0", "::", "10.0.0.1", "discovery", "128.0.0.1", "::2"]) {
    assert.ok(!isLoopbackHost(host), host);
  }
});

test("productionRefusals() accepts strong, local or TLS settings", () => {
  assert.deepEqual(productionRefusals(safe), []);
  assert.deepEqual(productionRefusals({ ...safe, bindHost: "0.0.0.0", tls: true }), []);
  assert.deepEqual(
    productionRefusals({
      ...safe,
      bindHost: "0.0.0.0",
      insecure: true,
      discoveryUrl: "http://discovery:8080",
      peerUrls: ["ws://n2:3002"],
    }),
    [],
  );
  assert.deepEqual(
    productionRefusals({
      ...safe,
      discoveryUrl: "https://discovery.example",
      peerUrls: ["wss://n2:3002", "http://127.0.0.1:3003"],
    }),
    [],
  );
});

test("productionRefusals() gives one line per weak setting", () => {
  const lines = productionRefusals({
    ...safe,
    secret: "short",
    bindHost: "0.0.0.0",
    discoveryUrl: "http://10.0.0.5:8080",
    peerUrls: ["ws://10.0.0.6:3002"],
    storePath: ":memory:",
  });
  assert.equal(lines.length, 5);
  for (const line of lines) assert.match(line, /^Cannot start in production: /);
  assert.match(lines[0], /DSATTER_CLUSTER_SECRET has 5 characters, fewer than 32/);
  assert.match(lines[1], /--discovery http:\/\/10\.0\.0\.5:8080 is plain HTTP.*--insecure/);
  assert.match(lines[2], /peer ws:\/\/10\.0\.0\.6:3002/);
  assert.match(lines[3], /plain HTTP on 0\.0\.0\.0/);
  assert.match(lines[4], /:memory:/);
  assert.match(productionRefusals({ ...safe, secret: "" })[0], /DSATTER_CLUSTER_SECRET is not set/);
});

test("productionRefusals() wants a strong DSATTER_AUTH_SECRET when tokens are checked", () => {
  const withKey = (key?: string) => (name: string) =>
    name === "DSATTER_AUTH_SECRET" ? key : undefined;
  assert.deepEqual(productionRefusals({ ...safe, authMode: "off" }), []);
  assert.deepEqual(productionRefusals({ ...safe, authMode: "required", env: withKey(STRONG) }), []);
  const missing = productionRefusals({ ...safe, authMode: "required" });
  assert.equal(missing.length, 1);
  assert.match(missing[0], /--auth required needs DSATTER_AUTH_SECRET/);
  const short = productionRefusals({ ...safe, authMode: "optional", env: withKey("short") });
  assert.match(short[0], /DSATTER_AUTH_SECRET has 5 characters, fewer than 32/);
});

test("productionRefusals() refuses a cluster secret of 31 characters and takes one of 32", () => {
  const [line] = productionRefusals({ ...safe, secret: "s".repeat(31) });
  assert.match(line, /DSATTER_CLUSTER_SECRET has 31 characters, fewer than 32/);
  assert.deepEqual(productionRefusals({ ...safe, secret: "s".repeat(32) }), []);
});
