/**
 * `deno task client`: parses flags over the remembered config, picks the mode
 * (interactive, `--send`, `--follow`, piped stdin) and wires the adapters
 * (discovery or `--server` node list, WebSocket dialer, terminal) into it.
 * @module
 */

import packageJson from "../package.json" with { type: "json" };
import { versionLine } from "../common/build_info.ts";
import { type CliOptions, parseCliOptions } from "./cli_options.ts";
import { configFilePath, loadConfig } from "./config_file.ts";
import { runFollowMode } from "./follow_mode.ts";
import { runInteractiveMode } from "./interactive_mode.ts";
import { shouldUseColor } from "./message_format.ts";
import { dialNodeTrusting } from "./node_dialer.ts";
import { tokenDialer } from "./token_dialer.ts";
import type { Dialer } from "../sdk/node_connection.ts";
import { discoveryNodeSource } from "../sdk/discovery_source.ts";
import { type NodeSource, staticNodeSource } from "../sdk/node_source.ts";
import { tlsAwareNodeSource } from "./node_tls.ts";
import { runSendMode } from "./send_mode.ts";
import { printError, printLine, readLines } from "./text_output.ts";

async function main(args: string[]): Promise<number> {
  const configPath = configFilePath(Deno.env);
  let config = {};
  try {
    config = await loadConfig(configPath);
  } catch (error) {
    printError((error as Error).message);
  }
  const stdinIsTerminal = Deno.stdin.isTerminal();
  const parsed = parseCliOptions(args, { config, env: Deno.env, stdinIsTerminal });
  if (parsed.kind === "help") {
    printLine(parsed.text);
    return 0;
  }
  if (parsed.kind === "version") {
    printLine(versionLine("dsatter-client", {
      version: packageJson.version,
      runtime: `deno ${Deno.version.deno}`,
    }));
    return 0;
  }
  if (parsed.kind === "error") {
    printError(parsed.message);
    return 2;
  }
  const options: CliOptions = parsed.options;
  let httpClient: Deno.HttpClient | undefined;
  if (options.caPath) {
    try {
      httpClient = Deno.createHttpClient({ caCerts: [await Deno.readTextFile(options.caPath)] });
    } catch (error) {
      printError(`Cannot use --ca ${options.caPath}: ${(error as Error).message}`);
      return 1;
    }
  }
  const fetchTrusting = httpClient
    ? ((input: string | URL | Request, init?: RequestInit) =>
      fetch(input, { ...init, client: httpClient })) as typeof fetch
    : fetch;

  const interrupt = new AbortController();
  const onSignal = () => interrupt.abort();
  Deno.addSignalListener("SIGINT", onSignal);
  Deno.addSignalListener("SIGTERM", onSignal);

  const discoveryUrl = options.discoveryUrl;
  const source: NodeSource = options.serverUrls
    ? staticNodeSource(options.serverUrls)
    : tlsAwareNodeSource(
      discoveryNodeSource({ discoveryUrl, region: options.region, fetch: fetchTrusting }),
      { discoveryUrl, fetch: fetchTrusting },
    );
  // A refused or expired token ends the client with one sentence, whatever the mode.
  let authFailure: string | undefined;
  const dial = tokenDialer(dialNodeTrusting(httpClient), {
    token: options.token,
    onAuthFailure: (sentence) => {
      authFailure ??= sentence;
      interrupt.abort();
    },
  });
  const common = { options, source, dial, signal: interrupt.signal };
  const code = await runMode(options, common, stdinIsTerminal, configPath);
  if (authFailure === undefined) return code;
  printError(authFailure);
  return 1;
}

async function runMode(
  options: CliOptions,
  common: { options: CliOptions; source: NodeSource; dial: Dialer; signal: AbortSignal },
  stdinIsTerminal: boolean,
  configPath: string | undefined,
): Promise<number> {
  switch (options.mode) {
    case "send":
      return await runSendMode({ ...common, texts: [options.sendText!], printError });
    case "stdin":
      return await runSendMode({
        ...common,
        texts: readLines(Deno.stdin.readable),
        skipBlank: true,
        printError,
      });
    case "follow":
      return await runFollowMode({
        ...common,
        texts: stdinIsTerminal ? undefined : readLines(Deno.stdin.readable),
        color: shouldUseColor(Deno.env, Deno.stdout.isTerminal()),
        printLine,
        printError,
      });
    case "interactive":
      return await runInteractiveMode({
        ...common,
        color: shouldUseColor(Deno.env, Deno.stdout.isTerminal()),
        configPath,
      });
  }
}

if (import.meta.main) {
  Deno.exit(await main(Deno.args));
}
