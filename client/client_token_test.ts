/**
 * The terminal client with user tokens against a real `--auth required` node:
 * `--token` (and $DSATTER_TOKEN) sends as the token's name; a refused token, a
 * missing one and an expired connection each end the client with one sentence
 * and exit 1, instead of failing over forever.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { signUserToken } from "../common/user_token.ts";
import { spawnNode } from "../server/testing/spawn_node.ts";
import { runClient, spawnClient } from "./testing/spawn_client.ts";

const AUTH_SECRET = "client-token-test-auth-secret-0123456789";

function token(sub: string, ttlSeconds = 600, nowMs = Date.now()): Promise<string> {
  return signUserToken({ secret: AUTH_SECRET, sub, ttlSeconds, nowMs });
}

test("client --token sends as the token's name on a node that requires tokens", async () => {
  const node = await spawnNode({
    extraArgs: ["--auth", "required", "--token-leeway", "0"],
    env: { DSATTER_AUTH_SECRET: AUTH_SECRET },
  });
  try {
    const ann = await token("ann");
    const sent = await runClient([
      "--server",
      node.wsUrl,
      "--token",
      ann,
      "--send",
      "with a token",
    ]);
    assert.equal(sent.code, 0, sent.stderr.join("\n"));
    const viaEnv = await runClient(["--server", node.wsUrl, "--send", "from env"], {
      env: { DSATTER_TOKEN: ann },
    });
    assert.equal(viaEnv.code, 0, viaEnv.stderr.join("\n"));
    const history = await (await fetch(`${node.url}/api/chats/11/messages`, {
      headers: { authorization: `Bearer ${ann}` },
    })).json() as Array<{ text: string; sender: string }>;
    assert.deepEqual(history.map((m) => [m.sender, m.text]), [
      ["ann", "with a token"],
      ["ann", "from env"],
    ]);

    const expired = await token("ann", 60, Date.now() - 120_000);
    const refused = await runClient(["--server", node.wsUrl, "--token", expired, "--send", "x"]);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr.join("\n"), /the node refused the token \(invalid or expired\)/);

    const none = await runClient(["--server", node.wsUrl, "--name", "ann", "--send", "x"]);
    assert.equal(none.code, 1);
    assert.match(none.stderr.join("\n"), /requires a user token: pass --token/);

    const short = await token("ann", 4);
    const follower = await spawnClient(["--server", node.wsUrl, "--token", short, "--follow"]);
    const code = await Promise.race([
      follower.exited,
      new Promise<number>((resolve) => setTimeout(() => resolve(-1), 30_000)),
    ]);
    if (code === -1) await follower.stop();
    assert.equal(code, 1);
    assert.match(follower.stderrLines.join("\n"), /the token expired \(close 4003\)/);
  } finally {
    await node.stop();
  }
});
