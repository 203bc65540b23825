import assert from "node:assert/strict";
import {
  constantTimeEqual,
  constantTimeEqualStrings,
  createPasswordChecker,
  hashPassword,
  verifyPassword,
} from "./password_hash.ts";

Deno.test("hashPassword() salts: the same password hashes differently, and never in clear", async () => {
  const a = await hashPassword("correct horse", 1000);
  const b = await hashPassword("correct horse", 1000);
  assert.notEqual(a.salt, b.salt);
  assert.notEqual(a.hash, b.hash);
  assert.ok(!JSON.stringify(a).includes("correct horse"));
  assert.equal(a.algorithm, "PBKDF2-SHA-512");
});

Deno.test("verifyPassword() accepts only the right password", async () => {
  const stored = await hashPassword("s3cret", 1000);
  assert.equal(await verifyPassword("s3cret", stored), true);
  assert.equal(await verifyPassword("s3cret ", stored), false);
  assert.equal(await verifyPassword("", stored), false);
});

Deno.test("hashPassword() rejects a bad iteration count", async () => {
  await assert.rejects(() => hashPassword("x", 0), RangeError);
});

Deno.test("createPasswordChecker() caches a success but still rejects wrong passwords", async () => {
  const checker = createPasswordChecker();
  const stored = await hashPassword("pw", 1000);
  assert.equal(await checker.verify("1", "wrong", stored), false);
  assert.equal(await checker.verify("1", "pw", stored), true);
  assert.equal(await checker.verify("1", "pw", stored), true);
  assert.equal(await checker.verify("1", "wrong", stored), false);
  // A different stored hash under the same key is checked afresh.
  const other = await hashPassword("other", 1000);
  assert.equal(await checker.verify("1", "pw", other), false);
  assert.equal(await checker.verify("1", "other", other), true);
});

Deno.test("constantTimeEqual() and constantTimeEqualStrings() compare exactly", async () => {
  assert.equal(constantTimeEqual(new Uint8Array([1, 2]), new Uint8Array([1, 2])), true);
  assert.equal(constantTimeEqual(new Uint8Array([1, 2]), new Uint8Array([1, 2, 0])), false);
  assert.equal(constantTimeEqual(new Uint8Array([1, 2]), new Uint8Array([1, 3])), false);
  assert.equal(await constantTimeEqualStrings("abc", "abc"), true);
  assert.equal(await constantTimeEqualStrings("abc", "abd"), false);
  assert.equal(await constantTimeEqualStrings("abc", ""), false);
});
