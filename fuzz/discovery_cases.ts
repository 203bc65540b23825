/**
 * PROTOCOL.md section 2 for the discovery fuzzer: the bodies of the write
 * endpoints (and the reclaim extension), fuzzed, with the statuses the contract
 * allows: 400 for bad input, 413 past 16 KiB, 401 for a wrong Bearer secret or
 * node password, 200 for the rest. Node passwords go through a deliberately slow
 * hash, so cases that would pay for one (a registration, a wrong password of a
 * known node) are drawn rarely: the fuzzer spends its time on parsing.
 *
 * Invariant: a case marked refused is one the contract says changes nothing.
 * @module
 */

import { type HttpCase, rawRequest } from "./http_case.ts";
import { type FuzzBody, fuzzBody } from "./http_body.ts";
import type { SeededRandom } from "../chaos/seeded_random.ts";
import {
  checkObject,
  type FieldSpec,
  isPlainObject,
  type Schema,
  type Verdict,
} from "./value_schema.ts";

export const DISCOVERY_BODY_MAX_BYTES = 16 * 1024;
const EXPENSIVE_SHARE = 0.005;

const id: FieldSpec = { schema: { kind: "int", min: 1, max: Number.MAX_SAFE_INTEGER } };
const password: FieldSpec = {
  schema: { kind: "string", minChars: 1, maxChars: 1024, outside: "either" },
};
const port: FieldSpec = { schema: { kind: "int", min: 1, max: 65535 } };

export const DISCOVERY_FIELDS: Record<string, Record<string, FieldSpec>> = {
  register: { password },
  login: {
    id,
    password,
    syncport: port,
    clientport: port,
    address: { schema: { kind: "host", maxChars: 255 }, optional: true, nullVerdict: "either" },
    load: {
      schema: { kind: "int", min: 0, max: 1e9 },
      optional: true,
      nullVerdict: "either",
      extension: true,
    },
    region: {
      schema: { kind: "text", minChars: 1, maxChars: 64 },
      optional: true,
      nullVerdict: "either",
      extension: true,
    },
  },
  logout: { id, password },
  reclaim: { id, password },
};
const PATHS: Record<string, string> = {
  register: "/api/nodes/register",
  login: "/api/nodes/active/login",
  logout: "/api/nodes/active/logout",
  reclaim: "/api/nodes/reclaim",
};

export interface KnownNode {
  id: number;
  password: string;
}

export class DiscoveryCaseSource {
  #random: SeededRandom;
  #secret: string;
  /** Node ids this discovery holds, with the password when the fuzzer knows it. */
  #known = new Map<number, string | undefined>();
  readonly fakeNode: KnownNode;

  constructor(
    options: { random: SeededRandom; secret: string; fakeNode: KnownNode; otherIds: number[] },
  ) {
    this.#random = options.random;
    this.#secret = options.secret;
    this.fakeNode = options.fakeNode;
    this.#known.set(options.fakeNode.id, options.fakeNode.password);
    for (const other of options.otherIds) this.#known.set(other, undefined);
  }

