/**
 * The text a perf message carries, so a receiver can tell which message of
 * which run it is and when it was sent, without any state shared with the
 * sender: `perf <runId> <index> <sentAtMs>`, sentAtMs being epoch
 * milliseconds with microsecond decimals (performance.timeOrigin + now()).
 *
 * Invariant: parseMessageTag(formatMessageTag(t)) deep-equals t (sentAtMs to
 * the microsecond), and any other text parses to undefined.
 * @module
 */

export interface MessageTag {
  /** Letters and digits only; tells runs (and stray traffic) apart. */
  runId: string;
  /** 0..N-1 within the run. */
  index: number;
  /** Epoch milliseconds, microsecond precision. */
  sentAtMs: number;
}

const PREFIX = "perf ";

/** A run id unique enough to tell one run from another on the same cluster. */
export function newRunId(): string {
  return Date.now().toString(36) + Math.floor(Math.random() * 36 ** 4).toString(36);
}

/** Epoch milliseconds with sub-millisecond precision, comparable across processes. */
export function epochNowMs(): number {
  return performance.timeOrigin + performance.now();
}

export function formatMessageTag(tag: MessageTag): string {
  return `${PREFIX}${tag.runId} ${tag.index} ${tag.sentAtMs.toFixed(3)}`;
}

/** The tag in a message text, or undefined when the text is not a perf message. */
export function parseMessageTag(text: string): MessageTag | undefined {
  if (!text.startsWith(PREFIX)) return undefined;
  const first = text.indexOf(" ", PREFIX.length);
  const second = first < 0 ? -1 : text.indexOf(" ", first + 1);
  if (second < 0) return undefined;
  const runId = text.slice(PREFIX.length, first);
  const index = Number(text.slice(first + 1, second));
  const sentAtMs = Number(text.slice(second + 1));
  if (runId === "" || !Number.isInteger(index) || index < 0 || !Number.isFinite(sentAtMs)) {
    return undefined;
  }
  return { runId, index, sentAtMs };
}
