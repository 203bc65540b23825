/**
 * A child process's output as lines, and waiting for one: the part the process
 * harnesses (spawn_node.ts, discovery/testing/spawn_discovery.ts) share.
 * node:stream shapes only, so Deno and Bun tests both use it.
 *
 * Invariant: every complete line reaches `lines` (the newest maxLines) and every
 * waiter in arrival order; once ended, a waiter still pending is rejected.
 * @module
 */

/** The part of a Readable the collector reads. */
export interface TextSource {
  setEncoding(encoding: "utf8"): unknown;
  on(event: "data", listener: (chunk: string) => void): unknown;
}

export class OutputLines {
  /** The lines so far, oldest first (live array). */
  readonly lines: string[] = [];
  #maxLines: number;
  #partial = "";
  #waiters = new Set<{ take: (line: string) => boolean; fail: (reason: string) => void }>();
  #ended: string | undefined;

  constructor(options: { maxLines?: number } = {}) {
    this.#maxLines = options.maxLines ?? Infinity;
  }

  /** Reads `source` line by line into this collector; onLine sees each line too. */
  follow(source: TextSource, onLine?: (line: string) => void): void {
    source.setEncoding("utf8");
    source.on("data", (chunk) => {
      this.#partial += chunk;
      const parts = this.#partial.split("\n");
      this.#partial = parts.pop() ?? "";
      for (const part of parts) {
        const line = part.replace(/\r$/, "");
        onLine?.(line);
        this.push(line);
      }
    });
  }

  push(line: string): void {
    this.lines.push(line);
    if (this.lines.length > this.#maxLines) this.lines.shift();
    for (const waiter of [...this.#waiters]) if (waiter.take(line)) this.#waiters.delete(waiter);
  }

  /** No more lines will come (the process exited): pending waits fail with `reason`. */
  end(reason: string): void {
    this.#ended = reason;
    for (const waiter of [...this.#waiters]) waiter.fail(reason);
    this.#waiters.clear();
  }

  /** The first line (seen or coming) that matches; rejects after deadlineMs or at the end. */
  waitFor(predicate: (line: string) => boolean, deadlineMs: number): Promise<string> {
    const seen = this.lines.find(predicate);
    if (seen !== undefined) return Promise.resolve(seen);
    if (this.#ended !== undefined) return Promise.reject(new Error(this.#ended));
    return new Promise((resolve, reject) => {
      const waiter = {
        take: (line: string) => {
          if (!predicate(line)) return false;
          clearTimeout(timer);
          resolve(line);
          return true;
        },
        fail: (reason: string) => {
          clearTimeout(timer);
          reject(new Error(reason));
        },
      };
      const timer = setTimeout(() => {
        this.#waiters.delete(waiter);
        reject(new Error(`Cannot find the expected line within ${deadlineMs} ms`));
      }, deadlineMs);
      this.#waiters.add(waiter);
    });
  }
}
