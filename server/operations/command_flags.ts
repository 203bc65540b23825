/**
 * The flags of an operator command (`bun run server backup|restore`): parsed
 * strictly, `--help` printed, the required ones checked, each failure one line
 * plus the command's help with the exit code of common/exit_code.ts.
 *
 * Invariant: either the values come back with every required flag set, or the
 * exit code does and the reason has been printed.
 * @module
 */

import { parseArgs, type ParseArgsOptionsConfig } from "node:util";
import { ExitCode } from "../../common/exit_code.ts";

export interface CommandSpec<T extends ParseArgsOptionsConfig> {
  /** The command as it is named in its errors: "backup", "restore". */
  name: string;
  /** What it does when refused for missing flags: "back up", "restore". */
  action: string;
  help: string;
  options: T;
  /** Flags that must be given (without dashes). */
  required: Array<keyof T & string>;
}

type CommandValues<T extends ParseArgsOptionsConfig> = ReturnType<
  typeof parseArgs<{ options: T }>
>["values"];

/** The values, or the exit code to return (help: 0, a usage mistake: 2). */
export function parseCommandFlags<T extends ParseArgsOptionsConfig>(
  argv: readonly string[],
  spec: CommandSpec<T>,
): { values: CommandValues<T> } | { exitCode: number } {
  let values: CommandValues<T>;
  try {
    values =
      parseArgs({ args: [...argv], strict: true, allowPositionals: false, options: spec.options })
        .values;
  } catch (error) {
    console.error(`Cannot parse ${spec.name} flags: ${(error as Error).message}\n\n${spec.help}`);
    return { exitCode: ExitCode.usage };
  }
  if ((values as Record<string, unknown>).help) {
    console.log(spec.help);
    return { exitCode: ExitCode.ok };
  }
  const missing = spec.required.filter((flag) => !(values as Record<string, unknown>)[flag]);
  if (missing.length > 0) {
    const flags = spec.required.map((flag) => `--${flag}`).join(" and ");
    console.error(`Cannot ${spec.action}: ${flags} are required\n\n${spec.help}`);
    return { exitCode: ExitCode.usage };
  }
  return { values };
}
