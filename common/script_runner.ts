/**
 * Whether a process's parent is a package-script runner (`bun run NAME`,
 * `deno task NAME`) that started it as its child. Such a runner forwards
 * SIGTERM and SIGINT, but a SIGKILL of the runner (the PID the operator or a
 * test holds) cannot be forwarded: the child must notice that its parent is gone
 * and stop itself, or it keeps the port, the database lock and its discovery
 * heartbeats. Pure: the parent's argv comes from the caller (/proc on Linux).
 * @module
 */

/** True when parentArgv is `bun run ...` or `deno task ...`. */
export function isScriptRunner(parentArgv: readonly string[]): boolean {
  if (parentArgv.length < 2) return false;
  const program = parentArgv[0].split(/[\\/]/).pop() ?? "";
  const command = parentArgv[1];
  if (/^bun(\.exe)?$/.test(program)) return command === "run";
  if (/^deno(\.exe)?$/.test(program)) return command === "task";
  return false;
}

/** argv from the NUL-separated text of /proc/PID/cmdline. */
export function parseProcCmdline(text: string): string[] {
  const parts = text.split("\0");
  if (parts.length > 0 && parts[parts.length - 1] === "") parts.pop();
  return parts;
}
