/**
 * The access surface's frames (PROTOCOL.md sections 6 and 7): hello, sends,
 * edits, deletes, typing, search, createChat with `private`/`members`, sync,
 * subscribe and presence, aimed at what an identity may or may not touch (a
 * private chat it is not a member of, another sender's message, a token
 * holder's name), half of them with a hostile field (value_generation.ts).
 * Each case carries every answer the contract allows: the shape's verdict
 * (client_frame_contract.ts) first, then the access rules (access_rules.ts).
 *
 * Invariant: the expectation is computed from exactly the text that is sent;
 * a case never deletes one of the surface's own target messages (the other
 * cases aim at them).
 * @module
 */

import type { SeededRandom } from "../chaos/seeded_random.ts";
import { CLIENT_PAYLOADS, expectFrame, validFrame } from "./client_frame_contract.ts";
import { toJsonText } from "./json_text.ts";
import { mutateValue, validValue } from "./value_generation.ts";
import type { AccessRules, Answer, Identity, KnownMessage } from "./access_rules.ts";
import { PRIVATE_CHAT_ID_MAX, PRIVATE_CHAT_ID_MIN } from "../server/core/chat_access.ts";

/** A connection the surface speaks through, as one identity. */
export interface Actor {
  label: string;
  identity: Identity;
  /** The name its last accepted hello gave. */
  helloName: string;
}

/** What the cases aim at: the private chat and messages made at the start. */
export interface AccessTargets {
  privateChat: number;
  messages: readonly KnownMessage[];
}

export interface AccessFrameCase {
  label: string;
  type: string;
  text: string;
  ref: string;
  /** Every answer the contract allows. */
  answers: Answer[];
  /** Accepted, it may store something (not drawn in the refused-only half). */
  stores: boolean;
}

const encoder = new TextEncoder();

const TYPE_WEIGHTS: [string, number][] = [
  ["hello", 2],
  ["newMessageFromClient", 3],
  ["editMessage", 3],
  ["deleteMessage", 2],
  ["typing", 2],
  ["search", 3],
  ["createChat", 2],
  ["clientSyncRequest", 2],
  ["subscribe", 1],
  ["presence", 1],
  ["listChats", 1],
];

function pickType(random: SeededRandom): string {
  let roll = random.next() * TYPE_WEIGHTS.reduce((sum, [, weight]) => sum + weight, 0);
  for (const [type, weight] of TYPE_WEIGHTS) {
    if ((roll -= weight) < 0) return type;
  }
  return "listChats";
}

function pickChat(random: SeededRandom, others: readonly number[], targets: AccessTargets): number {
  switch (random.int(0, 4)) {
    case 0:
      return random.pick([11, 12, 0]);
    case 1:
    case 2:
      return targets.privateChat;
    case 3:
      return others.length > 0 ? random.pick(others) : targets.privateChat;
    default: // a private id no one created: nobody may use it
      return random.int(PRIVATE_CHAT_ID_MIN, PRIVATE_CHAT_ID_MAX);
  }
}

function pickName(random: SeededRandom, actor: Actor): string {
  return random.pick([
    actor.helloName,
    actor.identity.sub ?? actor.helloName,
    "ann",
    "bob",
    "eve",
    "ANN",
    "ａｎｎ",
    `anon-${random.int(0, 1e9)}`,
  ]);
}

/** A valid payload of the type, aimed at the targets. */
function aimedPayload(
  type: string,
  random: SeededRandom,
  context: { actor: Actor; targets: AccessTargets; chats: readonly number[] },
): Record<string, unknown> {
  const { actor, targets } = context;
  const payload = validFrame(type, random).payload as Record<string, unknown>;
  const chat = () => pickChat(random, context.chats, targets);
  const messageId = () =>
    random.chance(0.85)
      ? random.pick(targets.messages).messageId
      : validValue({ kind: "messageId", canonical: "ok" }, random) as string;
  switch (type) {
    case "hello":
      return { name: pickName(random, actor) };
    case "newMessageFromClient":
      return { ...payload, chatId: chat(), sender: pickName(random, actor) };
    case "editMessage":
      return { ...payload, messageId: messageId() };
    case "deleteMessage":
      return { messageId: messageId() };
    case "typing":
      return { chatId: chat() };
    case "search":
    case "presence":
      return random.chance(0.7) ? { ...payload, chatId: chat() } : payload;
    case "clientSyncRequest": {
      if (Array.isArray(payload)) return { chatId: chat() };
      const aimed: Record<string, unknown> = { ...payload, chatId: chat() };
      if (random.chance(0.3)) {
        delete aimed.since;
        aimed.before = messageId();
      }
      return aimed;
    }
    case "subscribe":
      return { chatIds: random.chance(0.1) ? null : [chat(), chat()].slice(0, random.int(1, 2)) };
    case "createChat": {
      if (random.chance(0.3)) return { name: payload.name };
      const members = random.chance(0.8)
        ? ["ann", "bob", "eve", `m-${random.int(0, 1e9)}`].filter(() => random.chance(0.5))
        : payload.members ?? [];
      return { name: payload.name, private: true, members };
    }
  }
  return payload;
}

/**
 * The next frame case from `actor`. `refusedOnly`: only cases that store nothing
 * whatever the node does.
 */
export function nextAccessFrameCase(
  random: SeededRandom,
  context: {
    rules: AccessRules;
    actor: Actor;
    targets: AccessTargets;
    ref: string;
    /** Private chats made so far (aimed at besides P). */
    chats: readonly number[];
  },
  options: { refusedOnly: boolean },
): AccessFrameCase {
  for (;;) {
    const type = pickType(random);
    let payload: unknown = aimedPayload(type, random, context);
    const hostile = random.chance(0.5);
    if (hostile) {
      payload = mutateValue(payload, { kind: "object", fields: CLIENT_PAYLOADS[type] }, random);
    }
    const text = toJsonText({ type, payload, ref: context.ref }).toWellFormed();
    // Past 64 KiB the node closes the connection (1009): the client surface's case, not this one's.
    if (encoder.encode(text).length > 60_000) continue;
    const shape = expectFrame(text);
    let answers: Answer[] = shape.errorCodes.map((error) => ({ error }));
    let stores = false;
    if (shape.verdict !== "bad") {
      const sent = JSON.parse(text) as { type: string; payload: unknown };
      const access = context.rules.answer(context.actor.identity, context.actor.helloName, sent);
      const deletesTarget = type === "deleteMessage" &&
        access.answers.some((answer) => "reply" in answer);
      if (deletesTarget) continue;
      answers = shape.verdict === "ok" ? access.answers : [...answers, ...access.answers];
      stores = access.stores;
    }
    if (options.refusedOnly && stores) continue;
    return {
      label: `${hostile ? "hostile" : "aimed"} ${type}`,
      type,
      text,
      ref: context.ref,
      answers,
      stores,
    };
  }
}
