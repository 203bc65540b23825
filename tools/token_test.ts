/**
 * `deno task token` as an operator runs it: the printed token verifies with the
 * same secret and carries the asked sub, lifetime and chats; without the secret
 * or with bad flags it says so on one line and exits non-zero.
 */
import assert from "node:assert/strict";
import { verifyUserToken } from "../common/user_token.ts";
import { parseTokenFlags } from "./token_flags.ts";

const SECRET = "token-task-test-secret-0123456789abcdef";
const DENO = new URL("../node_modules/deno/deno", import.meta.url).pathname;
const ROOT = new URL("../", import.meta.url).pathname;

async function runTask(args: string[], env: Record<string, string>) {
  const output = await new Deno.Command(DENO, {
    args: ["task", "token", ...args],
    cwd: ROOT,
    env,
    clearEnv: true,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const decode = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
  return { code: output.code, stdout: decode(output.stdout), stderr: decode(output.stderr) };
}

Deno.test("deno task token prints a token that verifies with DSATTER_AUTH_SECRET", async () => {
  const before = Date.now();
  const run = await runTask(["--sub", "ann", "--ttl", "2h", "--chats", "9000000001,7"], {
    DSATTER_AUTH_SECRET: SECRET,
    PATH: Deno.env.get("PATH") ?? "",
  });
  assert.equal(run.code, 0, run.stderr);
  const token = run.stdout.trim();
  assert.match(token, /^[\w-]+\.[\w-]+\.[\w-]+$/);
  const check = await verifyUserToken(token, { secret: SECRET });
  assert.equal(check.ok, true);
  if (!check.ok) return;
  assert.equal(check.claims.sub, "ann");
  assert.deepEqual(check.claims.chats, [9000000001, 7]);
  const lifetimeMs = check.claims.validUntilMs - 30_000 - before;
  assert.ok(lifetimeMs > 7_100_000 && lifetimeMs <= 7_201_000, String(lifetimeMs));
  assert.equal((await verifyUserToken(token, { secret: `${SECRET}x` })).ok, false);
});

Deno.test("deno task token refuses to run without the secret, in one line", async () => {
  const run = await runTask(["--sub", "ann"], { PATH: Deno.env.get("PATH") ?? "" });
  assert.equal(run.code, 1);
  assert.equal(run.stdout, "");
  assert.match(run.stderr, /Cannot make a token: deno task token needs DSATTER_AUTH_SECRET/);
});

Deno.test("parseTokenFlags() needs --sub and reads --ttl and --chats", () => {
  assert.deepEqual(parseTokenFlags(["--sub", "bob"]), {
    kind: "request",
    request: { sub: "bob", ttlSeconds: 3600, chats: [] },
  });
  assert.deepEqual(parseTokenFlags(["--sub", "bob", "--ttl", "15m", "--chats", "3, 4,3"]), {
    kind: "request",
    request: { sub: "bob", ttlSeconds: 900, chats: [3, 4] },
  });
  for (
    const argv of [[], ["--sub", ""], ["--sub", "x".repeat(65)], ["--sub", "a", "--ttl", "1w"], [
      "--sub",
      "a",
      "--chats",
      "a,b",
    ], ["--nope"]]
  ) {
    assert.equal(parseTokenFlags(argv).kind, "error", argv.join(" "));
  }
  assert.equal(parseTokenFlags(["--help"]).kind, "help");
});
