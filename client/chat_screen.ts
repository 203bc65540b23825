/**
 * The interactive terminal's screen: lines printed above a sticky footer (own
 * messages still pending, an offline note, who is typing, the buffer bar, the
 * prompt with the line being typed), so that arriving messages never break the
 * line being typed; and a full redraw of the buffer shown (on a switch, an
 * edit, Ctrl-L).
 *
 * Invariant: every write redraws the footer under what was printed; the
 * terminal is only written through `write`.
 * @module
 */

import { fitToWidth, FooterScreen } from "./footer_screen.ts";
import { LineEditor } from "./line_editor.ts";
import { sanitizeForTerminal } from "./message_format.ts";
import { textColumns } from "./terminal_width.ts";

/** What the footer shows. */
export interface FooterContent {
  pending: readonly { text: string }[];
  chatId: number;
  name: string;
  /** `ann is typing…`, or "". */
  typing: string;
  /** The buffer list (chat_buffers.ts bufferBar). */
  bar: string;
}

export interface ChatScreenOptions {
  color: boolean;
  /** The terminal's size now. */
  size(): { columns: number; rows: number };
  write(text: string): void;
  footer(): FooterContent;
}

export class ChatScreen {
  readonly editor = new LineEditor();
  /** False while no node is connected: the footer says why. */
  online = false;
  offlineReason = "connecting…";
  #options: ChatScreenOptions;
  #screen = new FooterScreen();

  constructor(options: ChatScreenOptions) {
    this.#options = options;
  }

  get columns(): number {
    return this.#options.size().columns;
  }

  /** Greyed out (with colour on). */
  dim(text: string): string {
    return this.#options.color ? `\x1b[2m${text}\x1b[0m` : text;
  }

  /** Prints lines above the footer (none: just redraws it). */
  show(...lines: string[]): void {
    const split = lines.flatMap((line) => line.split("\n"));
    this.#options.write(this.#screen.render(split, this.#footer()));
  }

  /** A status note: `-- text`, greyed out. */
  note(text: string): void {
    this.show(this.noteLine(text));
  }

  noteLine(text: string): string {
    return this.dim(`-- ${text}`);
  }

  /** Clears the screen and shows the newest lines that fit above the footer. */
  redraw(lines: readonly string[]): void {
    const footer = this.#footer();
    const room = Math.max(0, this.#options.size().rows - footer.lines.length);
    const split = lines.flatMap((line) => line.split("\n")).slice(-room);
    // Blank rows first: the newest line sits right above the footer, at the bottom.
    const padded = [...Array(room - split.length).fill(""), ...split];
    this.#options.write("\x1b[H\x1b[2J" + this.#screen.render(padded, footer, { fresh: true }));
  }

  /** Takes the footer away (on the way out). */
  clear(): void {
    this.#options.write(this.#screen.clear());
  }

  #footer(): { lines: string[]; cursorColumn: number } {
    const width = this.#options.size().columns;
    const { pending, chatId, name, typing, bar } = this.#options.footer();
    const lines = pending.map((entry) =>
      this.dim(fitToWidth(`  … ${sanitizeForTerminal(entry.text)} (sending)`, width))
    );
    if (!this.online) lines.push(this.dim(fitToWidth(`  (${this.offlineReason})`, width)));
    if (typing) lines.push(this.dim(fitToWidth(`  ${sanitizeForTerminal(typing)}`, width)));
    const fitted = fitToWidth(sanitizeForTerminal(bar), width);
    lines.push(this.#options.color ? `\x1b[7m${fitted}\x1b[0m` : fitted);
    const prompt = fitToWidth(`[chat ${chatId}] ${name}> `, Math.floor(width / 2));
    const view = this.editor.view(width - textColumns(prompt));
    lines.push(prompt + view.text);
    return { lines, cursorColumn: textColumns(prompt) + view.cursorColumn };
  }
}
