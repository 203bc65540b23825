/**
 * A small seeded pseudo-random generator (splitmix32) for the fuzzers and the
 * soak: one seed printed at the start of a run repeats every choice of it.
 *
 * Invariant: the same seed yields the same sequence on every runtime; nothing
 * here reads the clock or Math.random.
 * @module
 */

export class SeededRandom {
  readonly seed: number;
  #state: number;

  constructor(seed: number) {
    if (!Number.isSafeInteger(seed) || seed < 0) {
      throw new RangeError(`Cannot seed the generator: ${seed} is not an integer >= 0`);
    }
    this.seed = seed;
    this.#state = seed >>> 0;
  }

  /** A float in [0, 1). */
  next(): number {
    this.#state = (this.#state + 0x9e3779b9) >>> 0;
    let z = this.#state;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return ((z ^ (z >>> 16)) >>> 0) / 0x1_0000_0000;
  }

  /** An integer in [min, max], both included. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  /** True with the given probability. */
  chance(probability: number): boolean {
    return this.next() < probability;
  }

  /** One item of a non-empty list. */
  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new RangeError("Cannot pick from an empty list");
    return items[Math.floor(this.next() * items.length)];
  }

  /** A child generator with its own sequence, so one surface's choices do not shift another's. */
  fork(label: string): SeededRandom {
    let hash = this.seed >>> 0;
    for (let i = 0; i < label.length; i++) hash = Math.imul(hash ^ label.charCodeAt(i), 16777619);
    return new SeededRandom(hash >>> 0);
  }
}

/** The seed from `SEED=` (decimal), else a fresh one. */
export function seedFromEnv(value: string | undefined): number {
  if (value !== undefined && value !== "") {
    if (!/^[0-9]{1,10}$/.test(value) || Number(value) > 0xffff_ffff) {
      throw new RangeError(`Cannot use SEED=${value}: it must be an integer 0..4294967295`);
    }
    return Number(value);
  }
  return crypto.getRandomValues(new Uint32Array(1))[0];
}
