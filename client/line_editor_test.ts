import { test } from "node:test";
import assert from "node:assert/strict";
import { KeyDecoder, LineEditor } from "./line_editor.ts";

test("KeyDecoder.decode() splits text, controls and escape sequences", () => {
  const decoder = new KeyDecoder();
  assert.deepEqual(decoder.decode("hé\x1b[Dx\r"), [
    { kind: "text", text: "hé" },
    { kind: "left" },
    { kind: "text", text: "x" },
    { kind: "enter" },
  ]);
  assert.deepEqual(decoder.decode("\x03\x04\x7f"), [
    { kind: "interrupt" },
    { kind: "eof" },
    { kind: "backspace" },
  ]);
});

test("KeyDecoder.decode() reads Tab, arrows, page keys and Alt+key (Esc then the key)", () => {
  const decoder = new KeyDecoder();
  assert.deepEqual(decoder.decode("a\t\x1b[A\x1b[B\x1b[5~\x1b[6~\x1b1\x1bx"), [
    { kind: "text", text: "a" },
    { kind: "tab" },
    { kind: "up" },
    { kind: "down" },
    { kind: "pageUp" },
    { kind: "pageDown" },
    { kind: "alt", char: "1" },
    { kind: "alt", char: "x" },
  ]);
  assert.deepEqual(decoder.decode("\x1b"), []);
  assert.deepEqual(decoder.decode("2"), [{ kind: "alt", char: "2" }]);
});

test("LineEditor.apply() leaves Tab, arrows and Alt keys to its user; setLine() replaces", () => {
  const editor = new LineEditor();
  assert.deepEqual(editor.apply({ kind: "tab" }), { kind: "key", key: { kind: "tab" } });
  assert.deepEqual(editor.apply({ kind: "alt", char: "3" }), {
    kind: "key",
    key: { kind: "alt", char: "3" },
  });
  editor.setLine("/edit hello", 5);
  assert.equal(editor.line, "/edit hello");
  assert.equal(editor.cursor, 5);
  editor.setLine("x");
  assert.equal(editor.cursor, 1);
});

test("KeyDecoder.decode() keeps an escape sequence split across reads", () => {
  const decoder = new KeyDecoder();
  assert.deepEqual(decoder.decode("a\x1b["), [{ kind: "text", text: "a" }]);
  assert.deepEqual(decoder.decode("3~"), [{ kind: "delete" }]);
});

test("LineEditor.apply() edits at the cursor and submits the line", () => {
  const editor = new LineEditor();
  const decoder = new KeyDecoder();
  for (const key of decoder.decode("helo\x1b[D\x1b[Dl")) editor.apply(key);
  assert.equal(editor.line, "hello");
  assert.equal(editor.cursor, 3);
  editor.apply({ kind: "end" });
  editor.apply({ kind: "text", text: " world" });
  editor.apply({ kind: "deleteWord" });
  assert.equal(editor.line, "hello ");
  assert.deepEqual(editor.apply({ kind: "enter" }), { kind: "submit", line: "hello " });
  assert.equal(editor.line, "");
});

test("LineEditor.apply() quits on Ctrl-C, and on Ctrl-D only when the line is empty", () => {
  const editor = new LineEditor();
  editor.apply({ kind: "text", text: "ab" });
  editor.apply({ kind: "home" });
  assert.deepEqual(editor.apply({ kind: "eof" }), { kind: "edited" });
  assert.equal(editor.line, "b");
  editor.apply({ kind: "clearLine" });
  editor.apply({ kind: "end" });
  editor.apply({ kind: "backspace" });
  assert.deepEqual(editor.apply({ kind: "eof" }), { kind: "quit" });
  assert.deepEqual(editor.apply({ kind: "interrupt" }), { kind: "quit" });
});

test("LineEditor.view() scrolls a long line so the cursor stays visible", () => {
  const editor = new LineEditor();
  editor.apply({ kind: "text", text: "abcdefghij" });
  assert.deepEqual(editor.view(5), { text: "ghij", cursorColumn: 4 });
  editor.apply({ kind: "home" });
  assert.deepEqual(editor.view(5), { text: "abcd", cursorColumn: 0 });
  assert.deepEqual(editor.view(40), { text: "abcdefghij", cursorColumn: 0 });
});

test("LineEditor.view() counts CJK and emoji as two columns", () => {
  const editor = new LineEditor();
  editor.apply({ kind: "text", text: "漢字漢字ab" });
  assert.deepEqual(editor.view(40), { text: "漢字漢字ab", cursorColumn: 10 });
  // 7 columns usable in 8 (the cursor's cell is the last): "漢字ab" is 6, one more 字 would be 8.
  assert.deepEqual(editor.view(8), { text: "漢字ab", cursorColumn: 6 });
  editor.apply({ kind: "home" });
  assert.deepEqual(editor.view(6), { text: "漢字", cursorColumn: 0 });
  const emoji = new LineEditor();
  emoji.apply({ kind: "text", text: "😀".repeat(14) + "ab" });
  assert.deepEqual(emoji.view(25), { text: "😀".repeat(11) + "ab", cursorColumn: 24 });
});

test("LineEditor moves over and deletes an emoji sequence as one character", () => {
  const family = "👨\u200d👩\u200d👧";
  const editor = new LineEditor();
  editor.apply({ kind: "text", text: "a\u2764" });
  editor.apply({ kind: "text", text: "\ufe0f" }); // the selector arrives in a later read
  editor.apply({ kind: "text", text: family + "b" });
  assert.equal(editor.cursor, 4); // a, ❤️, the family, b
  assert.deepEqual(editor.view(40), { text: `a\u2764\ufe0f${family}b`, cursorColumn: 6 });
  editor.apply({ kind: "left" });
  editor.apply({ kind: "backspace" }); // the whole family, not its last code point
  assert.equal(editor.line, "a\u2764\ufe0fb");
  editor.apply({ kind: "backspace" });
  assert.equal(editor.line, "ab");
  assert.equal(editor.cursor, 1);
});
