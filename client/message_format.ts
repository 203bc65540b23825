/**
 * How messages look: one human line (time, coloured name, text) for scripts
 * (`--follow`), the same wrapped to the terminal's width with continuation
 * lines indented under the text (the interactive client, as in weechat), or
 * the contract's message object as one JSON line for `--json`.
 *
 * Invariant: human lines never carry a control character from the network
 * (no escape sequence in a name or text reaches the terminal), and JSON lines
 * hold exactly the contract's fields, in the contract's order.
 * @module
 */

import type { ChatMessage } from "../common/protocol.ts";
import { toWireMessage } from "../common/wire_message.ts";
import { preferredNickColor } from "./nick_colors.ts";
import { graphemeColumns, graphemes, textColumns } from "./terminal_width.ts";

export interface FormatOptions {
  /** ANSI colours on. */
  color: boolean;
  /** The current time, to decide whether the date is worth showing. @default new Date() */
  now?: Date;
  /** Offset of local time from UTC in minutes. @default the system's */
  utcOffsetMinutes?: number;
}

/** One line for the terminal: `[HH:MM:SS] name: text`, with the date when not today. */
export function formatMessageLine(message: ChatMessage, options: FormatOptions): string {
  const stamp = formatTimestamp(message.dateTime, options);
  const name = sanitizeForTerminal(message.sender);
  const text = sanitizeForTerminal(message.text);
  if (!options.color) return `[${stamp}] ${name}: ${text}`;
  return `\x1b[2m[${stamp}]\x1b[0m ${colorName(name, nameColor(message.sender))}: ${text}`;
}

export interface WrapOptions extends FormatOptions {
  /** Terminal columns. */
  width: number;
  /** The colour of a name (a NickColors). @default its preferred colour */
  nickColor?: (name: string) => number;
  /** After the text, dimmed: `(edited)`; a deleted message shows `(deleted)` instead. */
  edited?: boolean;
}

/** Text narrower than this after the prefix is not indented (a very narrow terminal). */
const MIN_TEXT_COLUMNS = 16;

/**
 * A message as terminal rows: `[HH:MM:SS] name: text`, its own line breaks kept, long
 * lines wrapped at word boundaries, every continuation indented under the text.
 */
export function formatMessageLines(message: ChatMessage, options: WrapOptions): string[] {
  const stamp = `[${formatTimestamp(message.dateTime, options)}]`;
  const name = sanitizeForTerminal(message.sender);
  const prefixColumns = textColumns(`${stamp} ${name}: `);
  const width = Math.max(2, options.width - 1); // the last column stays free: no auto-wrap
  const indent = width - prefixColumns >= MIN_TEXT_COLUMNS ? prefixColumns : 2;
  const deleted = message.deleted === true;
  const body = deleted ? "(deleted)" : message.text;
  const rows: string[] = [];
  for (const line of body.split(/\r\n|[\n\r\u2028\u2029]/)) {
    const first = rows.length === 0;
    rows.push(
      ...wrapColumns(
        sanitizeForTerminal(line),
        width - (first ? prefixColumns : indent),
        width - indent,
      ),
    );
  }
  if (options.edited && !deleted) rows[rows.length - 1] += dim(" (edited)", options.color);
  const pad = " ".repeat(indent);
  const nick = options.color
    ? colorName(name, (options.nickColor ?? nameColor)(message.sender))
    : name;
  const head = `${dim(stamp, options.color)} ${nick}: `;
  return rows.map((row, index) =>
    index === 0 ? head + (deleted ? dim(row, options.color) : row) : pad + row
  );
}

/** Words into rows: the first at most firstColumns wide, the others at most columns. */
export function wrapColumns(text: string, firstColumns: number, columns: number): string[] {
  const rows: string[] = [];
  let row = "";
  let used = 0;
  let limit = Math.max(1, firstColumns);
  const flush = () => {
    rows.push(row.trimEnd());
    row = "";
    used = 0;
    limit = Math.max(1, columns);
  };
  for (const word of text.split(/(?<= )/)) {
    const wordColumns = textColumns(word.trimEnd());
    if (used > 0 && used + wordColumns > limit) flush();
    if (wordColumns <= limit) {
      row += word;
      used += textColumns(word);
      continue;
    }
    for (const grapheme of graphemes(word)) { // a word longer than a row: cut it
      const width = graphemeColumns(grapheme);
      if (used + width > limit) flush();
      row += grapheme;
      used += width;
    }
  }
  rows.push(row.trimEnd());
  return rows;
}

function dim(text: string, color: boolean): string {
  return color ? `\x1b[2m${text}\x1b[0m` : text;
}

function colorName(name: string, color: number): string {
  return `\x1b[1;38;5;${color}m${name}\x1b[0m`;
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

/** The 256-colour index a name always gets (same name, same colour, on every client). */
export function nameColor(name: string): number {
  return preferredNickColor(name);
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
