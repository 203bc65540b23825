/**
 * The interactive prompt's line editing, pure: raw terminal input decoded into
 * keys, and a line buffer with a cursor that those keys edit. The screen code
 * only asks it for the visible window of the line and where the cursor is.
 *
 * Invariant: 0 <= cursor <= length of the line, both counted in user-perceived
 * characters (grapheme clusters: `❤️` or a family emoji is one, moved over and
 * deleted whole), and a submitted line never contains a control character.
 * @module
 */

import { graphemeColumns, graphemes, textColumns } from "./terminal_width.ts";

export type Key =
  | { kind: "text"; text: string }
  | { kind: "enter" }
  | { kind: "backspace" }
  | { kind: "delete" }
  | { kind: "left" }
  | { kind: "right" }
  | { kind: "home" }
  | { kind: "end" }
  | { kind: "clearLine" }
  | { kind: "deleteWord" }
  | { kind: "interrupt" }
  | { kind: "eof" }
  | { kind: "redraw" }
  | { kind: "tab" }
  | { kind: "up" }
  | { kind: "down" }
  | { kind: "pageUp" }
  | { kind: "pageDown" }
  /** Alt (or Esc) and a key: Alt+1..9, Alt+0 switch buffers. */
  | { kind: "alt"; char: string };

const ESCAPES: Record<string, Key> = {
  "\x1b[A": { kind: "up" },
  "\x1b[B": { kind: "down" },
  "\x1b[5~": { kind: "pageUp" },
  "\x1b[6~": { kind: "pageDown" },
  "\x1b[C": { kind: "right" },
  "\x1b[D": { kind: "left" },
  "\x1b[H": { kind: "home" },
  "\x1b[F": { kind: "end" },
  "\x1bOH": { kind: "home" },
  "\x1bOF": { kind: "end" },
  "\x1b[1~": { kind: "home" },
  "\x1b[4~": { kind: "end" },
  "\x1b[3~": { kind: "delete" },
};

const CONTROLS: Record<string, Key> = {
  "\r": { kind: "enter" },
  "\n": { kind: "enter" },
  "\x7f": { kind: "backspace" },
  "\x08": { kind: "backspace" },
  "\x03": { kind: "interrupt" },
  "\x04": { kind: "eof" },
  "\x15": { kind: "clearLine" },
  "\x17": { kind: "deleteWord" },
  "\x01": { kind: "home" },
  "\x05": { kind: "end" },
  "\x02": { kind: "left" },
  "\x06": { kind: "right" },
  "\x0c": { kind: "redraw" },
  "\t": { kind: "tab" },
};

/** Turns decoded terminal input into keys; an escape sequence split across reads is kept for the next. */
export class KeyDecoder {
  #carry = "";

