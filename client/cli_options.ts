/**
 * The client's command line: flags (node:util parseArgs) over the remembered
 * config over defaults, checked up front so every mistake is one clear line.
 *
 * Invariant: a returned CliOptions is complete and valid (URLs parse and have
 * the right scheme, chat and name are in the contract's ranges); anything else
 * is an error value, never an exception.
 * @module
 */

import { parseArgs } from "node:util";
import { DEFAULT_CHAT_ID, Limits } from "../common/protocol.ts";
import { charLength } from "../common/client_frame_validation.ts";
import { parseChatIdArgument } from "./command_parser.ts";
import { tokenSubject } from "../sdk/token_subject.ts";
import type { ClientConfig } from "./config_file.ts";

export const DEFAULT_DISCOVERY_URL = "http://localhost:8080";

export type ClientMode = "interactive" | "send" | "follow" | "stdin";

export interface CliOptions {
  mode: ClientMode;
  discoveryUrl: string;
  /** `--server`: nodes to use instead of discovery (ws:// URLs), tried in order. */
  serverUrls?: string[];
  /** `--region` (or $DSATTER_REGION): discovery puts that region's nodes first. */
  region?: string;
  /** `--ca FILE`: extra CA (PEM) trusted for https:// discovery and wss:// nodes. */
  caPath?: string;
  name: string;
  chatId: number;
  /** `--send TEXT`. */
  sendText?: string;
  json: boolean;
  /** How long a message may wait for its acknowledgement before the client gives up. */
  ackTimeoutMs: number;
  /** Messages of history on entry (interactive) or before following (`--follow`). */
  historyLimit: number;
  verbose: boolean;
  /** `--token` (or $DSATTER_TOKEN): the user token (section 6); never remembered. */
  token?: string;
  /** Which values came from flags, so only those are remembered. */
  explicit: { discovery: boolean; name: boolean; chat: boolean };
}

export type CliParse =
  | { kind: "run"; options: CliOptions }
  | { kind: "help"; text: string }
  | { kind: "version" }
  | { kind: "error"; message: string };

export const HELP_TEXT = `DSatter terminal client

Usage: deno task client [options]

  --discovery URL   discovery service (default ${DEFAULT_DISCOVERY_URL}, or the last one used)
  --server URL      connect straight to this node (ws://HOST:PORT/); comma-separate several
  --region R        prefer nodes of this region (default $DSATTER_REGION, else any)
  --name NICK       your name (default: the token's name, else remembered, else $USER)
  --token T         user token for nodes that ask for one (default $DSATTER_TOKEN; see
                    deno task token); never remembered
  --chat ID         chat to use (default ${DEFAULT_CHAT_ID}, or the last one used)
  --send TEXT       send one message, wait for its acknowledgement, exit 0 (1 if none comes)
  --follow          print every new message as it arrives (stdin lines are sent too, when piped)
  --json            with --follow: one JSON message object per line
  --history N       messages of history shown on entry (default 50 interactive, 0 with --follow)
  --timeout SECONDS how long a message may wait for its acknowledgement (default 10)
  --ca FILE         trust this PEM CA too, for https:// discovery and wss:// nodes
                    (or DENO_CERT=FILE, Deno's own variable)
  --verbose         more status lines on stderr
  --version         print the version and exit
  -h, --help        this text

With neither --send nor --follow: an interactive chat when stdin is a terminal (type /help
there), otherwise every stdin line is sent as a message and the client exits once all are
acknowledged. Settings (discovery, name, chat) are remembered in
$XDG_CONFIG_HOME/dsatter/config.json (or ~/.config/dsatter/config.json) by the interactive
client; flags override them.`;

export interface CliContext {
  config: ClientConfig;
  env: { get(name: string): string | undefined };
  stdinIsTerminal: boolean;
}

const FLAGS = {
  discovery: { type: "string" },
  server: { type: "string" },
  region: { type: "string" },
  name: { type: "string" },
  token: { type: "string" },
  chat: { type: "string" },
  send: { type: "string" },
  follow: { type: "boolean", default: false },
  json: { type: "boolean", default: false },
  history: { type: "string" },
  timeout: { type: "string" },
  ca: { type: "string" },
  verbose: { type: "boolean", default: false },
  version: { type: "boolean", default: false },
  help: { type: "boolean", short: "h", default: false },
} as const;

type FlagValues = ReturnType<typeof parseArgs<{ options: typeof FLAGS }>>["values"];
type Failure = Extract<CliParse, { kind: "error" }>;

function isFailure<T>(value: T | Failure): value is Failure {
  return typeof value === "object" && value !== null && "kind" in value && value.kind === "error";
}

