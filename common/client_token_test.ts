import { test } from "node:test";
import assert from "node:assert/strict";
import { tokenSubject, withToken } from "./client_token.ts";
import { signUserToken } from "./user_token.ts";

test("withToken() sets only the token query parameter", () => {
  assert.equal(withToken("ws://127.0.0.1:3001/", undefined), "ws://127.0.0.1:3001/");
  assert.equal(withToken("ws://127.0.0.1:3001/", "a.b.c"), "ws://127.0.0.1:3001/?token=a.b.c");
  assert.equal(withToken("ws://h:1/?token=old&x=1", "new"), "ws://h:1/?token=new&x=1");
});

test("tokenSubject() reads a token's sub, unicode included, and nothing from garbage", async () => {
  const token = await signUserToken({ secret: "s".repeat(32), sub: "zoë", ttlSeconds: 60 });
  assert.equal(tokenSubject(token), "zoë");
  for (const bad of [undefined, "", "abc", "a.!!!.c", `a.${btoa("[]")}.c`]) {
    assert.equal(tokenSubject(bad), undefined, String(bad));
  }
});
