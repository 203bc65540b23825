/**
 * Strikes that decay: a client's refused frames add up into a score that halves
 * every `halfLifeMs`, instead of a count that one accepted frame resets. A client
 * that keeps sending faster than its limit is closed however it interleaves its
 * frames (alternating accepted and refused ones never clears the score), while
 * one that slows down when told is forgiven within a few half-lives.
 *
 * Pure arithmetic on two numbers the caller keeps (score, time of the last
 * strike), so a connection carries no extra object.
 *
 * Invariant: a steady stream of r strikes per second settles at a score of
 * about r * halfLifeMs / 1000 / ln 2; n strikes within a few milliseconds score
 * about n.
 * @module
 */

/** Half-life of a strike on a client connection. */
export const STRIKE_HALF_LIFE_MS = 10_000;

/** The score after one more strike at `nowMs`, given the score at `lastMs`. */
export function addStrike(
  score: number,
  lastMs: number,
  nowMs: number,
  halfLifeMs: number = STRIKE_HALF_LIFE_MS,
): number {
  const elapsedMs = nowMs > lastMs ? nowMs - lastMs : 0;
  return score * Math.pow(2, -elapsedMs / halfLifeMs) + 1;
}
