/**
 * Whether a message mentions someone: their name as a whole word, with or
 * without `@`, in any letter case ("ann", "@Ann", "ann:"; not "annie" nor
 * "joann"). Pure: the web page's notifications and highlight, and the
 * terminal's activity marker use it.
 *
 * Invariant: a name is matched as literal text, never as a pattern.
 * @module
 */

const cache = new Map<string, RegExp>();

function mentionPattern(name: string): RegExp {
  let pattern = cache.get(name);
  if (!pattern) {
    const literal = name.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    pattern = new RegExp(`(?<![\\p{L}\\p{N}_])@?${literal}(?![\\p{L}\\p{N}_])`, "iu");
    if (cache.size > 100) cache.clear();
    cache.set(name, pattern);
  }
  return pattern;
}

/** True when text mentions name (a blank name is never mentioned). */
export function mentions(text: string, name: string): boolean {
  const trimmed = name.trim();
  return trimmed !== "" && mentionPattern(trimmed).test(text);
}
