import { test } from "node:test";
import assert from "node:assert/strict";
import { tokenSubject } from "./token_subject.ts";
import { signUserToken } from "../common/user_token.ts";

test("tokenSubject() reads a token's sub, unicode included, and nothing from garbage", async () => {
  const token = await signUserToken({ secret: "s".repeat(32), sub: "zoë", ttlSeconds: 60 });
  assert.equal(tokenSubject(token), "zoë");
  for (const bad of [undefined, "", "abc", "a.!!!.c", `a.${btoa("[]")}.c`]) {
    assert.equal(tokenSubject(bad), undefined, String(bad));
  }
});
