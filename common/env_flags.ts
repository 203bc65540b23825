/**
 * Flags from the environment, for containers that have no command line: every
 * flag of a program's table can also be set as `DSATTER_<FLAG>` (upper case,
 * dashes as underscores: `--rate-limit` is `DSATTER_RATE_LIMIT`). The resolver
 * turns those variables into command-line arguments placed before the real
 * ones, so one parser (node:util parseArgs over the same table) checks both.
 * A flag added to a table gets its variable with no further code.
 *
 * Invariants: a flag given on the command line wins over its variable (and, in
 * an exclusive group such as `--standalone | --peers | --discovery`, over the
 * variables of the whole group); an empty variable counts as unset; a boolean
 * variable must say true or false, anything else is a usage error, never a
 * silent guess. Pure: the environment is injected.
 * @module
 */

/** One entry of a parseArgs options table (the fields the resolver reads). */
export interface FlagSpec {
  type: "string" | "boolean";
  short?: string;
  default?: string | boolean;
}

export type FlagTable = Record<string, FlagSpec>;

export interface EnvFlagOptions {
  /** Reads an environment variable. */
  env: (name: string) => string | undefined;
  /** Flags never read from the environment. @default ["help", "version"] */
  skip?: readonly string[];
  /** Older variable names still honoured for a flag, after its own name. */
  aliases?: Readonly<Record<string, readonly string[]>>;
  /** Groups of flags of which the command line may name one: it then silences the others' variables. */
  exclusive?: readonly (readonly string[])[];
}

export type EnvFlagResult =
  | {
    ok: true;
    /** The environment's flags first, then the command line as given. */
    args: string[];
    /** The variable each environment-set flag came from, by flag name. */
    fromEnv: Record<string, string>;
  }
  | { ok: false; error: string };

export const ENV_FLAG_PREFIX = "DSATTER_";
const TRUE_WORDS = ["1", "true", "yes", "on"];
const FALSE_WORDS = ["0", "false", "no", "off"];

/** `rate-limit` -> `DSATTER_RATE_LIMIT`. */
export function envNameOfFlag(flag: string): string {
  return ENV_FLAG_PREFIX + flag.toUpperCase().replace(/-/g, "_");
}

/** The flag names the command line sets (`--x`, `--x=v`, `--no-x`, and short forms). */
function flagsOnCommandLine(argv: readonly string[], table: FlagTable): Set<string> {
  const shorts = new Map<string, string>();
  for (const [name, spec] of Object.entries(table)) {
    if (spec.short) shorts.set(spec.short, name);
  }
  const given = new Set<string>();
  for (const arg of argv) {
    if (arg === "--") break;
    const long = /^--(?:no-)?([^=]+)/.exec(arg);
    if (long) {
      given.add(long[1]);
      continue;
    }
    const short = /^-([A-Za-z])/.exec(arg);
    if (short && shorts.has(short[1])) given.add(shorts.get(short[1])!);
  }
  return given;
}

/** The command line with the table's `DSATTER_*` variables in front of it, or a usage error. */
export function withEnvFlags(
  argv: readonly string[],
  table: FlagTable,
  options: EnvFlagOptions,
): EnvFlagResult {
  const skip = new Set(options.skip ?? ["help", "version"]);
  const given = flagsOnCommandLine(argv, table);
  for (const group of options.exclusive ?? []) {
    if (group.some((flag) => given.has(flag))) { for (const flag of group) given.add(flag); }
  }
  const args: string[] = [];
  const fromEnv: Record<string, string> = {};
  for (const [flag, spec] of Object.entries(table)) {
    if (skip.has(flag) || given.has(flag)) continue;
    const names = [envNameOfFlag(flag), ...(options.aliases?.[flag] ?? [])];
    const name = names.find((candidate) => (options.env(candidate) ?? "") !== "");
    if (name === undefined) continue;
    const value = options.env(name)!;
    if (spec.type === "string") {
      args.push(`--${flag}=${value}`);
    } else {
      const word = value.trim().toLowerCase();
      if (FALSE_WORDS.includes(word)) continue;
      if (!TRUE_WORDS.includes(word)) {
        return {
          ok: false,
          error: `Cannot parse flags: ${name} must be true or false, not ${JSON.stringify(value)}`,
        };
      }
      args.push(`--${flag}`);
    }
    fromEnv[flag] = name;
  }
  return { ok: true, args: [...args, ...argv], fromEnv };
}

/** Appended to a usage error when the environment set flags: where to look besides argv. */
export function envFlagsNote(fromEnv: Record<string, string>): string {
  const names = Object.values(fromEnv);
  return names.length === 0 ? "" : ` (set from the environment: ${names.join(", ")})`;
}
