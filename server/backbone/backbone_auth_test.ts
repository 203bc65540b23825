import { describe, expect, test } from "bun:test";
import { createBackboneAuth } from "./backbone_auth.ts";

describe("createBackboneAuth", () => {
  test("verify() accepts its own proofs and refuses another subject, payload or secret", () => {
    const auth = createBackboneAuth("secret-one");
    const proof = auth.sign("dsatter.x.msg.1", '{"a":1}');
    expect(auth.verify("dsatter.x.msg.1", '{"a":1}', proof, true)).toBe(true);
    expect(auth.verify("dsatter.x.msg.1", new TextEncoder().encode('{"a":1}'), proof, true))
      .toBe(true);
    expect(auth.verify("dsatter.x.msg.2", '{"a":1}', proof, true)).toBe(false);
    expect(auth.verify("dsatter.x.msg.1", '{"a":2}', proof, true)).toBe(false);
    expect(createBackboneAuth("secret-two").verify("dsatter.x.msg.1", '{"a":1}', proof, true))
      .toBe(false);
    for (const junk of [undefined, "", "v1.1.x", "v2.1." + "A".repeat(43)]) {
      expect(auth.verify("dsatter.x.msg.1", '{"a":1}', junk, false)).toBe(false);
    }
  });

  test("verify() refuses an old core frame but keeps an old stream message", () => {
    let now = 1_000_000;
    const auth = createBackboneAuth("s", () => now);
    const proof = auth.sign("subj", "p");
    now += 61_000;
    expect(auth.verify("subj", "p", proof, true)).toBe(false);
    expect(auth.verify("subj", "p", proof, false)).toBe(true);
  });

  test("tag is a stable subject token derived from the secret", () => {
    expect(createBackboneAuth("a").tag).toMatch(/^[0-9a-f]{12}$/);
    expect(createBackboneAuth("a").tag).toBe(createBackboneAuth("a").tag);
    expect(createBackboneAuth("a").tag).not.toBe(createBackboneAuth("b").tag);
  });
});
