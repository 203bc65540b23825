/**
 * Stops discovery when the `deno task discovery` that started it is gone: a
 * SIGKILL of the task runner reaches no child, so without this discovery would
 * go on holding its port and its KV file. Deno's permissions keep /proc out of
 * reach without --allow-all, so the runner is recognised by the INIT_CWD that
 * `deno task` (like npm and bun scripts) puts in its commands' environment;
 * discovery started directly (a supervisor, `make dev`, a test) is not watched.
 * @module
 */

/** Calls onGone once if this process was started by a script runner that later dies. */
export function watchScriptRunnerParent(onGone: () => void, intervalMs = 500): () => void {
  if (Deno.env.get("INIT_CWD") === undefined) return () => {};
  const parent = Deno.ppid;
  const timer = setInterval(() => {
    if (Deno.ppid === parent) return;
    clearInterval(timer);
    onGone();
  }, intervalMs);
  Deno.unrefTimer(timer);
  return () => clearInterval(timer);
}
