/**
 * The one wait of every test: polls a condition until it holds, failing with a
 * clear error at a deadline. Tests wait for what they expect with it, never for
 * a fixed time (the machine is shared, so the deadline is generous and only the
 * failing case ever waits that long). Runtime-neutral, so Deno and Bun tests
 * share it.
 *
 * Invariant: resolves as soon as condition() is true (checked at once, then every
 * pollMs); rejects "Cannot see <what> within <deadlineMs> ms" otherwise.
 * @module
 */

import { sleep } from "../abortable_sleep.ts";

export interface WaitUntilOptions {
  /** How long to wait at most. @default 15_000 */
  deadlineMs?: number;
  /** How often to check. @default 25 */
  pollMs?: number;
  /** What the condition means, for the error. @default "the condition" */
  what?: string;
}

/** Resolves once condition() is true; rejects after deadlineMs. */
export async function waitUntil(
  condition: () => boolean | Promise<boolean>,
  options: WaitUntilOptions = {},
): Promise<void> {
  const deadlineMs = options.deadlineMs ?? 15_000;
  const deadline = Date.now() + deadlineMs;
  while (!(await condition())) {
    if (Date.now() > deadline) {
      throw new Error(`Cannot see ${options.what ?? "the condition"} within ${deadlineMs} ms`);
    }
    await sleep(options.pollMs ?? 25);
  }
}
