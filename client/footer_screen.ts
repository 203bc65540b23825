/**
 * A terminal screen with a sticky footer (pending messages and the prompt)
 * under a scrolling log: new log lines are printed above the footer, which is
 * then drawn again, so a message arriving never breaks the line being typed.
 * Pure: it returns the ANSI text to write; the caller writes it.
 *
 * Invariant: after each render() the cursor is on the footer's last row, and
 * the footer occupies exactly footer.lines.length rows (callers fit each line
 * to the width with fitToWidth(), so none wraps).
 * @module
 */

import { graphemeColumns, graphemes, textColumns } from "./terminal_width.ts";

export interface Footer {
  /** Rows of the footer, top to bottom; the last is the prompt. */
  lines: string[];
  /** Column of the cursor on the last row. */
  cursorColumn: number;
}

export class FooterScreen {
  #rowsDrawn = 0;

  /**
   * Prints logLines above the footer and draws the footer again. `fresh`: the screen
   * was just cleared (no footer to erase first).
   */
  render(logLines: readonly string[], footer: Footer, options: { fresh?: boolean } = {}): string {
    let out = options.fresh ? "" : this.#eraseFooter();
    for (const line of logLines) out += `${line}\x1b[0m\r\n`;
    out += footer.lines.join("\r\n");
    out += "\r";
    if (footer.cursorColumn > 0) out += `\x1b[${footer.cursorColumn}C`;
    this.#rowsDrawn = footer.lines.length;
    return out;
  }

  /** Erases the footer, leaving the cursor at the start of its first row (for a clean exit). */
  clear(): string {
    const out = this.#eraseFooter();
    this.#rowsDrawn = 0;
    return out;
  }

  #eraseFooter(): string {
    let out = "\r";
    if (this.#rowsDrawn > 1) out += `\x1b[${this.#rowsDrawn - 1}A`;
    return out + "\x1b[J";
  }
}

/** Cuts plain text to at most width - 1 terminal columns (ending in `…` when cut). */
export function fitToWidth(text: string, width: number): string {
  const max = Math.max(1, width - 1);
  if (textColumns(text) <= max) return text;
  let kept = "";
  let columns = 0;
  for (const grapheme of graphemes(text)) {
    const next = graphemeColumns(grapheme);
    if (columns + next > max - 1) break;
    kept += grapheme;
    columns += next;
  }
  return kept + "…";
}
