/**
 * The access surface's HTTP cases (PROTOCOL.md section 6 and 7): WebSocket
 * upgrades and REST requests carrying hostile or valid credentials
 * (token_cases.ts) on the `--auth required` and `--auth optional` nodes, REST
 * aimed at a private chat, `GET /api/search` with hostile query strings, and
 * POSTs under another name or without `application/json`. Each case carries
 * the statuses the contract allows and, when it may answer 200, the identity
 * whose reading rights its body must respect.
 *
 * Invariant: a credential the contract refuses allows 401 only (a POST that is
 * not JSON may get 415 first: the contract does not order the two).
 * @module
 */

import type { SeededRandom } from "../chaos/seeded_random.ts";
import { PRIVATE_CHAT_ID_MAX, PRIVATE_CHAT_ID_MIN } from "../server/core/chat_access.ts";
import type { AccessRules, Identity } from "./access_rules.ts";
import type { AccessTargets } from "./access_frame_cases.ts";
import { type Credential, credentialCase } from "./token_cases.ts";

export type AuthNode = "required" | "optional";

export interface AccessHttpCase {
  label: string;
  node: AuthNode;
  /** A WebSocket upgrade (statuses 101 or 401) rather than a REST request. */
  upgrade: boolean;
  method: string;
  /** Path and query. */
  path: string;
  headers: Record<string, string>;
  body?: string;
  statuses: number[];
  stores: boolean;
  /** Whom a 200 answer's messages and chats must be readable by. */
  reader?: Identity;
}

/** Who a credential makes the request speak as: an identity, "refused", or both possible. */
function identityOf(credential: Credential, node: AuthNode): (Identity | "refused")[] {
  switch (credential.kind) {
    case "valid":
      return [{ sub: credential.sub }];
    case "invalid":
      return ["refused"];
    case "missing":
      return node === "required" ? ["refused"] : [{}];
    case "either":
      return node === "required" ? ["refused"] : ["refused", {}];
  }
}

const GOOD_Q = ["fuzz", "hello", "%C3%BCn%C3%AF", "a"];
const BAD_Q = ["", "x".repeat(201)];
const ODD_Q = ["%ED%A0%80", "%FF", "%C3%28"];

/** `GET /api/search` with a query string that may be hostile; statuses for one reader. */
function searchCase(
  random: SeededRandom,
  rules: AccessRules,
  targets: AccessTargets,
  reader: Identity,
): { path: string; statuses: number[] } {
  const parts: string[] = [];
  let bad = false;
  let unsure = false;
  let chatId: number | undefined;
  const qRoll = random.next();
  if (qRoll < 0.9) {
    const q = qRoll < 0.65
      ? random.pick(GOOD_Q)
      : qRoll < 0.8
      ? random.pick(BAD_Q)
      : random.pick(ODD_Q);
    bad ||= BAD_Q.includes(q);
    unsure ||= ODD_Q.includes(q);
    parts.push(`q=${q}`);
  } else bad = true;
  if (random.chance(0.6)) {
    const text = random.pick([
      "11",
      String(targets.privateChat),
      String(random.int(PRIVATE_CHAT_ID_MIN, PRIVATE_CHAT_ID_MAX)),
      "-1",
      "x",
      "01",
      "1e3",
      "99999999999999999999",
    ]);
    if (/^(0|[1-9][0-9]{0,15})$/.test(text) && Number.isSafeInteger(Number(text))) {
      chatId = Number(text);
    } else bad = true;
    parts.push(`chatId=${text}`);
  }
  if (random.chance(0.3)) {
    const limit = random.pick(["1", "100", "0", "101", "abc", ""]);
    bad ||= ["0", "101", "abc"].includes(limit);
    parts.push(`limit=${limit}`);
  }
  if (random.chance(0.2)) {
    const before = random.pick([...targets.messages.map((m) => m.messageId), "abc", "0"]);
    bad ||= !/^[0-9]+$/.test(before) || before === "0";
    unsure = true; // a cursor this reader cannot use: 400 or no cursor at all (SECURITY.md)
    parts.push(`before=${before}`);
  }
  const path = `/api/search?${parts.join("&")}`;
  if (bad) return { path, statuses: [400] };
  const statuses = chatId === undefined ? [200] : statusesOfUse(rules.canRead(reader, chatId), 200);
  return { path, statuses: unsure ? [...statuses, 400] : statuses };
}

/** The statuses of using a chat: `ok` when readable, 403 when not, both while it replicates. */
function statusesOfUse(can: boolean | "maybe" | undefined, ok: number): number[] {
  return can === true ? [ok] : can === "maybe" ? [ok, 403] : [403];
}

