/**
 * Test helper: reads a Server-Sent Events response (from `fetch` or
 * `app.request`) one event at a time, each wait bounded by a deadline. Runtime-
 * neutral, so Deno and Bun tests can both use it on the discovery's watch stream.
 *
 * Invariant: no wait outlives its timeout; `close()` cancels the body.
 * @module
 */

import { createSseDecoder, type SseEvent } from "../../common/server_sent_events.ts";

export interface SseReader {
  /** The next event; rejects when none arrives within `timeoutMs` or the stream ends. */
  next(timeoutMs?: number): Promise<SseEvent>;
  /** Resolves once the raw text received (comments included) contains `text`. */
  waitForRawText(text: string, timeoutMs?: number): Promise<void>;
  /** Everything received so far, comments included. */
  rawText(): string;
  close(): Promise<void>;
}

export function readSse(response: Response): SseReader {
  if (!response.body) throw new TypeError("Cannot read SSE: the response has no body");
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  const decoder = createSseDecoder();
  const queued: SseEvent[] = [];
  let raw = "";
  let pending: Promise<ReadableStreamReadResult<string>> | undefined;
  let closed = false;

  /** Reads one chunk, or nothing when `timeoutMs` passes first. */
  async function pull(what: string, timeoutMs: number, deadline: number): Promise<void> {
    const remaining = deadline - Date.now();
    if (remaining <= 0) {
      throw new Error(`Cannot read ${what} within ${timeoutMs} ms; got so far:\n${raw}`);
    }
    pending ??= reader.read();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<undefined>((resolve) => {
      timer = setTimeout(() => resolve(undefined), remaining);
    });
    const result = await Promise.race([pending, timeout]);
    clearTimeout(timer);
    if (result === undefined) return;
    pending = undefined;
    if (result.done) throw new Error(`Cannot read ${what}: the stream ended; got:\n${raw}`);
    raw += result.value;
    queued.push(...decoder.push(result.value));
  }

  return {
    async next(timeoutMs = 15_000) {
      const deadline = Date.now() + timeoutMs;
      while (queued.length === 0) await pull("an SSE event", timeoutMs, deadline);
      return queued.shift()!;
    },
    async waitForRawText(text, timeoutMs = 15_000) {
      const deadline = Date.now() + timeoutMs;
      while (!raw.includes(text)) await pull(JSON.stringify(text), timeoutMs, deadline);
    },
    rawText: () => raw,
    async close() {
      if (closed) return;
      closed = true;
      await reader.cancel().catch(() => {});
    },
  };
}