  #base(endpoint: string): Record<string, unknown> {
    const random = this.#random;
    const own = random.chance(0.7);
    const body: Record<string, unknown> = {
      id: own ? this.fakeNode.id : random.int(10_000_000, 20_000_000),
      password: own ? this.fakeNode.password : `pw-${random.int(0, 1e9)}`,
    };
    if (endpoint === "register") return { password: body.password };
    if (endpoint !== "login") return body;
    return {
      ...body,
      syncport: random.int(1, 65535),
      clientport: random.int(1, 65535),
      address: "10.0.0.9",
      load: 0,
      region: "eu",
    };
  }

  /** The status a body the contract accepts gets, and whether it is a slow one. */
  #accepted(
    endpoint: string,
    value: Record<string, unknown>,
  ): { status: number; expensive: boolean } {
    if (endpoint === "register") return { status: 200, expensive: true };
    const known = this.#known.has(value.id as number);
    const matches = known && this.#known.get(value.id as number) === value.password;
    if (endpoint === "reclaim") {
      return known
        ? { status: matches ? 200 : 401, expensive: !matches }
        : { status: 200, expensive: true };
    }
    return { status: matches ? 200 : 401, expensive: known && !matches };
  }

  #expect(endpoint: string, body: FuzzBody): { statuses: number[]; expensive: boolean } {
    if (body.value.kind === "too large") return { statuses: [413], expensive: false };
    if (body.value.kind !== "json") return { statuses: [400], expensive: false };
    const value = body.value.value;
    const verdict: Verdict = checkObject(DISCOVERY_FIELDS[endpoint], value);
    if (verdict === "bad") return { statuses: [400], expensive: false };
    const accepted = this.#accepted(endpoint, value as Record<string, unknown>);
    const strict = verdict === "ok" && !body.value.lenient;
    return {
      statuses: strict ? [accepted.status] : [400, accepted.status],
      expensive: accepted.expensive,
    };
  }

  #learn(endpoint: string, body: FuzzBody): ((answer: unknown) => void) | undefined {
    if (body.value.kind !== "json" || !isPlainObject(body.value.value)) return undefined;
    const sent = body.value.value;
    if (endpoint === "register") {
      return (answer) => this.#known.set((answer as KnownNode).id, sent.password as string);
    }
    if (endpoint === "reclaim") {
      return () => this.#known.set(sent.id as number, sent.password as string);
    }
    return undefined;
  }

  /** The next case; refusedOnly draws until the contract says it changes nothing. */
  next(options: { refusedOnly: boolean }): HttpCase {
    for (;;) {
      const testCase = this.#draw();
      if (testCase && (!options.refusedOnly || testCase.refused)) return testCase;
    }
  }

  #draw(): HttpCase | undefined {
    const random = this.#random;
    const endpoint = random.pick(["register", "login", "login", "logout", "reclaim"]);
    const body = fuzzBody(
      this.#base(endpoint),
      { kind: "object", fields: DISCOVERY_FIELDS[endpoint] } as Schema,
      random,
      DISCOVERY_BODY_MAX_BYTES,
    );
    const headers: Record<string, string> = {
      "content-type": "application/json",
      authorization: `Bearer ${this.#secret}`,
    };
    let { statuses, expensive } = this.#expect(endpoint, body);
    let label = `${endpoint} ${body.label}`;
    if (random.chance(0.05)) {
      const wrong = random.pick([
        undefined,
        "Bearer nope",
        `Basic ${this.#secret}`,
        "Bearer",
        `Bearer ${this.#secret}x`,
      ]);
      if (wrong === undefined) delete headers.authorization;
      else headers.authorization = wrong;
      statuses = [401];
      expensive = false;
      label = `${endpoint} wrong secret`;
    }
    if (expensive && !random.chance(EXPENSIVE_SHARE)) return undefined;
    const refused = statuses.every((status) => status >= 400);
    if (random.chance(0.01)) return this.#rawCase(endpoint, headers, body);
    return {
      label,
      method: "POST",
      path: PATHS[endpoint],
      headers,
      body: body.bytes,
      statuses,
      refused,
      onAccepted: this.#learn(endpoint, body),
    };
  }

  /** A request the HTTP layer must survive: a lying length, a broken chunked body. */
  #rawCase(endpoint: string, headers: Record<string, string>, body: FuzzBody): HttpCase {
    const random = this.#random;
    const declaredLength = random.pick<number | "chunked">([
      body.bytes.length + 100,
      0,
      DISCOVERY_BODY_MAX_BYTES * 4,
      "chunked",
    ]);
    const bytes = rawRequest({
      method: "POST",
      path: PATHS[endpoint],
      host: "localhost",
      headers,
      body: declaredLength === "chunked"
        ? Uint8Array.from([0x7a, 0x7a, 0x0d, 0x0a, ...body.bytes])
        : body.bytes,
      declaredLength,
    });
    // A body shorter than declared is followed by the end of the stream, so no one waits for it.
    const endAfterWrite = typeof declaredLength === "number" && declaredLength > body.bytes.length;
    return {
      label: `${endpoint} raw`,
      method: "POST",
      path: PATHS[endpoint],
      headers,
      statuses: [],
      refused: true,
      raw: { bytes, endAfterWrite },
    };
  }
}