/** The next HTTP case. `refusedOnly`: only cases that store nothing. */
/** A request's node and credential, and the statuses it allows for what each reader may do. */
interface Draft {
  node: AuthNode;
  label: string;
  headers: Record<string, string>;
  /** `?token=...` or "". */
  query: string;
  credential: Credential;
  /** The identity a 2xx speaks for (undefined: the credential is refused). */
  reader?: Identity;
  /** 401 (or too large) for a refused credential, else what `accepted` says. */
  statusesFor(accepted: (reader: Identity) => number[]): number[];
}

async function draftRequest(
  random: SeededRandom,
  authSecret: string,
  upgrade: boolean,
): Promise<Draft> {
  const node: AuthNode = random.chance(0.5) ? "required" : "optional";
  const credential = await credentialCase(random, {
    secret: authSecret,
    sub: random.pick(["ann", "bob", "eve"]),
    allowQuery: upgrade,
  });
  const headers: Record<string, string> = {};
  if (credential.authorization !== undefined) headers.authorization = credential.authorization;
  const identities = identityOf(credential, node);
  const refusal = [401, ...(credential.tooLarge ?? [])];
  return {
    node,
    label: `${node}: ${credential.label}`,
    headers,
    query: credential.query === undefined ? "" : `?token=${encodeURIComponent(credential.query)}`,
    credential,
    reader: identities.find((who): who is Identity => who !== "refused"),
    statusesFor: (accepted) => [
      ...new Set(identities.flatMap((who) => who === "refused" ? refusal : accepted(who))),
    ],
  };
}

/** A POST into chatId under a sender that may not be the reader's, as JSON or not. */
function postCase(
  random: SeededRandom,
  draft: Draft,
  context: { rules: AccessRules; chatId: number },
): AccessHttpCase {
  const { rules, chatId } = context;
  const json = random.chance(0.85);
  const sender = random.pick([
    draft.credential.sub ?? "ann",
    "ann",
    "bob",
    "ANN",
    `anon-${random.int(0, 1e9)}`,
  ]);
  const headers = {
    ...draft.headers,
    "content-type": json
      ? "application/json"
      : random.pick(["text/plain", "application/x-www-form-urlencoded"]),
  };
  const allowed = (who: Identity) =>
    rules.mayUseName(who, sender) ? statusesOfUse(rules.canRead(who, chatId), 201) : [403];
  // Not JSON: 415, or 401 first for a refused credential (the contract does not order them).
  const statuses = json
    ? draft.statusesFor(allowed)
    : [...new Set([415, ...draft.statusesFor(() => [415])])];
  return {
    label: `POST ${json ? "" : "not JSON "}${draft.label}`,
    node: draft.node,
    upgrade: false,
    method: "POST",
    path: `/api/chats/${chatId}/messages`,
    headers,
    body: JSON.stringify({ text: `access fuzz ${random.int(0, 1e9)}`, sender }),
    statuses,
    stores: statuses.includes(201),
    reader: draft.reader,
  };
}

/** The next HTTP case. `refusedOnly`: only cases that store nothing. */
export async function nextAccessHttpCase(
  random: SeededRandom,
  context: { rules: AccessRules; targets: AccessTargets; authSecret: string },
  options: { refusedOnly: boolean },
): Promise<AccessHttpCase> {
  const { rules, targets } = context;
  for (;;) {
    const roll = random.next();
    const upgrade = roll < 0.4;
    const draft = await draftRequest(random, context.authSecret, upgrade);
    const base = { node: draft.node, upgrade, headers: draft.headers, reader: draft.reader };
    if (upgrade) {
      const statuses = draft.statusesFor(() => [101]);
      return {
        ...base,
        label: `upgrade ${draft.label}`,
        method: "GET",
        path: `/${draft.query}`,
        statuses,
        stores: false,
      };
    }
    if (roll < 0.65) {
      const search = draft.reader ? searchCase(random, rules, targets, draft.reader) : undefined;
      return {
        ...base,
        label: `search ${draft.label}`,
        method: "GET",
        path: search?.path ?? "/api/search?q=fuzz",
        statuses: draft.statusesFor(() => search!.statuses),
        stores: false,
      };
    }
    const chatId = random.pick([11, targets.privateChat, ...rules.privateChats().slice(-3)]);
    if (roll < 0.8) {
      const listing = random.chance(0.3);
      return {
        ...base,
        label: `${listing ? "GET chats" : "GET messages"} ${draft.label}`,
        method: "GET",
        path: listing ? "/api/chats" : `/api/chats/${chatId}/messages?limit=20`,
        statuses: draft.statusesFor((who) =>
          listing ? [200] : statusesOfUse(rules.canRead(who, chatId), 200)
        ),
        stores: false,
      };
    }
    const post = postCase(random, draft, { rules, chatId });
    if (!options.refusedOnly || !post.stores) return post;
  }
}
