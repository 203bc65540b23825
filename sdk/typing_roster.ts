/**
 * Who is typing where, from `typing` events (PROTOCOL.md section 7): a person
 * counts as typing in a chat until 5 s after their last event, or until their
 * message arrives. Pure (time comes in as nowMs), shared by the web page's
 * typing line and the terminal's footer.
 *
 * Invariant: names() never lists an expired entry, nor the reader themselves.
 * @module
 */

import { systemTimers, type TimerHandle, type Timers } from "./timers.ts";

/** A reader treats a typing event as over after this long (section 7). */
export const TYPING_EXPIRES_MS = 5000;

export class TypingRoster {
  /** chatId -> name -> when it expires (ms). */
  #chats = new Map<number, Map<string, number>>();
  #expiresMs: number;

  constructor(options: { expiresMs?: number } = {}) {
    this.#expiresMs = options.expiresMs ?? TYPING_EXPIRES_MS;
  }

  /** Someone typed in a chat. */
  note(event: { chatId: number; name: string }, nowMs: number): void {
    let names = this.#chats.get(event.chatId);
    if (!names) this.#chats.set(event.chatId, names = new Map());
    names.delete(event.name); // re-added last: the list keeps who started first, first
    names.set(event.name, nowMs + this.#expiresMs);
  }

  /** Their message arrived: they are done typing it. */
  stopped(chatId: number, name: string): boolean {
    return this.#chats.get(chatId)?.delete(name) ?? false;
  }

  /** Who is typing in a chat now, in the order they started; never `exceptName`. */
  names(chatId: number, nowMs: number, exceptName?: string): string[] {
    const names = this.#chats.get(chatId);
    if (!names) return [];
    for (const [name, expiresAt] of names) if (expiresAt <= nowMs) names.delete(name);
    return [...names.keys()].filter((name) => name !== exceptName);
  }

  /** How long until the next entry expires (to redraw then), or undefined. */
  msUntilChange(nowMs: number): number | undefined {
    let soonest: number | undefined;
    for (const names of this.#chats.values()) {
      for (const expiresAt of names.values()) {
        if (soonest === undefined || expiresAt < soonest) soonest = expiresAt;
      }
    }
    return soonest === undefined ? undefined : Math.max(0, soonest - nowMs);
  }
}

/**
 * Calls onChange each time an entry of the roster expires (to redraw a typing line), from
 * now on; call it again after each note(). Returns the function that stops it.
 */
export function watchTypingExpiry(
  roster: TypingRoster,
  onChange: () => void,
  timers: Pick<Timers, "setTimeout" | "clearTimeout" | "nowMs"> = systemTimers,
): () => void {
  let timer: TimerHandle | undefined;
  const arm = () => {
    timers.clearTimeout(timer);
    const waitMs = roster.msUntilChange(timers.nowMs());
    if (waitMs === undefined) return;
    timer = timers.setTimeout(() => {
      onChange();
      arm();
    }, waitMs + 50); // just past the deadline: the entry is gone when onChange looks
  };
  arm();
  return () => timers.clearTimeout(timer);
}

/** "ann is typing…", "ann and bob are typing…", "ann, bob and 2 others are typing…", or "". */
export function describeTyping(names: readonly string[]): string {
  if (names.length === 0) return "";
  if (names.length === 1) return `${names[0]} is typing…`;
  if (names.length === 2) return `${names[0]} and ${names[1]} are typing…`;
  if (names.length === 3) return `${names[0]}, ${names[1]} and ${names[2]} are typing…`;
  return `${names[0]}, ${names[1]} and ${names.length - 2} others are typing…`;
}
