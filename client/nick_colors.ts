/**
 * Nick colours, as in weechat: each name has a preferred colour from its hash
 * (the same on every run and every client), and within one client run no two
 * names share a colour while the palette has a free one (the later name takes
 * the next free colour). Colours are 256-colour indices readable on dark and
 * light terminals alike.
 *
 * Invariant: a name keeps the colour it was first given for the whole run.
 * @module
 */

/** Mid-brightness xterm-256 colours, far enough apart to tell apart. */
export const NICK_PALETTE: readonly number[] = [
  33, // blue
  208, // orange
  40, // green
  170, // orchid
  37, // teal
  160, // red
  142, // olive
  99, // purple
  214, // amber
  30, // dark cyan
  168, // pink
  70, // grass
  62, // slate blue
  130, // brown
  44, // cyan
  203, // salmon
];

/** The colour a name prefers (FNV-1a over its code points, mixed). */
export function preferredNickColor(name: string): number {
  let hash = 2166136261;
  for (const char of name) hash = Math.imul(hash ^ char.codePointAt(0)!, 16777619);
  hash ^= hash >>> 15;
  hash = Math.imul(hash, 2246822507);
  hash ^= hash >>> 13;
  return NICK_PALETTE[(hash >>> 0) % NICK_PALETTE.length];
}

export class NickColors {
  #byName = new Map<string, number>();
  #byColor = new Map<number, string>();

  /** The colour of a name: its preferred one unless another name has it, then the next free. */
  color(name: string): number {
    const known = this.#byName.get(name);
    if (known !== undefined) return known;
    const preferred = preferredNickColor(name);
    const start = NICK_PALETTE.indexOf(preferred);
    let chosen = preferred;
    for (let step = 0; step < NICK_PALETTE.length; step++) {
      const candidate = NICK_PALETTE[(start + step) % NICK_PALETTE.length];
      if (!this.#byColor.has(candidate)) {
        chosen = candidate;
        break;
      }
    }
    this.#byName.set(name, chosen);
    if (!this.#byColor.has(chosen)) this.#byColor.set(chosen, name);
    return chosen;
  }
}
