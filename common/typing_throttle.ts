/**
 * Per-connection throttle of `typing` frames: at most one relayed per chat per
 * interval; extra ones are dropped silently (a client sends one per keystroke,
 * and an error for each would only be noise). The map is bounded: a connection
 * typing in more chats than it holds forgets the oldest.
 *
 * Invariant: pure apart from the time passed in; never holds more than maxChats entries.
 * @module
 */

export interface TypingThrottleOptions {
  /** @default 1000 */
  minIntervalMs?: number;
  /** Chats remembered per connection. @default 64 */
  maxChats?: number;
}

export class TypingThrottle {
  #lastMs = new Map<number, number>();
  #minIntervalMs: number;
  #maxChats: number;

  constructor(options: TypingThrottleOptions = {}) {
    this.#minIntervalMs = options.minIntervalMs ?? 1000;
    this.#maxChats = options.maxChats ?? 64;
  }

  /** True when a typing event for chatId may go out at nowMs (and records it). */
  allow(chatId: number, nowMs: number): boolean {
    const last = this.#lastMs.get(chatId);
    if (last !== undefined && nowMs - last < this.#minIntervalMs) return false;
    this.#lastMs.delete(chatId);
    this.#lastMs.set(chatId, nowMs);
    if (this.#lastMs.size > this.#maxChats) {
      this.#lastMs.delete(this.#lastMs.keys().next().value!);
    }
    return true;
  }
}
