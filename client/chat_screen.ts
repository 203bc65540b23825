/**
 * The interactive terminal's screen: lines printed above a sticky footer (own
 * messages still pending, an offline note, the prompt with the line being
 * typed), so that arriving messages never break the line being typed.
 *
 * Invariant: every write redraws the footer under what was printed; the
 * terminal is only written through `write`.
 * @module
 */

import { fitToWidth, FooterScreen } from "./footer_screen.ts";
import { LineEditor } from "./line_editor.ts";
import { sanitizeForTerminal } from "./message_format.ts";
import { textColumns } from "./terminal_width.ts";

export interface ChatScreenOptions {
  color: boolean;
  /** The terminal's width now. */
  columns(): number;
  write(text: string): void;
  /** What the footer shows: the sends still pending, the chat and name of the prompt. */
  footer(): { pending: readonly { text: string }[]; chatId: number; name: string };
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
    this.show(this.dim(`-- ${text}`));
  }

  /** Takes the footer away (on the way out). */
  clear(): void {
    this.#options.write(this.#screen.clear());
  }

  #footer(): { lines: string[]; cursorColumn: number } {
    const width = this.#options.columns();
    const { pending, chatId, name } = this.#options.footer();
    const lines = pending.map((entry) =>
      this.dim(fitToWidth(`  … ${sanitizeForTerminal(entry.text)} (sending)`, width))
    );
    if (!this.online) lines.push(this.dim(fitToWidth(`  (${this.offlineReason})`, width)));
    const prompt = fitToWidth(`[chat ${chatId}] ${name}> `, Math.floor(width / 2));
    const view = this.editor.view(width - textColumns(prompt));
    lines.push(prompt + view.text);
    return { lines, cursorColumn: textColumns(prompt) + view.cursorColumn };
  }
}
