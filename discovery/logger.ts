/**
 * The discovery's injected logger: one line per meaningful event (a node
 * registered, joined, left, expired), request lines only with `--verbose`.
 * Text lines in development, JSON lines in production.
 *
 * Invariant: never logs a secret or a password; callers pass ids and addresses only.
 * @module
 */

export type LogFields = Record<string, string | number | boolean | undefined>;

export interface Logger {
  info(message: string, fields?: LogFields): void;
  /** Only printed with `--verbose`. */
  debug(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
}

export interface ConsoleLoggerOptions {
  /** One JSON object per line. @default false */
  json?: boolean;
  /** Print `debug` lines. @default false */
  verbose?: boolean;
  /** Where info/debug lines go. @default console.log */
  writeLine?: (line: string) => void;
  /** Where error lines go. @default console.error */
  writeErrorLine?: (line: string) => void;
}

function formatText(message: string, fields: LogFields | undefined): string {
  if (!fields) return message;
  const parts = Object.entries(fields)
    .filter(([, value]) => value !== undefined)
    .map(([key, value]) => `${key}=${value}`);
  return parts.length === 0 ? message : `${message} ${parts.join(" ")}`;
}

export function createConsoleLogger(options: ConsoleLoggerOptions = {}): Logger {
  const writeLine = options.writeLine ?? ((line: string) => console.log(line));
  const writeErrorLine = options.writeErrorLine ?? ((line: string) => console.error(line));
  function format(level: string, message: string, fields?: LogFields): string {
    if (!options.json) return formatText(message, fields);
    return JSON.stringify({ time: new Date().toISOString(), level, message, ...fields });
  }
  return {
    info: (message, fields) => writeLine(format("info", message, fields)),
    debug: (message, fields) => {
      if (options.verbose) writeLine(format("debug", message, fields));
    },
    error: (message, fields) => writeErrorLine(format("error", message, fields)),
  };
}

/** Discards everything: for tests that do not look at logs. */
export const silentLogger: Logger = { info() {}, debug() {}, error() {} };
