/**
 * A send accepted twice during a partition shows once in the web client
 * (PROTOCOL.md section 7, `duplicateOf`), in Chromium against two real nodes
 * cut apart: node X reaches node Y only through a proxy that refuses until the
 * test opens it. The same (sender, clientMsgId) goes to both; each node's page
 * shows its node's copy. Once the link heals, the page that showed the copy
 * that loses drops it (its `messageUpdated` says `duplicateOf`) and both pages
 * show the send once, as the copy that stays.
 */

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { Browser } from "playwright-core";
import { health } from "../testing/peer_test_cluster.ts";
import { type PartitionedPair, startPartitionedPair } from "../testing/partitioned_pair.ts";
import { waitUntil } from "../../common/testing/wait_until.ts";
import { postMessage, TEST_TIMEOUT_MS } from "./testing/browser_cluster.ts";
import {
  type ChatPage,
  launchChromium,
  openChatPage,
  waitForMessages,
} from "./testing/chat_page.ts";

const CHAT = 601;

describe("web client in Chromium: a send accepted on both sides of a partition", () => {
  const pages: ChatPage[] = [];
  let pair: PartitionedPair | undefined;
  let browser: Browser | undefined;

  beforeAll(async () => {
    pair = await startPartitionedPair();
    browser = await launchChromium();
  }, 60_000);

  afterAll(async () => {
    await Promise.allSettled(pages.map((chatPage) => chatPage.close()));
    await browser?.close().catch(() => {});
    await pair?.stop();
  });

  test("each page ends with the copy that stays, shown once", async () => {
    const { y, x, proxy } = pair!;
    const onX = await openChatPage(browser!, x.url, { name: "viewer-x", chatId: CHAT });
    const onY = await openChatPage(browser!, y.url, { name: "viewer-y", chatId: CHAT });
    pages.push(onX, onY);
    const [idX, idY] = await Promise.all([
      postMessage(x, CHAT, "ann", "said once", "dup-web-1"),
      postMessage(y, CHAT, "ann", "said once", "dup-web-1"),
    ]);
    expect(idX).not.toBe(idY);
    const [stays, goes] = BigInt(idX) < BigInt(idY) ? [idX, idY] : [idY, idX];
    for (const [chatPage, id] of [[onX, idX], [onY, idY]] as const) {
      await waitForMessages(chatPage.page, (rows) => rows[0]?.messageId === id, "its node's copy");
    }
    const loser = goes === idX ? onX : onY;
    // Watch the losing page: its row must go, never two rows of one send.
    await loser.page.evaluate(() => {
      const timeline = document.getElementById("timeline")!;
      const counts: number[] = [];
      (globalThis as { __rows?: number[] }).__rows = counts;
      new MutationObserver(() => counts.push(timeline.children.length)).observe(timeline, {
        childList: true,
      });
    });

    console.log("ids", { idX, idY, stays, goes });
    for (const chatPage of [onX, onY]) {
      chatPage.page.on("websocket", (ws) =>
        ws.on("framereceived", (f) => {
          const t = String(f.payload);
          if (!t.includes("presence")) console.log(chatPage.name, "<", t.slice(0, 300));
        }));
      chatPage.page.on("console", (m) => console.log(chatPage.name, m.text()));
    }
    proxy.open();
    await waitUntil(async () => (await health(x)).peers === 1, { deadlineMs: 30_000, pollMs: 100 });
    for (const chatPage of [onX, onY]) {
      const rows = await waitForMessages(
        chatPage.page,
        (shown) => shown.length === 1 && shown[0].messageId === stays,
        `the copy that stays on ${chatPage.name}'s page`,
        30_000,
      );
      expect(rows[0]).toMatchObject({ sender: "ann", text: "said once", state: "confirmed" });
    }
    const counts = await loser.page.evaluate(() => (globalThis as { __rows?: number[] }).__rows!);
    expect(counts.every((count) => count <= 1)).toBe(true);
    expect([...onX.problems, ...onY.problems]).toEqual([]);
  }, TEST_TIMEOUT_MS);
});
