import { expect, test } from "bun:test";
import { verifyUserToken } from "../common/user_token.ts";
import { createSeededRandom } from "../chaos/seeded_random.ts";
import { credentialCase } from "./token_cases.ts";

const SECRET = "token-cases-test-secret-0123456789abcdef";

test("credentialCase(): every token it calls valid verifies as its sub, every invalid one is refused (2,000 cases)", async () => {
  const random = createSeededRandom(20_261_203);
  const disagreements: string[] = [];
  const kinds = new Set<string>();
  for (let i = 0; i < 2000; i++) {
    const credential = await credentialCase(random, {
      secret: SECRET,
      sub: "ann",
      allowQuery: true,
    });
    kinds.add(credential.kind);
    const bearer = /^Bearer[ ]+([A-Za-z0-9._~+/=-]+)[ ]*$/i.exec(credential.authorization ?? "");
    const token = credential.query ?? bearer?.[1];
    if (token === undefined || token === "") continue; // none, or a header that is not Bearer
    const check = await verifyUserToken(token, { secret: SECRET });
    const agrees = credential.kind === "valid"
      ? check.ok && check.claims.sub === credential.sub
      : credential.kind === "invalid" && !check.ok;
    if (!agrees) disagreements.push(`${credential.label}: ${JSON.stringify(check)}`);
  }
  expect(disagreements.slice(0, 5)).toEqual([]);
  expect([...kinds].sort()).toEqual(["either", "invalid", "missing", "valid"]);
});
