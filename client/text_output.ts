/**
 * Writing lines to stdout/stderr and reading lines from stdin, on Deno's raw
 * streams. Writes are synchronous and complete, so a line printed before the
 * process exits is never lost (scripts read the output of `--follow --json`).
 * @module
 */

const encoder = new TextEncoder();

/** Writes all of text to a synchronous writer. */
export function writeAllSync(writer: { writeSync(p: Uint8Array): number }, text: string): void {
  let bytes = encoder.encode(text);
  while (bytes.length > 0) bytes = bytes.subarray(writer.writeSync(bytes));
}

/**
 * One line on stdout. When the reader of stdout has gone (`... | head -n1`), the
 * client ends quietly with 0, as command-line tools do, instead of a stack trace.
 */
export function printLine(line: string): void {
  try {
    writeAllSync(Deno.stdout, line + "\n");
  } catch (error) {
    if (error instanceof Deno.errors.BrokenPipe) Deno.exit(0);
    throw error;
  }
}

/** One line on stderr. */
export function printError(line: string): void {
  writeAllSync(Deno.stderr, line + "\n");
}

/** The lines of a byte stream (without line endings), decoded as UTF-8. */
export async function* readLines(stream: ReadableStream<Uint8Array>): AsyncGenerator<string> {
  const decoder = new TextDecoder();
  let buffer = "";
  for await (const chunk of stream) {
    buffer += decoder.decode(chunk, { stream: true });
    let newline: number;
    while ((newline = buffer.indexOf("\n")) >= 0) {
      yield buffer.slice(0, newline).replace(/\r$/, "");
      buffer = buffer.slice(newline + 1);
    }
  }
  buffer += decoder.decode();
  if (buffer.length > 0) yield buffer.replace(/\r$/, "");
}
