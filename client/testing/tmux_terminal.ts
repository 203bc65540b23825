/**
 * Test harness: runs the real client in a real terminal, a detached tmux
 * session on its own socket (`tmux -L <unique>`), so tests type with
 * send-keys and read the screen with capture-pane, as a person would.
 *
 * Invariant: close() kills this harness's tmux server (and so the client)
 * and removes its temp home; nothing else is touched.
 * @module
 */

import { waitUntil } from "../../common/testing/wait_until.ts";
import { CLIENT_RUN_ARGS, DENO_PATH, REPO_ROOT } from "./spawn_client.ts";

const TMUX = "/usr/bin/tmux";

export interface TmuxClient {
  homeDir: string;
  screen(): Promise<string>;
  /** Polls the screen until the predicate holds; throws with the last screen after deadlineMs. */
  waitForScreen(
    predicate: (text: string) => boolean,
    what: string,
    deadlineMs?: number,
  ): Promise<string>;
  /** Types text literally (no Enter). */
  type(text: string): Promise<void>;
  /** Presses a tmux key name: Enter, C-u, C-c, ... */
  press(key: string): Promise<void>;
  /** Waits until the client exited; resolves with its exit code. */
  waitForExit(deadlineMs?: number): Promise<number>;
  /** The client's stderr so far. */
  stderr(): Promise<string>;
  close(): Promise<void>;
}

function shellQuote(text: string): string {
  return `'${text.replaceAll("'", `'\\''`)}'`;
}

async function runTmux(socket: string, args: string[]): Promise<string> {
  const output = await new Deno.Command(TMUX, { args: ["-L", socket, "-f", "/dev/null", ...args] })
    .output();
  if (!output.success) {
    throw new Error(
      `Cannot run tmux ${args[0]}: ${new TextDecoder().decode(output.stderr).trim()}`,
    );
  }
  return new TextDecoder().decode(output.stdout);
}

/** Starts the client with these flags in a 120x30 terminal, with its own HOME. */
export async function startTmuxClient(
  clientArgs: string[],
  options: { homeDir?: string; columns?: number; rows?: number } = {},
): Promise<TmuxClient> {
  const ownHome = options.homeDir === undefined;
  const homeDir = options.homeDir ?? await Deno.makeTempDir({ prefix: "dsatter-client-tmux-" });
  const socket = `dsatter-client-test-${crypto.randomUUID().slice(0, 8)}`;
  const exitFile = `${homeDir}/exit-code`;
  const stderrFile = `${homeDir}/stderr`;
  await Deno.remove(exitFile).catch(() => {});
  const command = [
    `cd ${shellQuote(REPO_ROOT)} &&`,
    `env HOME=${shellQuote(homeDir)} XDG_CONFIG_HOME=${
      shellQuote(`${homeDir}/.config`)
    } NO_COLOR=1`,
    shellQuote(DENO_PATH),
    ...CLIENT_RUN_ARGS,
    ...clientArgs.map(shellQuote),
    `2>${shellQuote(stderrFile)};`,
    `echo $? > ${shellQuote(exitFile)}`,
  ].join(" ");
  const size = [String(options.columns ?? 120), String(options.rows ?? 30)];
  await runTmux(socket, ["new-session", "-d", "-s", "chat", "-x", size[0], "-y", size[1], command]);
  let last = "";
  const screen = async () => {
    last = await runTmux(socket, ["capture-pane", "-p", "-t", "chat"]).catch(() => last);
    return last;
  };
  /** waitUntil, with the screen as it last was in the error. */
  async function waitShowingScreen(
    condition: () => Promise<boolean>,
    what: string,
    deadlineMs: number,
  ): Promise<void> {
    try {
      await waitUntil(condition, { what, deadlineMs, pollMs: 50 });
    } catch (error) {
      throw new Error(`${(error as Error).message}:\n${last}`);
    }
  }
  return {
    homeDir,
    screen,
    async waitForScreen(predicate, what, deadlineMs = 20_000) {
      let text = last;
      await waitShowingScreen(
        async () => predicate(text = await screen()),
        `${what} on the screen`,
        deadlineMs,
      );
      return text;
    },
    async type(text) {
      await runTmux(socket, ["send-keys", "-t", "chat", "-l", text]);
    },
    async press(key) {
      await runTmux(socket, ["send-keys", "-t", "chat", key]);
    },
    async waitForExit(deadlineMs = 20_000) {
      let code = "";
      await waitShowingScreen(
        async () => {
          code = (await Deno.readTextFile(exitFile).catch(() => "")).trim();
          return code !== "";
        },
        "the client exit",
        deadlineMs,
      );
      return Number(code);
    },
    stderr: () => Deno.readTextFile(stderrFile).catch(() => ""),
    async close() {
      await runTmux(socket, ["kill-server"]).catch(() => {});
      if (ownHome) await Deno.remove(homeDir, { recursive: true }).catch(() => {});
    },
  };
}
