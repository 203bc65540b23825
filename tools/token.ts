/**
 * `deno task token --sub NAME [--ttl 1h] [--chats 1,2]`: prints a user token
 * signed with DSATTER_AUTH_SECRET (PROTOCOL.md section 6), for operators and
 * scripts. Exit 0 with the token alone on stdout; 1 (no secret), 2 (bad flags)
 * with one line on stderr.
 * @module
 */

import { readAuthSecret } from "../common/auth_secret.ts";
import { isProduction } from "../common/cluster_secret.ts";
import { signUserToken } from "../common/user_token.ts";
import { parseTokenFlags } from "./token_flags.ts";

async function main(): Promise<number> {
  const flags = parseTokenFlags(Deno.args);
  if (flags.kind === "help") {
    console.log(flags.text);
    return 0;
  }
  if (flags.kind === "error") {
    console.error(`${flags.message}\n(try --help)`);
    return 2;
  }
  const env = (name: string) => Deno.env.get(name);
  const secret = readAuthSecret(env, isProduction(env), "deno task token");
  if (!secret.ok) {
    console.error(secret.error.replace("Cannot start", "Cannot make a token"));
    return 1;
  }
  if (secret.warning) console.error(`warning: ${secret.warning}`);
  const { sub, ttlSeconds, chats } = flags.request;
  if (ttlSeconds > 86400) {
    console.error(
      "warning: nodes refuse tokens living over 24 h unless --max-token-lifetime allows",
    );
  }
  console.log(await signUserToken({ secret: secret.secret!, sub, ttlSeconds, chats }));
  return 0;
}

Deno.exit(await main());
