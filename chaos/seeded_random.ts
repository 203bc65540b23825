/**
 * A small seeded pseudo-random generator (mulberry32) for the chaos run: the
 * same seed gives the same fault schedule and the same client choices, so a
 * failing run can be repeated with `SEED=`.
 *
 * Invariant: the sequence depends on the seed only; nothing here reads the
 * clock or Math.random.
 * @module
 */

export interface SeededRandom {
  /** The seed this generator started from. */
  readonly seed: number;
  /** A number in [0, 1). */
  next(): number;
  /** An integer in [min, max], both included. */
  int(min: number, max: number): number;
  /** One element of a non-empty array. */
  pick<T>(items: readonly T[]): T;
  /** True with probability p. */
  chance(p: number): boolean;
  /** A new generator whose sequence is derived from this one's (for a separate stream). */
  fork(): SeededRandom;
}

/** Largest seed accepted (seeds are unsigned 32-bit). */
export const MAX_SEED = 0xffff_ffff;

/** A generator for `seed` (an integer in 0..MAX_SEED). */
export function createSeededRandom(seed: number): SeededRandom {
  if (!Number.isInteger(seed) || seed < 0 || seed > MAX_SEED) {
    throw new RangeError(`Cannot seed the generator: ${seed} is not an integer in 0..${MAX_SEED}`);
  }
  let state = seed >>> 0;
  function next(): number {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  const random: SeededRandom = {
    seed,
    next,
    int(min, max) {
      if (!Number.isInteger(min) || !Number.isInteger(max) || max < min) {
        throw new RangeError(`Cannot draw an integer: [${min}, ${max}] is not a range`);
      }
      return min + Math.floor(next() * (max - min + 1));
    },
    pick(items) {
      if (items.length === 0) throw new RangeError("Cannot pick from an empty list");
      return items[Math.floor(next() * items.length)];
    },
    chance: (p) => next() < p,
    fork: () => createSeededRandom(Math.floor(next() * MAX_SEED)),
  };
  return random;
}
