import { test } from "node:test";
import assert from "node:assert/strict";
import { NICK_PALETTE, NickColors, preferredNickColor } from "./nick_colors.ts";

test("preferredNickColor() is stable and from the palette", () => {
  assert.equal(preferredNickColor("alice"), preferredNickColor("alice"));
  assert.ok(NICK_PALETTE.includes(preferredNickColor("bob")));
});

test("NickColors gives distinct colours while the palette lasts, and keeps them", () => {
  const colors = new NickColors();
  const names = Array.from({ length: NICK_PALETTE.length }, (_, i) => `user${i}`);
  const given = names.map((name) => colors.color(name));
  assert.equal(new Set(given).size, NICK_PALETTE.length);
  assert.deepEqual(names.map((name) => colors.color(name)), given);
  assert.equal(colors.color("alice"), preferredNickColor("alice")); // palette full: preferred
  const fresh = new NickColors();
  assert.equal(fresh.color("alice"), preferredNickColor("alice"));
});
