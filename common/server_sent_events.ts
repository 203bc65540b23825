/**
 * Server-Sent Events framing (the WHATWG "text/event-stream" format), both ways:
 * `encodeSseEvent` for the discovery's watch stream and `createSseDecoder` for the
 * nodes and tests that read it through a plain `fetch` body. Runtime-neutral, pure.
 *
 * Invariant: the decoder yields an event only once its terminating blank line has
 * arrived, whatever the chunk boundaries; comments (`: keepalive`) yield nothing.
 * @module
 */

export interface SseEvent {
  /** The `event:` field; "message" when the event had none. */
  event: string;
  /** The `data:` lines joined with "\n". */
  data: string;
  /** The last `id:` field seen, when any. */
  id?: string;
}

/** One event as wire text, ending in the blank line that dispatches it. */
export function encodeSseEvent(event: string, data: string, id?: string): string {
  let text = `event: ${event}\n`;
  if (id !== undefined) text += `id: ${id}\n`;
  for (const line of data.split(/\r\n|\r|\n/)) text += `data: ${line}\n`;
  return text + "\n";
}

/** A comment line: keeps proxies and idle timers from closing a quiet stream. */
export function encodeSseComment(text: string): string {
  return `: ${text}\n\n`;
}

export interface SseDecoder {
  /** Feeds decoded text; returns the events completed by it, in order. */
  push(chunk: string): SseEvent[];
}

export function createSseDecoder(): SseDecoder {
  let buffer = "";
  let eventName = "";
  let dataLines: string[] = [];
  let lastId: string | undefined;

  function takeLine(): string | undefined {
    const match = /\r\n|\r|\n/.exec(buffer);
    if (!match) return undefined;
    // A lone "\r" at the end may be the first half of "\r\n": wait for more.
    if (match[0] === "\r" && match.index === buffer.length - 1) return undefined;
    const line = buffer.slice(0, match.index);
    buffer = buffer.slice(match.index + match[0].length);
    return line;
  }

  return {
    push(chunk) {
      buffer += chunk;
      const events: SseEvent[] = [];
      for (let line = takeLine(); line !== undefined; line = takeLine()) {
        if (line === "") {
          if (dataLines.length > 0) {
            const event: SseEvent = { event: eventName || "message", data: dataLines.join("\n") };
            if (lastId !== undefined) event.id = lastId;
            events.push(event);
          }
          eventName = "";
          dataLines = [];
          continue;
        }
        if (line.startsWith(":")) continue;
        const colon = line.indexOf(":");
        const field = colon === -1 ? line : line.slice(0, colon);
        let value = colon === -1 ? "" : line.slice(colon + 1);
        if (value.startsWith(" ")) value = value.slice(1);
        if (field === "event") eventName = value;
        else if (field === "data") dataLines.push(value);
        else if (field === "id") lastId = value;
      }
      return events;
    },
  };
}
