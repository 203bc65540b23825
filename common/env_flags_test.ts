import { test } from "node:test";
import assert from "node:assert/strict";
import { envFlagsNote, envNameOfFlag, type FlagTable, withEnvFlags } from "./env_flags.ts";

const TABLE = {
  port: { type: "string" },
  "rate-limit": { type: "string" },
  standalone: { type: "boolean" },
  peers: { type: "string" },
  verbose: { type: "boolean", short: "v" },
  ttl: { type: "string" },
  help: { type: "boolean", short: "h" },
  version: { type: "boolean" },
} satisfies FlagTable;

const envOf = (vars: Record<string, string>) => (name: string) => vars[name];

test("envNameOfFlag() upper-cases and turns dashes into underscores", () => {
  assert.equal(envNameOfFlag("rate-limit"), "DSATTER_RATE_LIMIT");
  assert.equal(envNameOfFlag("tls-cert"), "DSATTER_TLS_CERT");
});

test("withEnvFlags() puts variables before argv; the command line wins", () => {
  const result = withEnvFlags(["--port", "1"], TABLE, {
    env: envOf({ DSATTER_PORT: "2", DSATTER_RATE_LIMIT: "5", DSATTER_VERBOSE: "true" }),
  });
  assert.deepEqual(result, {
    ok: true,
    args: ["--rate-limit=5", "--verbose", "--port", "1"],
    fromEnv: { "rate-limit": "DSATTER_RATE_LIMIT", verbose: "DSATTER_VERBOSE" },
  });
});

test("withEnvFlags() sees --x=v, --no-x and short flags as given", () => {
  const env = envOf({ DSATTER_PORT: "2", DSATTER_VERBOSE: "1", DSATTER_STANDALONE: "1" });
  const result = withEnvFlags(["--port=3", "-v", "--no-standalone"], TABLE, { env });
  assert.ok(result.ok);
  assert.deepEqual(result.args, ["--port=3", "-v", "--no-standalone"]);
});

test("withEnvFlags() booleans: true words set, false words and empty leave unset, others refused", () => {
  for (const word of ["1", "true", "YES", "on"]) {
    const result = withEnvFlags([], TABLE, { env: envOf({ DSATTER_STANDALONE: word }) });
    assert.ok(result.ok && result.args.includes("--standalone"), word);
  }
  for (const word of ["0", "false", "No", "off", ""]) {
    const result = withEnvFlags([], TABLE, { env: envOf({ DSATTER_STANDALONE: word }) });
    assert.ok(result.ok && result.args.length === 0, word);
  }
  const bad = withEnvFlags([], TABLE, { env: envOf({ DSATTER_STANDALONE: "maybe" }) });
  assert.equal(bad.ok, false);
  if (!bad.ok) assert.match(bad.error, /DSATTER_STANDALONE must be true or false, not "maybe"/);
});

test("withEnvFlags() skips help and version, honours aliases after the own name", () => {
  const env = envOf({ DSATTER_HELP: "1", DSATTER_VERSION: "1", DSATTER_DISCOVERY_TTL: "7" });
  const aliased = withEnvFlags([], TABLE, { env, aliases: { ttl: ["DSATTER_DISCOVERY_TTL"] } });
  assert.deepEqual(aliased.ok && aliased.args, ["--ttl=7"]);
  const both = withEnvFlags([], TABLE, {
    env: envOf({ DSATTER_TTL: "3", DSATTER_DISCOVERY_TTL: "7" }),
    aliases: { ttl: ["DSATTER_DISCOVERY_TTL"] },
  });
  assert.deepEqual(both.ok && both.args, ["--ttl=3"]);
});

test("withEnvFlags() an exclusive group given on the command line silences its variables", () => {
  const env = envOf({ DSATTER_PEERS: "a:1", DSATTER_STANDALONE: "1", DSATTER_PORT: "4" });
  const result = withEnvFlags(["--standalone"], TABLE, {
    env,
    exclusive: [["standalone", "peers"]],
  });
  assert.deepEqual(result.ok && result.args, ["--port=4", "--standalone"]);
  assert.equal(envFlagsNote({}), "");
  assert.equal(envFlagsNote({ port: "DSATTER_PORT" }), " (set from the environment: DSATTER_PORT)");
});
