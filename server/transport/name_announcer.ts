/**
 * When presence learns a connection's `hello` name: at once, or, for a rename
 * within HELLO_RENAME_INTERVAL_MS of the last announcement, once the interval
 * is over (one timer; the latest name then). A rename reaches every node and
 * every `hello` client, so it is charged in time, not only as a frame.
 *
 * Invariant: presence hears a connection's name at most once per interval, and
 * always hears the last one (unless the connection closes first).
 * @module
 */

/** A rename reaches presence at most this often (the last name wins). */
export const HELLO_RENAME_INTERVAL_MS = 1000;

/** One shared clock for every connection (no closure per connection). */
const nowMs = () => performance.now();

export class NameAnnouncer {
  #announcedAtMs = -Infinity;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #closed = false;
  #join: () => void;

  /** join tells presence the connection's current name. */
  constructor(join: () => void) {
    this.#join = join;
  }

  /** The name changed (or was first given): presence learns it now or at the interval's end. */
  announce(): void {
    if (this.#closed) return;
    const waitMs = this.#announcedAtMs + HELLO_RENAME_INTERVAL_MS - nowMs();
    if (waitMs <= 0) {
      this.#announcedAtMs = nowMs();
      this.#join();
      return;
    }
    this.#timer ??= setTimeout(() => {
      this.#timer = undefined;
      this.announce();
    }, waitMs);
  }

  /** The connection closed: nothing more is announced. */
  close(): void {
    this.#closed = true;
    clearTimeout(this.#timer);
  }
}
