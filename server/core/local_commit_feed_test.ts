import { describe, expect, test } from "bun:test";
import { type Logger, silentLogger } from "../../common/logger.ts";
import { testMessage } from "../../common/testing/message_fixture.ts";
import { LocalCommitFeed } from "./local_commit_feed.ts";

describe("LocalCommitFeed", () => {
  test("committed() hands one tick's messages over as one batch, in order", async () => {
    const feed = new LocalCommitFeed(silentLogger);
    const batches: number[][] = [];
    feed.onMessages((messages) => batches.push(messages.map((m) => m.seq)));
    feed.committed(testMessage(1, 1));
    feed.committed(testMessage(1, 2));
    expect(batches).toEqual([]); // not before the tick ends
    await Promise.resolve();
    feed.committed(testMessage(1, 3));
    await Promise.resolve();
    expect(batches).toEqual([[1, 2], [3]]);
  });

  test("a failing listener is logged and the others still get everything", async () => {
    const errors: string[] = [];
    const feed = new LocalCommitFeed(
      { ...silentLogger, error: (event) => errors.push(event) } as Logger,
    );
    const seen: string[] = [];
    feed.onMessages(() => {
      throw new Error("peer gone");
    });
    feed.onMessages((messages) => seen.push(`messages ${messages.length}`));
    feed.onChat(() => {
      throw new Error("peer gone");
    });
    const stop = feed.onChat((chat) => seen.push(`chat ${chat.chatId}`));
    feed.committed(testMessage(1, 1));
    const chat = { chatId: 4, name: "x", named: true, createdAt: "", createdLc: 0, createdBy: 1 };
    feed.chatCreated(chat);
    stop();
    feed.chatCreated(chat);
    await Promise.resolve();
    expect(seen).toEqual(["chat 4", "messages 1"]);
    expect(errors).toEqual([
      "local commit listener failed",
      "local commit listener failed",
      "local commit listener failed",
    ]);
  });
});
