/**
 * The access surface's checks on what comes back: whether an answer is one the
 * contract allows (access_rules.ts's Answer), and whether anything a node sent
 * an identity (a frame, a REST body) names a private chat it may not read. A
 * private chat the surface does not know the members of yet is held and judged
 * again later (its creation reply may still be on its way).
 *
 * Invariant: a leak is reported once per (who, chat); nothing here changes the rules.
 * @module
 */

import { isPrivateChatId } from "../server/core/chat_access.ts";
import type { AccessRules, Answer, Identity } from "./access_rules.ts";
import type { AnswerFrame } from "./access_connection.ts";
import type { FuzzRecorder } from "./fuzz_report.ts";

/** Every `chatId` number anywhere in a JSON value (messages, updates, chats, typing). */
export function chatIdsIn(value: unknown, found: number[] = [], depth = 0): number[] {
  if (depth > 6 || typeof value !== "object" || value === null) return found;
  if (Array.isArray(value)) {
    for (const item of value) chatIdsIn(item, found, depth + 1);
    return found;
  }
  for (const [key, item] of Object.entries(value)) {
    if (key === "chatId" && typeof item === "number") found.push(item);
    else chatIdsIn(item, found, depth + 1);
  }
  return found;
}

/** The answer a frame is (undefined: none came), in Answer's terms. */
export function describeAnswer(frame: AnswerFrame | undefined): string {
  if (!frame) return "no answer";
  if (frame.type === "error") return `error ${(frame.payload as { code?: unknown })?.code}`;
  return frame.type;
}

export function answerAllowed(answers: readonly Answer[], frame: AnswerFrame | undefined): boolean {
  if (!frame) return answers.some((answer) => "none" in answer);
  if (frame.type === "error") {
    const code = (frame.payload as { code?: unknown })?.code;
    return answers.some((answer) => "error" in answer && answer.error === code);
  }
  return answers.some((answer) => "reply" in answer && answer.reply === frame.type);
}

export function describeAnswers(answers: readonly Answer[]): string {
  return answers.map((answer) =>
    "reply" in answer ? answer.reply : "error" in answer ? `error ${answer.error}` : "no answer"
  ).join(" | ");
}

export class LeakCheck {
  #rules: AccessRules;
  #recorder: FuzzRecorder;
  #held: { who: string; identity: Identity; chatId: number; what: string }[] = [];
  #reported = new Set<string>();

  constructor(rules: AccessRules, recorder: FuzzRecorder) {
    this.#rules = rules;
    this.#recorder = recorder;
  }

  /** Judges what `who` (speaking as identity) was sent; `what` names it for the report. */
  inspect(who: string, identity: Identity, value: unknown, what: string): void {
    for (const chatId of chatIdsIn(value)) {
      if (!isPrivateChatId(chatId)) continue;
      const can = this.#rules.canRead(identity, chatId);
      if (can === undefined) this.#held.push({ who, identity, chatId, what });
      else if (can === false) this.#leak(who, chatId, what);
    }
  }

  /** Judges what was held; a private chat still unknown is one this surface never made. */
  settle(): void {
    const held = this.#held;
    this.#held = [];
    for (const { who, identity, chatId, what } of held) {
      const can = this.#rules.canRead(identity, chatId);
      if (can === false || can === undefined) this.#leak(who, chatId, what);
    }
  }

  #leak(who: string, chatId: number, what: string): void {
    const key = `${who}/${chatId}`;
    if (this.#reported.has(key)) return;
    this.#reported.add(key);
    this.#recorder.fail({
      label: "private chat leaked",
      input: what.slice(0, 300),
      expected: `${who} learns nothing of private chat ${chatId}`,
      got: "it was sent something of it",
    });
  }
}
