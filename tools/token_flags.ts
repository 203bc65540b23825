/**
 * Flags of `deno task token --sub NAME [--ttl 1h] [--chats 1,2]` (PROTOCOL.md
 * section 6), parsed into what to sign, or an error sentence, or the help text.
 * Pure: no process access.
 *
 * Invariant: a returned request has a sub of 1..64 characters, a ttl of at
 * least one second and chat ids >= 0.
 * @module
 */

import { parseArgs } from "node:util";
import { charLength, isChatId } from "../common/client_frame_validation.ts";
import { Limits } from "../common/protocol.ts";
import { parseDurationSeconds } from "../common/user_token.ts";

export interface TokenRequest {
  sub: string;
  ttlSeconds: number;
  chats: number[];
}

export type TokenFlags =
  | { kind: "request"; request: TokenRequest }
  | { kind: "help"; text: string }
  | { kind: "error"; message: string };

export const DEFAULT_TTL_SECONDS = 3600;

export const TOKEN_HELP = `DSatter user token

Usage: deno task token --sub NAME [--ttl 1h] [--chats 1,2]

  --sub NAME     the user's name (1..64 characters): what the holder sends as
  --ttl T        lifetime: 90, 90s, 15m, 1h, 7d (default 1h; nodes refuse over 24 h
                 unless started with a larger --max-token-lifetime)
  --chats L      private chat ids the holder may use besides its own (comma list)
  --help         this text

Prints the token (HS256, signed with DSATTER_AUTH_SECRET) on one line.
Pass it as: deno task client --token T, or the web page's /?token=T.
`;

export function parseTokenFlags(argv: string[]): TokenFlags {
  let values;
  try {
    values = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        sub: { type: "string" },
        ttl: { type: "string" },
        chats: { type: "string" },
        help: { type: "boolean", short: "h" },
      },
    }).values;
  } catch (error) {
    return { kind: "error", message: `Cannot parse flags: ${(error as Error).message}` };
  }
  if (values.help) return { kind: "help", text: TOKEN_HELP };
  const sub = values.sub;
  if (sub === undefined || charLength(sub) < 1 || charLength(sub) > Limits.senderMaxChars) {
    return {
      kind: "error",
      message: "Cannot parse flags: --sub NAME (1..64 characters) is required",
    };
  }
  const ttlSeconds = values.ttl === undefined
    ? DEFAULT_TTL_SECONDS
    : parseDurationSeconds(values.ttl);
  if (ttlSeconds === null) {
    return {
      kind: "error",
      message: "Cannot parse flags: --ttl must be like 90, 90s, 15m, 1h or 7d",
    };
  }
  const chats = (values.chats ?? "").split(",").map((id) => id.trim()).filter(Boolean)
    .map(Number);
  if (!chats.every(isChatId)) {
    return {
      kind: "error",
      message: "Cannot parse flags: --chats must be chat ids (integers >= 0)",
    };
  }
  return { kind: "request", request: { sub, ttlSeconds, chats: [...new Set(chats)] } };
}
