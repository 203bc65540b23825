import { test } from "node:test";
import assert from "node:assert/strict";
import { authSecretFromEnv } from "./auth_secret.ts";

const env = (value?: string) => (name: string) =>
  name === "DSATTER_AUTH_SECRET" ? value : undefined;
const LONG = "s".repeat(32);

test("authSecretFromEnv() needs no secret when off and refuses to run without one otherwise", () => {
  assert.deepEqual(authSecretFromEnv("off", env(), true), { ok: true });
  for (const mode of ["optional", "required"] as const) {
    const result = authSecretFromEnv(mode, env(), false);
    assert.equal(result.ok, false);
    assert.match(!result.ok ? result.error : "", /needs DSATTER_AUTH_SECRET/);
    assert.equal(authSecretFromEnv(mode, env("  "), false).ok, false);
  }
  assert.deepEqual(authSecretFromEnv("required", env(LONG), true), { ok: true, secret: LONG });
});

test("authSecretFromEnv() warns about a short secret, and refuses it in production", () => {
  const dev = authSecretFromEnv("optional", env("short"), false);
  assert.equal(dev.ok && dev.secret, "short");
  assert.match(dev.ok && dev.warning || "", /shorter than 32/);
  assert.equal(authSecretFromEnv("optional", env("short"), true).ok, false);
});
