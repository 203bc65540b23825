/**
 * How messages look: one human line (time, coloured name, text) for the
 * terminal, or the contract's message object as one JSON line for `--json`.
 *
 * Invariant: human lines never carry a control character from the network
 * (no escape sequence in a name or text reaches the terminal), and JSON lines
 * hold exactly the contract's fields, in the contract's order.
 * @module
 */

import type { ChatMessage } from "../common/protocol.ts";
import { toWireMessage } from "../common/wire_message.ts";

export interface FormatOptions {
  /** ANSI colours on. */
  color: boolean;
  /** The current time, to decide whether the date is worth showing. @default new Date() */
  now?: Date;
  /** Offset of local time from UTC in minutes. @default the system's */
  utcOffsetMinutes?: number;
}

const NAME_COLORS = [31, 32, 33, 34, 35, 36, 91, 92, 93, 94, 95, 96];

/** One line for the terminal: `[HH:MM:SS] name: text`, with the date when not today. */
export function formatMessageLine(message: ChatMessage, options: FormatOptions): string {
  const stamp = formatTimestamp(message.dateTime, options);
  const name = sanitizeForTerminal(message.sender);
  const text = sanitizeForTerminal(message.text);
  if (!options.color) return `[${stamp}] ${name}: ${text}`;
  return `\x1b[2m[${stamp}]\x1b[0m \x1b[1;${nameColor(message.sender)}m${name}\x1b[0m: ${text}`;
}

/** `HH:MM:SS` local time, or `YYYY-MM-DD HH:MM:SS` when the message is not from today. */
export function formatTimestamp(dateTime: string, options: FormatOptions): string {
  const ms = Date.parse(dateTime);
  if (Number.isNaN(ms)) return sanitizeForTerminal(dateTime);
  const offsetMs = (options.utcOffsetMinutes ?? -new Date(ms).getTimezoneOffset()) * 60_000;
  const local = new Date(ms + offsetMs).toISOString();
  const today = new Date((options.now ?? new Date()).getTime() + offsetMs).toISOString();
  const time = local.slice(11, 19);
  return local.slice(0, 10) === today.slice(0, 10) ? time : `${local.slice(0, 10)} ${time}`;
}

/** The contract's message object as one JSON line (no trailing newline). */
export function formatMessageJson(message: ChatMessage): string {
  return JSON.stringify(toWireMessage(message));
}

/** The ANSI colour code a name always gets (same name, same colour, on every client). */
export function nameColor(name: string): number {
  let hash = 0;
  for (const char of name) hash = (hash * 31 + char.codePointAt(0)!) >>> 0;
  return NAME_COLORS[hash % NAME_COLORS.length];
}

/** Tabs become spaces, line breaks `↵`, every other control character `�`. */
export function sanitizeForTerminal(text: string): string {
  // deno-lint-ignore no-control-regex
  return text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, (char) => {
    if (char === "\t") return " ";
    if (char === "\n" || char === "\r" || char === "\u2028" || char === "\u2029") return "↵";
    return "\ufffd";
  });
}

/** Colour only on a terminal, never when NO_COLOR is set (https://no-color.org) or TERM is dumb. */
export function shouldUseColor(
  env: { get(name: string): string | undefined },
  isTerminal: boolean,
): boolean {
  const noColor = env.get("NO_COLOR");
  return isTerminal && (noColor === undefined || noColor === "") && env.get("TERM") !== "dumb";
}
