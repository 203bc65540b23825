/**
 * The seed of a fuzz or soak run from `SEED=`: decimal, 0..4294967295, or a
 * fresh random one when unset (printed by the caller, so any run can be repeated).
 * @module
 */

import { MAX_SEED } from "../chaos/seeded_random.ts";

export function seedFromEnv(value: string | undefined): number {
  if (value !== undefined && value !== "") {
    if (!/^[0-9]{1,10}$/.test(value) || Number(value) > MAX_SEED) {
      throw new RangeError(`Cannot use SEED=${value}: it must be an integer 0..${MAX_SEED}`);
    }
    return Number(value);
  }
  return crypto.getRandomValues(new Uint32Array(1))[0];
}
