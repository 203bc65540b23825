import { test } from "node:test";
import assert from "node:assert/strict";
import { isScriptRunner, parseProcCmdline } from "./script_runner.ts";

test("isScriptRunner() is true for `bun run` and `deno task`, whatever the path", () => {
  assert.equal(isScriptRunner(["./node_modules/.bin/bun", "run", "server"]), true);
  assert.equal(isScriptRunner(["/usr/local/bin/bun", "run", "server", "--port", "0"]), true);
  assert.equal(isScriptRunner(["/work/main/node_modules/deno/deno", "task", "discovery"]), true);
  assert.equal(isScriptRunner(["C:\\bin\\deno.exe", "task", "discovery"]), true);
});

test("isScriptRunner() is false for shells, test runners and the processes themselves", () => {
  assert.equal(isScriptRunner(["bun", "test", "server/"]), false);
  assert.equal(isScriptRunner(["bun", "server/dev/dev_cluster.ts"]), false);
  assert.equal(isScriptRunner(["deno", "run", "-A", "discovery/main.ts"]), false);
  assert.equal(isScriptRunner(["/bin/bash"]), false);
  assert.equal(isScriptRunner(["make", "run"]), false);
  assert.equal(isScriptRunner([]), false);
});

test("parseProcCmdline() splits on NUL and drops the trailing one", () => {
  assert.deepEqual(parseProcCmdline("bun\0run\0server\0"), ["bun", "run", "server"]);
  assert.deepEqual(parseProcCmdline(""), []);
});
