import assert from "node:assert/strict";
import { parseDiscoveryFlags } from "./discovery_flags.ts";

const envOf = (vars: Record<string, string>) => (name: string) => vars[name];

Deno.test("parseDiscoveryFlags() defaults, and every flag from DSATTER_<FLAG>", () => {
  assert.deepEqual(parseDiscoveryFlags([], { env: envOf({}), dataDir: "/d" }), {
    kind: "config",
    flags: {
      port: 8080,
      host: "0.0.0.0",
      kvPath: "/d/discovery.kv",
      ttlSeconds: 10,
      verbose: false,
      tls: undefined,
      insecure: false,
      drainSeconds: 0,
    },
  });
  const fromEnv = parseDiscoveryFlags([], {
    env: envOf({
      DSATTER_PORT: "9000",
      DSATTER_HOST: "127.0.0.1",
      DSATTER_KV: ":memory:",
      DSATTER_TTL: "4",
      DSATTER_TLS_CERT: "/c.pem",
      DSATTER_TLS_KEY: "/k.pem",
      DSATTER_INSECURE: "yes",
      DSATTER_DRAIN_SECONDS: "5",
      DSATTER_VERBOSE: "1",
    }),
  });
  assert.deepEqual(fromEnv, {
    kind: "config",
    flags: {
      port: 9000,
      host: "127.0.0.1",
      kvPath: ":memory:",
      ttlSeconds: 4,
      verbose: true,
      tls: { certPath: "/c.pem", keyPath: "/k.pem" },
      insecure: true,
      drainSeconds: 5,
    },
  });
});

Deno.test("parseDiscoveryFlags() the flag wins; DSATTER_DISCOVERY_TTL still sets --ttl", () => {
  const env = envOf({ DSATTER_PORT: "9000", DSATTER_DISCOVERY_TTL: "7" });
  const result = parseDiscoveryFlags(["--port", "0"], { env });
  assert.equal(result.kind === "config" && result.flags.port, 0);
  assert.equal(result.kind === "config" && result.flags.ttlSeconds, 7);
});

Deno.test("parseDiscoveryFlags() errors name the flag, or the variable it came from", () => {
  for (
    const [argv, vars, expected] of [
      [["--ttl", "0"], {}, /--ttl must be a positive number/],
      [["--nope"], {}, /Cannot start discovery: Unknown option '--nope'/],
      [["--tls-cert", "/c.pem"], {}, /--tls-cert and --tls-key go together/],
      [
        [],
        { DSATTER_PORT: "eighty" },
        /--port must be .*\(set from the environment: DSATTER_PORT\)/,
      ],
      [[], { DSATTER_INSECURE: "perhaps" }, /DSATTER_INSECURE must be true or false/],
    ] as const
  ) {
    const result = parseDiscoveryFlags([...argv], { env: envOf(vars) });
    assert.equal(result.kind, "error");
    if (result.kind === "error") {
      assert.match(result.message, /^Cannot start discovery: /);
      assert.match(result.message, expected);
    }
  }
  assert.equal(parseDiscoveryFlags(["--version"], { env: envOf({}) }).kind, "version");
});
