import { test } from "node:test";
import assert from "node:assert/strict";
import { fitToWidth, FooterScreen } from "./footer_screen.ts";

test("FooterScreen.render() prints log lines above the footer and puts the cursor back", () => {
  const screen = new FooterScreen();
  assert.equal(
    screen.render([], { lines: ["> hel"], cursorColumn: 5 }),
    "\r\x1b[J> hel\r\x1b[5C",
  );
  assert.equal(
    screen.render(["[10:00] bob: hi"], { lines: ["  pending: x", "> hel"], cursorColumn: 5 }),
    "\r\x1b[J[10:00] bob: hi\x1b[0m\r\n  pending: x\r\n> hel\r\x1b[5C",
  );
  // Two footer rows drawn: go up one before erasing.
  assert.equal(
    screen.render([], { lines: ["> "], cursorColumn: 2 }),
    "\r\x1b[1A\x1b[J> \r\x1b[2C",
  );
  assert.equal(screen.clear(), "\r\x1b[J");
});

test("fitToWidth() keeps a footer line on one row", () => {
  assert.equal(fitToWidth("short", 10), "short");
  assert.equal(fitToWidth("abcdefghijkl", 6), "abcd…");
  // Wide characters count two columns: 5 usable, 4 before the ellipsis.
  assert.equal(fitToWidth("你好世界你好", 6), "你好…");
  assert.equal(fitToWidth("你好", 6), "你好");
  // An emoji sequence is two columns and is never cut in half.
  const family = "👨\u200d👩\u200d👧";
  assert.equal(fitToWidth(`${family}${family}${family}`, 6), `${family}${family}…`);
  assert.equal(fitToWidth("\u2764\ufe0f".repeat(3), 6), "\u2764\ufe0f\u2764\ufe0f…");
});
