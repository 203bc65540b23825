import { expect, setDefaultTimeout, test } from "bun:test";
import { validatePostMessageBody } from "../common/client_frame_validation.ts";
import {
  validateLoginBody,
  validateLogoutBody,
  validateRegisterBody,
} from "../common/discovery_protocol.ts";
import { DISCOVERY_BODY_MAX_BYTES, DISCOVERY_FIELDS } from "./discovery_cases.ts";
import { fuzzBody } from "./http_body.ts";
import { NODE_BODY_MAX_BYTES, POST_FIELDS } from "./node_http_cases.ts";
import { createSeededRandom } from "../chaos/seeded_random.ts";
import { checkObject, type FieldSpec } from "./value_schema.ts";

setDefaultTimeout(60_000);

function disagreements(
  fields: Record<string, FieldSpec>,
  base: Record<string, unknown>,
  validate: (body: unknown) => { ok: boolean },
  maxBytes: number,
): string[] {
  const random = createSeededRandom(31);
  const found: string[] = [];
  for (let i = 0; i < 5000; i++) {
    const body = fuzzBody(base, { kind: "object", fields }, random, maxBytes);
    if (body.value.kind !== "json" || body.value.lenient) continue;
    const verdict = checkObject(fields, body.value.value);
    const accepted = validate(body.value.value).ok;
    if ((verdict === "bad" && accepted) || (verdict === "ok" && !accepted)) {
      found.push(
        `${verdict}, validator ${accepted}: ${new TextDecoder().decode(body.bytes).slice(0, 200)}`,
      );
    }
  }
  return found;
}

test("fuzzBody() marks invalid UTF-8, oversize and BOM bodies for what they are", () => {
  const random = createSeededRandom(5);
  const kinds = new Set<string>();
  for (let i = 0; i < 2000; i++) {
    const body = fuzzBody(
      { text: "hi", sender: "s" },
      { kind: "object", fields: POST_FIELDS },
      random,
      1000,
    );
    kinds.add(body.value.kind);
    if (body.value.kind === "not utf-8") {
      expect(() => new TextDecoder("utf-8", { fatal: true }).decode(body.bytes)).toThrow();
    }
    if (body.value.kind === "too large") expect(body.bytes.length).toBeGreaterThan(1000);
  }
  expect([...kinds].sort()).toEqual(["json", "not json", "not utf-8", "too large"]);
});

test("the discovery's body validators agree with the fuzzers' reading of the contract", () => {
  const node = { id: 3, password: "pw", syncport: 4000, clientport: 4001, address: "10.0.0.1" };
  expect(
    disagreements(
      DISCOVERY_FIELDS.register,
      { password: "pw" },
      validateRegisterBody,
      DISCOVERY_BODY_MAX_BYTES,
    ),
  ).toEqual([]);
  expect(disagreements(DISCOVERY_FIELDS.login, node, validateLoginBody, DISCOVERY_BODY_MAX_BYTES))
    .toEqual([]);
  expect(
    disagreements(
      DISCOVERY_FIELDS.logout,
      { id: 3, password: "pw" },
      validateLogoutBody,
      DISCOVERY_BODY_MAX_BYTES,
    ),
  ).toEqual([]);
});

test("the nodes' REST body validator agrees with the fuzzers' reading of the contract", () => {
  const validate = (body: unknown) => validatePostMessageBody(body, 11);
  expect(
    disagreements(
      POST_FIELDS,
      { text: "hi", sender: "ann", clientMsgId: "c1" },
      validate,
      NODE_BODY_MAX_BYTES,
    ),
  ).toEqual([]);
});