  decode(input: string): Key[] {
    const text = this.#carry + input;
    this.#carry = "";
    const keys: Key[] = [];
    let plain = "";
    const flush = () => {
      if (plain) keys.push({ kind: "text", text: plain });
      plain = "";
    };
    for (let i = 0; i < text.length;) {
      const char = text[i];
      if (char === "\x1b") {
        flush();
        // deno-lint-ignore no-control-regex
        const match = /^\x1b(\[[0-9;]*[~A-Za-z]|O[A-Za-z])/.exec(text.slice(i));
        if (!match) {
          // deno-lint-ignore no-control-regex
          if (text.length - i < 8 && /^\x1b(\[[0-9;]*|O)?$/.test(text.slice(i))) {
            this.#carry = text.slice(i);
            break;
          }
          const next = text[i + 1];
          if (next !== undefined && next >= " " && next !== "\x7f") {
            keys.push({ kind: "alt", char: next }); // Alt+key arrives as Esc, key
            i += 2;
            continue;
          }
          i += 1; // a lone escape: ignored
          continue;
        }
        const key = ESCAPES[match[0]];
        if (key) keys.push(key);
        i += match[0].length;
        continue;
      }
      if (char === "\r" && text[i + 1] === "\n") i += 1;
      const control = CONTROLS[char];
      if (control) {
        flush();
        keys.push(control);
      } else if (char >= " ") {
        plain += char;
      }
      i += 1;
    }
    flush();
    return keys;
  }
}

/** The result of one key: a submitted line, an end request, or nothing special. */
export type EditOutcome =
  | { kind: "edited" }
  | { kind: "submit"; line: string }
  | { kind: "quit" }
  | { kind: "redraw" }
  /** A key the editor leaves to its user (completion, buffers, history). */
  | { kind: "key"; key: Key & { kind: "tab" | "up" | "down" | "pageUp" | "pageDown" | "alt" } };

export class LineEditor {
  /** The line as grapheme clusters. */
  #chars: string[] = [];
  #cursor = 0;

  get line(): string {
    return this.#chars.join("");
  }

  get cursor(): number {
    return this.#cursor;
  }

  /** Replaces the line; the cursor goes to `cursor` (code points), else the end. */
  setLine(line: string, cursor?: number): void {
    this.#chars = [...line];
    this.#cursor = Math.max(0, Math.min(cursor ?? this.#chars.length, this.#chars.length));
  }

  apply(key: Key): EditOutcome {
    switch (key.kind) {
      case "text":
        this.#insert(key.text);
        break;
      case "enter": {
        const line = this.line;
        this.#chars = [];
        this.#cursor = 0;
        return { kind: "submit", line };
      }
      case "backspace":
        if (this.#cursor > 0) this.#chars.splice(--this.#cursor, 1);
        break;
      case "delete":
        this.#chars.splice(this.#cursor, 1);
        break;
      case "left":
        this.#cursor = Math.max(0, this.#cursor - 1);
        break;
      case "right":
        this.#cursor = Math.min(this.#chars.length, this.#cursor + 1);
        break;
      case "home":
        this.#cursor = 0;
        break;
      case "end":
        this.#cursor = this.#chars.length;
        break;
      case "clearLine":
        this.#chars.splice(0, this.#cursor);
        this.#cursor = 0;
        break;
      case "deleteWord": {
        let start = this.#cursor;
        while (start > 0 && this.#chars[start - 1] === " ") start -= 1;
        while (start > 0 && this.#chars[start - 1] !== " ") start -= 1;
        this.#chars.splice(start, this.#cursor - start);
        this.#cursor = start;
        break;
      }
      case "interrupt":
        return { kind: "quit" };
      case "eof":
        if (this.#chars.length === 0) return { kind: "quit" };
        this.#chars.splice(this.#cursor, 1);
        break;
      case "redraw":
        return { kind: "redraw" };
      case "tab":
      case "up":
      case "down":
      case "pageUp":
      case "pageDown":
      case "alt":
        return { kind: "key", key };
    }
    return { kind: "edited" };
  }

  /**
   * The part of the line that fits in `width` terminal columns (CJK and emoji take
   * two), scrolled so the cursor is visible, and the cursor's column in it.
   */
  view(width: number): { text: string; cursorColumn: number } {
    const usable = Math.max(1, width - 1);
    const chars = this.#chars;
    // Start as late as needed for the cursor (and the column it stands on) to fit.
    let start = this.#cursor;
    let beforeCursor = 0;
    while (start > 0 && beforeCursor + graphemeColumns(chars[start - 1]) <= usable) {
      start -= 1;
      beforeCursor += graphemeColumns(chars[start]);
    }
    let end = start;
    let columns = 0;
    while (end < chars.length && columns + graphemeColumns(chars[end]) <= usable) {
      columns += graphemeColumns(chars[end]);
      end += 1;
    }
    return {
      text: chars.slice(start, end).join(""),
      cursorColumn: textColumns(
        chars.slice(start, this.#cursor).join(""),
      ),
    };
  }

  /**
   * Typed text at the cursor. The line is segmented again around it, so a cluster
   * typed in parts (an emoji, then its selector) becomes one character.
   */
  #insert(text: string): void {
    const before = this.#chars.slice(0, this.#cursor).join("") + text;
    this.#chars = graphemes(before + this.#chars.slice(this.#cursor).join(""));
    let length = 0;
    let cursor = 0;
    while (cursor < this.#chars.length && length + this.#chars[cursor].length <= before.length) {
      length += this.#chars[cursor].length;
      cursor += 1;
    }
    this.#cursor = cursor;
  }
}