/** Parses argv (without the program name). */
export function parseCliOptions(args: string[], context: CliContext): CliParse {
  let values: FlagValues;
  try {
    ({ values } = parseArgs({ args, strict: true, allowPositionals: false, options: FLAGS }));
  } catch (error) {
    const reason = (error as Error).message.replace(/\s*\n\s*/g, " ");
    return fail(`Cannot parse arguments: ${reason} (--help lists the options)`);
  }
  if (values.help) return { kind: "help", text: HELP_TEXT };
  if (values.version) return { kind: "version" };
  if (values.ca === "") return fail("Cannot use --ca: the path is empty");
  const { config, env } = context;

  const discoveryUrl = values.discovery ?? config.discovery ?? DEFAULT_DISCOVERY_URL;
  const discoveryError = checkHttpUrl(discoveryUrl);
  if (discoveryError) return fail(`Cannot use discovery URL ${discoveryUrl}: ${discoveryError}`);
  const serverUrls = serverUrlsOf(values.server);
  if (isFailure(serverUrls)) return serverUrls;
  const region = regionOf(values.region ?? (env.get("DSATTER_REGION") || undefined));
  if (isFailure(region)) return region;
  const token = tokenOf(values.token ?? env.get("DSATTER_TOKEN"));
  if (isFailure(token)) return token;
  const name = nameOf(
    values.name ?? tokenSubject(token) ?? config.name ?? env.get("USER") ?? env.get("USERNAME"),
  );
  if (isFailure(name)) return name;
  const chatId = chatIdOf(values.chat, config.chat ?? DEFAULT_CHAT_ID);
  if (isFailure(chatId)) return chatId;
  const sendProblem = checkSend(values);
  if (sendProblem) return sendProblem;
  const ackTimeoutMs = ackTimeoutOf(values.timeout);
  if (isFailure(ackTimeoutMs)) return ackTimeoutMs;
  const mode: ClientMode = values.send !== undefined
    ? "send"
    : values.follow
    ? "follow"
    : context.stdinIsTerminal
    ? "interactive"
    : "stdin";
  const historyLimit = historyLimitOf(values.history, mode === "interactive" ? 50 : 0);
  if (isFailure(historyLimit)) return historyLimit;

  return {
    kind: "run",
    options: {
      mode,
      discoveryUrl: discoveryUrl.replace(/\/+$/, ""),
      serverUrls,
      region,
      caPath: values.ca,
      name,
      chatId,
      sendText: values.send,
      json: values.json,
      ackTimeoutMs,
      historyLimit,
      verbose: values.verbose,
      token,
      explicit: {
        discovery: values.discovery !== undefined,
        name: values.name !== undefined,
        chat: values.chat !== undefined,
      },
    },
  };
}

/** `--token` or $DSATTER_TOKEN: a JWT's three base64url parts (the node verifies it). */
function tokenOf(value: string | undefined): string | undefined | Failure {
  const token = value?.trim() || undefined;
  if (token === undefined || /^[\w-]+\.[\w-]+\.[\w-]*$/.test(token)) return token;
  return fail(
    "Cannot use --token: it is not a token (three base64url parts, as deno task token prints)",
  );
}

/** `--server`: comma-separated node URLs, as WebSocket URLs. */
function serverUrlsOf(value: string | undefined): string[] | undefined | Failure {
  if (value === undefined) return undefined;
  const urls: string[] = [];
  for (const part of value.split(",").map((s) => s.trim()).filter(Boolean)) {
    const url = toWebSocketUrl(part);
    if (typeof url !== "string") return fail(`Cannot use server URL ${part}: ${url.error}`);
    urls.push(url);
  }
  return urls.length > 0 ? urls : fail("Cannot use --server: no URL given");
}

function regionOf(region: string | undefined): string | undefined | Failure {
  if (region === undefined || /^[A-Za-z0-9._-]{1,64}$/.test(region)) return region;
  return fail(`Cannot use region "${region}": it must be 1..64 letters, digits, '.', '_' or '-'`);
}

function nameOf(name = "guest"): string | Failure {
  if (name.length < 1 || charLength(name) > Limits.senderMaxChars || name.trim() === "") {
    return fail(`Cannot use name "${name}": it must be 1..${Limits.senderMaxChars} characters`);
  }
  return name;
}

function chatIdOf(value: string | undefined, fallback: number): number | Failure {
  if (value === undefined) return fallback;
  const parsed = parseChatIdArgument(value);
  if (parsed !== null) return parsed;
  return fail(`Cannot use chat "${value}": it must be an integer from 0 to 2^53 - 1`);
}

function checkSend(values: FlagValues): Failure | undefined {
  if (values.send === undefined) return undefined;
  if (values.send.length < 1 || charLength(values.send) > Limits.textMaxChars) {
    return fail(`Cannot send: the text must be 1..${Limits.textMaxChars} characters`);
  }
  if (values.follow) return fail("Cannot use --send with --follow: pick one");
  return undefined;
}

function ackTimeoutOf(value: string | undefined): number | Failure {
  if (value === undefined) return 10_000;
  const seconds = Number(value);
  if (!(seconds > 0) || seconds > 3600) {
    return fail(`Cannot use --timeout ${value}: it must be seconds in (0, 3600]`);
  }
  return Math.round(seconds * 1000);
}

function historyLimitOf(value: string | undefined, fallback: number): number | Failure {
  if (value === undefined) return fallback;
  const limit = Number(value);
  if (!Number.isInteger(limit) || limit < 0 || limit > Limits.syncLimitMax) {
    return fail(`Cannot use --history ${value}: it must be 0..${Limits.syncLimitMax}`);
  }
  return limit;
}

function fail(message: string): Failure {
  return { kind: "error", message };
}

function checkHttpUrl(text: string): string | undefined {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return "not a URL (expected http://HOST:PORT)";
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    return `scheme ${url.protocol} is not http: or https:`;
  }
  return undefined;
}

/** ws:// and wss:// as given; http(s):// and bare HOST:PORT mapped to their WebSocket form. */
export function toWebSocketUrl(text: string): string | { error: string } {
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(text) ? text : `ws://${text}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    return { error: "not a URL (expected ws://HOST:PORT/)" };
  }
  if (url.protocol === "http:") url.protocol = "ws:";
  else if (url.protocol === "https:") url.protocol = "wss:";
  if (url.protocol !== "ws:" && url.protocol !== "wss:") {
    return { error: `scheme ${url.protocol} is not ws:, wss:, http: or https:` };
  }
  if (!url.hostname) return { error: "no host" };
  return url.href;
}
