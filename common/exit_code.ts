/**
 * The exit codes every DSatter program uses, so scripts and supervisors can
 * tell a typo from a refusal: 2 for a usage error (an unknown flag, a value
 * that does not parse, from argv or a `DSATTER_*` variable), 1 for a
 * configuration the program refuses to run with (a missing or weak secret in
 * production, an unreadable certificate, a port in use, a locked database).
 * @module
 */

export const ExitCode = {
  ok: 0,
  /** Refused configuration or a failure at start or while running. */
  refused: 1,
  /** The command line (or its environment form) does not parse. */
  usage: 2,
} as const;
