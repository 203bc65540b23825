/**
 * `bun run server <command>`: the operator commands beside the node itself.
 * `backup` copies a running node's database over its admin route, `restore`
 * turns such a copy into a database a new node starts from.
 *
 * Invariant: returns undefined (and does nothing) when argv names no command,
 * so main.ts goes on to parse node flags; otherwise the exit code.
 * @module
 */

import { runBackupCommand } from "./backup_command.ts";
import { runRestoreCommand } from "./restore_command.ts";

export async function runOperatorCommand(
  argv: readonly string[],
  env: (name: string) => string | undefined,
): Promise<number | undefined> {
  if (argv[0] === "backup") return await runBackupCommand(argv.slice(1), env);
  if (argv[0] === "restore") return runRestoreCommand(argv.slice(1));
  return undefined;
}
