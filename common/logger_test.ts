import { test } from "node:test";
import assert from "node:assert/strict";
import { createManualClock } from "./clock.ts";
import { createLogger, escapeControlCharacters, type LogLevel } from "./logger.ts";

function captured(options: { json?: boolean; verbose?: boolean } = {}) {
  const lines: Array<[LogLevel, string]> = [];
  const logger = createLogger({
    ...options,
    sink: (line, level) => lines.push([level, line]),
    clock: createManualClock(Date.UTC(2026, 0, 2, 3, 4, 5, 6)),
  });
  return { logger, lines };
}

test("createLogger() writes text lines: level prefix except for info, then key=value", () => {
  const { logger, lines } = captured();
  logger.info("node ready", { nodeId: 7, mode: "standalone", skipped: undefined });
  logger.warn("peer refused", { reason: "stale proof", ok: false, none: null });
  logger.error("store commit failed", { error: 'disk "full"' });
  assert.deepEqual(lines, [
    ["info", "node ready nodeId=7 mode=standalone"],
    ["warn", 'warn: peer refused reason="stale proof" ok=false none=null'],
    ["error", 'error: store commit failed error="disk \\"full\\""'],
  ]);
});

test("createLogger() prints debug lines only when verbose", () => {
  const quiet = captured();
  quiet.logger.debug("client connected", { connection: 1 });
  assert.deepEqual(quiet.lines, []);
  const verbose = captured({ verbose: true });
  verbose.logger.debug("client connected", { connection: 1 });
  assert.deepEqual(verbose.lines, [["debug", "debug: client connected connection=1"]]);
});

test("createLogger() writes one JSON object per line in production", () => {
  const { logger, lines } = captured({ json: true });
  logger.info("node joined", { id: 3, address: "::1", region: undefined, event: "clash" });
  assert.equal(lines.length, 1);
  assert.equal(lines[0][0], "info");
  assert.deepEqual(JSON.parse(lines[0][1]), {
    time: "2026-01-02T03:04:05.006Z",
    level: "info",
    event: "node joined",
    id: 3,
    address: "::1",
    event_: "clash",
  });
});

test("createLogger() keeps one event on one line, whatever the text holds", () => {
  const hostile = "a\nfake: line\r\u001b[2J\u0085\u2028\u202e";
  for (const json of [false, true]) {
    const { logger, lines } = captured({ json });
    logger.warn(`event ${hostile}`, { name: hostile, [`key${hostile}`]: 1 });
    assert.equal(lines.length, 1);
    const line = lines[0][1];
    // deno-lint-ignore no-control-regex
    assert.doesNotMatch(line, /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202e]/);
    if (json) assert.equal(JSON.parse(line).name, hostile); // still the same text, once decoded
  }
});

test("createLogger() never writes a secret, a password or a token", () => {
  for (const json of [false, true]) {
    const { logger, lines } = captured({ json });
    logger.info("configured", {
      secret: "s3cret-value",
      clusterSecret: "s3cret-value",
      password: "hunter2",
      authToken: "eyJhbGciOi",
      authorization: "Bearer x",
      secretFrom: "env",
    });
    const line = lines[0][1];
    assert.doesNotMatch(line, /s3cret-value|hunter2|eyJhbGciOi|Bearer x/);
    assert.match(line, /secretFrom.{1,3}env/);
  }
});

test("escapeControlCharacters() writes control characters as \\uXXXX", () => {
  assert.equal(escapeControlCharacters("a\nb\u0000c\u009bd"), "a\\u000ab\\u0000c\\u009bd");
  assert.equal(escapeControlCharacters("plain text, ünïcode ❤️"), "plain text, ünïcode ❤️");
});
