import { describe, expect, test } from "bun:test";
import {
  ANONYMOUS,
  canRead,
  chatScopeOf,
  type Identity,
  isPrivateChatId,
  PRIVATE_CHAT_ID_MAX,
  PRIVATE_CHAT_ID_MIN,
} from "./chat_access.ts";
import { chatInScope as inChatScope } from "../store/message_store.ts";

const P = PRIVATE_CHAT_ID_MIN + 42;
const Q = PRIVATE_CHAT_ID_MIN + 43;
const user = (name: string, chats: number[] = []): Identity => ({
  kind: "user",
  name,
  chats: new Set(chats),
});

describe("chat_access", () => {
  test("isPrivateChatId() is true exactly on the private range", () => {
    const cases: Array<[number, boolean]> = [
      [0, false],
      [11, false],
      [999_999_999, false],
      [PRIVATE_CHAT_ID_MIN - 1, false],
      [PRIVATE_CHAT_ID_MIN, true],
      [PRIVATE_CHAT_ID_MAX, true],
      [PRIVATE_CHAT_ID_MAX + 1, false],
      [Date.UTC(2026, 0, 1), false],
    ];
    for (const [chatId, expected] of cases) {
      expect([chatId, isPrivateChatId(chatId)]).toEqual([chatId, expected]);
    }
  });

  test("canRead() lets everyone use public chats and only members or claimants private ones", () => {
    const cases: Array<[string, Identity, { chatId: number; members?: string[] }, boolean]> = [
      ["anonymous, public", ANONYMOUS, { chatId: 11 }, true],
      ["user, public", user("ann"), { chatId: 11 }, true],
      ["anonymous, private", ANONYMOUS, { chatId: P, members: ["ann"] }, false],
      ["member", user("ann"), { chatId: P, members: ["ann", "bob"] }, true],
      ["non-member", user("eve"), { chatId: P, members: ["ann", "bob"] }, false],
      ["name differs in case", user("Ann"), { chatId: P, members: ["ann"] }, false],
      ["claim names it", user("eve", [P]), { chatId: P, members: ["ann"] }, true],
      ["claim names another", user("eve", [Q]), { chatId: P, members: ["ann"] }, false],
      ["record not learnt, member", user("ann"), { chatId: P }, false],
      ["record not learnt, claim", user("eve", [P]), { chatId: P }, true],
      ["claim on a public chat is harmless", user("eve", [11]), { chatId: 11 }, true],
    ];
    for (const [name, identity, chat, expected] of cases) {
      expect([name, canRead(identity, chat)]).toEqual([name, expected]);
    }
  });

  test("chatScopeOf() keeps exactly the private chats canRead allows", () => {
    const anonymous = chatScopeOf(ANONYMOUS, [P]);
    expect(inChatScope(anonymous, 11)).toBe(true);
    expect(inChatScope(anonymous, P)).toBe(false);
    const ann = chatScopeOf(user("ann", [Q, 11]), [P]);
    expect([...ann.except].sort()).toEqual([P, Q]);
    expect(inChatScope(ann, P)).toBe(true);
    expect(inChatScope(ann, Q)).toBe(true);
    expect(inChatScope(ann, Q + 1)).toBe(false);
    expect(inChatScope(ann, 11)).toBe(true);
  });
});
