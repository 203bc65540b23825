/**
 * The one logger of every long-running part (discovery, nodes, `make dev`): one
 * line per meaningful event, `debug` only with --verbose, text lines in
 * development (`warn: peer refused reason="stale proof"`) and JSON lines in
 * production (`{"time","level","event",...fields}`). Runtime-neutral: where the
 * lines go is injected (the default writes info and debug to stdout, warnings
 * and errors to stderr).
 *
 * Invariants:
 * - One event is one line: control characters (C0, DEL, C1, line and paragraph
 *   separators, bidirectional overrides) are escaped in the event and in every
 *   value, so text from a client or a peer cannot forge or hide a line.
 * - Never a secret: a field whose name ends in secret, password, token,
 *   authorization or cookie is written as "[redacted]"; callers pass event
 *   fields, never message texts.
 * @module
 */

import { type Clock, systemClock } from "./clock.ts";

export type LogFields = Record<string, string | number | boolean | null | undefined>;

export type LogLevel = "debug" | "info" | "warn" | "error";

export interface Logger {
  /** Printed only when the logger is verbose. */
  debug(event: string, fields?: LogFields): void;
  info(event: string, fields?: LogFields): void;
  warn(event: string, fields?: LogFields): void;
  error(event: string, fields?: LogFields): void;
}

/** Receives each finished line (no trailing newline). */
export type LogSink = (line: string, level: LogLevel) => void;

export interface LoggerOptions {
  /** JSON lines instead of text lines (production). @default false */
  json?: boolean;
  /** Print `debug` lines. @default false */
  verbose?: boolean;
  /** @default consoleSink: debug and info to stdout, warn and error to stderr */
  sink?: LogSink;
  /** The time stamped on JSON lines. @default systemClock */
  clock?: Clock;
}

/** console.log for debug and info, console.error for warn and error. */
export const consoleSink: LogSink = (line, level) => {
  if (level === "warn" || level === "error") console.error(line);
  else console.log(line);
};

const SECRET_FIELD = /(secret|password|token|authorization|cookie)$/i;
// deno-lint-ignore no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]/g;
/** A text value that needs no quotes in a text line. */
const BARE = /^[^\s"=\\]+$/;
const RESERVED_JSON_KEYS = new Set(["time", "level", "event"]);

/** Control characters as \uXXXX, so that the text stays on one line and shows what it holds. */
export function escapeControlCharacters(text: string): string {
  return text.replace(CONTROL, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

function redacted(key: string, value: LogFields[string]): LogFields[string] {
  return SECRET_FIELD.test(key) && value !== undefined && value !== null ? "[redacted]" : value;
}

function textValue(value: string | number | boolean | null): string {
  if (typeof value !== "string") return String(value);
  if (BARE.test(value)) return escapeControlCharacters(value);
  return escapeControlCharacters(JSON.stringify(value));
}

/** `event key=value ...`, values with spaces or quotes quoted as JSON strings. */
export function formatTextLine(level: LogLevel, event: string, fields?: LogFields): string {
  let line = `${level === "info" ? "" : `${level}: `}${escapeControlCharacters(event)}`;
  for (const [key, value] of Object.entries(fields ?? {})) {
    if (value === undefined) continue;
    line += ` ${escapeControlCharacters(key)}=${textValue(redacted(key, value)!)}`;
  }
  return line;
}

/** `{"time","level","event",...fields}`; a field named like a fixed key gets a `_` suffix. */
export function formatJsonLine(
  timeMs: number,
  level: LogLevel,
  event: string,
  fields?: LogFields,
): string {
  const record: Record<string, unknown> = { time: new Date(timeMs).toISOString(), level, event };
  for (const [key, value] of Object.entries(fields ?? {})) {
    if (value === undefined) continue;
    record[RESERVED_JSON_KEYS.has(key) ? `${key}_` : key] = redacted(key, value);
  }
  // JSON.stringify escapes C0 only; the rest is escaped the same way (still valid JSON).
  return escapeControlCharacters(JSON.stringify(record));
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const sink = options.sink ?? consoleSink;
  const clock = options.clock ?? systemClock;
  function write(level: LogLevel, event: string, fields?: LogFields): void {
    sink(
      options.json
        ? formatJsonLine(clock.nowMs(), level, event, fields)
        : formatTextLine(level, event, fields),
      level,
    );
  }
  return {
    debug: (event, fields) => {
      if (options.verbose) write("debug", event, fields);
    },
    info: (event, fields) => write("info", event, fields),
    warn: (event, fields) => write("warn", event, fields),
    error: (event, fields) => write("error", event, fields),
  };
}

/** A logger that drops everything (tests that do not look at logs). */
export const silentLogger: Logger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
};
