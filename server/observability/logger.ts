/**
 * The node's logger: one line per meaningful event on stdout (stderr for
 * warnings and errors), JSON lines in production, `debug` only with --verbose.
 *
 * Invariant: never logs a secret; callers pass event fields, not message texts.
 * @module
 */

export type LogFields = Record<string, string | number | boolean | null | undefined>;

export interface Logger {
  debug(event: string, fields?: LogFields): void;
  info(event: string, fields?: LogFields): void;
  warn(event: string, fields?: LogFields): void;
  error(event: string, fields?: LogFields): void;
}

export interface LoggerOptions {
  verbose?: boolean;
  json?: boolean;
  /** @default console.log */
  out?: (line: string) => void;
  /** @default console.error */
  err?: (line: string) => void;
}

function formatFields(fields: LogFields | undefined): string {
  if (!fields) return "";
  return Object.entries(fields).filter(([, value]) => value !== undefined).map(([key, value]) =>
    ` ${key}=${typeof value === "string" && /\s/.test(value) ? JSON.stringify(value) : value}`
  ).join("");
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const out = options.out ?? ((line: string) => console.log(line));
  const err = options.err ?? ((line: string) => console.error(line));
  function write(level: string, event: string, fields?: LogFields) {
    const sink = level === "warn" || level === "error" ? err : out;
    if (options.json) {
      sink(JSON.stringify({ time: new Date().toISOString(), level, event, ...fields }));
    } else {
      sink(`${level === "info" ? "" : `${level}: `}${event}${formatFields(fields)}`);
    }
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

/** A logger that drops everything (tests). */
export const silentLogger: Logger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
};
