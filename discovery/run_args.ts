/**
 * How a launcher (the test harness, `make dev`) starts discovery: `deno run`
 * with the permissions its `deno task discovery` grants, no more.
 *
 * Invariant: the same flags as the `discovery` task in deno.json.
 * @module
 */

/** `deno` arguments up to the entry point; discovery's own flags follow. */
export const DISCOVERY_RUN_ARGS: readonly string[] = [
  "run",
  "--allow-net",
  "--allow-read",
  "--allow-write",
  "--allow-env",
  "--unstable-kv",
  "discovery/main.ts",
];
