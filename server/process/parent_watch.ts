/**
 * Stops the node when the `bun run server` that started it is gone: a SIGKILL of
 * that runner reaches no child, so without this the node would go on holding its
 * port, its database lock and its place in discovery. A node started any other
 * way (directly, by `make dev`, by a test) is never watched.
 * @module
 */

import { readFileSync } from "node:fs";
import process from "node:process";
import { isScriptRunner, parseProcCmdline } from "../../common/script_runner.ts";

/** Calls onGone once if this process was started by a script runner that later dies. */
export function watchScriptRunnerParent(onGone: () => void, intervalMs = 500): () => void {
  const parent = process.ppid;
  let argv: string[];
  try {
    argv = parseProcCmdline(readFileSync(`/proc/${parent}/cmdline`, "utf8"));
  } catch {
    return () => {}; // no /proc (not Linux): nothing to watch
  }
  if (!isScriptRunner(argv)) return () => {};
  const timer = setInterval(() => {
    if (process.ppid === parent) return;
    clearInterval(timer);
    onGone();
  }, intervalMs);
  timer.unref?.();
  return () => clearInterval(timer);
}
