/**
 * What `--version` prints and what `dsatter_build_info` says: the program, the
 * package.json version (the one release number of the whole repository) and the
 * runtime it runs on. Pure: each main.ts passes in its version and runtime.
 * @module
 */

export interface BuildInfo {
  /** package.json `version`. */
  version: string;
  /** e.g. `bun 1.4.5`, `deno 2.9.6`. */
  runtime: string;
}

/** `dsatter-server 0.1.0 (bun 1.4.5)`: one line for `--version`. */
export function versionLine(program: string, info: BuildInfo): string {
  return `${program} ${info.version} (${info.runtime})`;
}
