/**
 * Tab completion at the prompt, as in weechat: the word before the cursor is
 * completed to a command (`/jo` → `/join `) when it is the first word and
 * starts with `/`, else to a nickname (`an` → `ann: ` at the start of the
 * line, `ann ` elsewhere; `@an` → `@ann `). Pressing Tab again cycles through
 * the other matches; any other key ends the cycle. Pure.
 *
 * Invariant: only the word before the cursor changes; the rest of the line
 * stays as typed.
 * @module
 */

export interface CompletionSources {
  commands: readonly string[];
  /** Nicknames, most relevant first (people here, recent speakers). */
  nicks(): readonly string[];
}

export interface Completed {
  line: string;
  /** Cursor position in code points. */
  cursor: number;
}

interface Cycle {
  before: string;
  after: string;
  candidates: string[];
  suffix: string;
  index: number;
  /** The line this cycle last produced: Tab continues the cycle only on it. */
  produced: Completed;
}

export class TabCompleter {
  #cycle?: Cycle;

  /** Another key was pressed: the next Tab starts afresh. */
  reset(): void {
    this.#cycle = undefined;
  }

  /** The line after one Tab, or undefined when nothing matches. */
  complete(line: string, cursor: number, sources: CompletionSources): Completed | undefined {
    const cycle = this.#cycle;
    if (cycle && cycle.produced.line === line && cycle.produced.cursor === cursor) {
      cycle.index = (cycle.index + 1) % cycle.candidates.length;
      return this.#produce(cycle);
    }
    const chars = [...line];
    let start = cursor;
    while (start > 0 && !/\s/.test(chars[start - 1])) start -= 1;
    const before = chars.slice(0, start).join("");
    const after = chars.slice(cursor).join("");
    let word = chars.slice(start, cursor).join("");
    if (word === "") return undefined;
    let candidates: string[];
    let suffix = " ";
    let lead = "";
    if (start === 0 && word.startsWith("/")) {
      candidates = matching(sources.commands, word);
    } else {
      if (word.startsWith("@")) [lead, word] = ["@", word.slice(1)];
      candidates = word === "" ? [] : matching(sources.nicks(), word).map((nick) => lead + nick);
      if (start === 0 && lead === "") suffix = ": ";
    }
    if (candidates.length === 0) return undefined;
    const next: Cycle = {
      before,
      after: after.startsWith(" ") ? after.slice(1) : after,
      candidates,
      suffix,
      index: 0,
      produced: { line, cursor },
    };
    this.#cycle = next;
    return this.#produce(next);
  }

  #produce(cycle: Cycle): Completed {
    const head = cycle.before + cycle.candidates[cycle.index] + cycle.suffix;
    cycle.produced = { line: head + cycle.after, cursor: [...head].length };
    return cycle.produced;
  }
}

/** The distinct entries that begin with prefix (any letter case), in their order. */
function matching(entries: readonly string[], prefix: string): string[] {
  const folded = prefix.toLocaleLowerCase();
  const seen = new Set<string>();
  for (const entry of entries) {
    if (entry.toLocaleLowerCase().startsWith(folded) && entry !== prefix) seen.add(entry);
  }
  return [...seen];
}
