/**
 * `deno task client`: parses flags over the remembered config, picks the mode
 * (interactive, `--send`, `--follow`, piped stdin) and wires the adapters
 * (discovery or `--server` node list, WebSocket dialer, terminal) into it.
 * @module
 */

import { type CliOptions, parseCliOptions } from "./cli_options.ts";
import { configFilePath, loadConfig } from "./config_file.ts";
import { runFollowMode } from "./follow_mode.ts";
import { runInteractiveMode } from "./interactive_mode.ts";
import { shouldUseColor } from "./message_format.ts";
import { dialNode } from "./node_dialer.ts";
import { discoveryNodeSource } from "../sdk/discovery_source.ts";
import { type NodeSource, staticNodeSource } from "../sdk/node_source.ts";
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
  if (parsed.kind === "error") {
    printError(parsed.message);
    return 2;
  }
  const options: CliOptions = parsed.options;

  const interrupt = new AbortController();
  const onSignal = () => interrupt.abort();
  Deno.addSignalListener("SIGINT", onSignal);
  Deno.addSignalListener("SIGTERM", onSignal);

  const source: NodeSource = options.serverUrls
    ? staticNodeSource(options.serverUrls)
    : discoveryNodeSource({ discoveryUrl: options.discoveryUrl, region: options.region });
  const common = { options, source, dial: dialNode, signal: interrupt.signal };

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
