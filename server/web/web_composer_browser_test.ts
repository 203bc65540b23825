/**
 * Writing and reading messages in the web client, in Chromium against a real
 * 3-node cluster: the composer (focused on load and after creating a chat;
 * Enter sends, Shift+Enter is a new line), the safe markdown subset and links
 * (through DOM nodes: people's text stays text), grouping of one sender's
 * messages, day separators and times as the browser's locale writes them, and
 * the "jump to latest" cue when messages arrive while the reader is scrolled up.
 */

import { describe, expect, test } from "bun:test";
import { spawnNode } from "../testing/spawn_node.ts";
import { postMessage, TEST_TIMEOUT_MS, useBrowserCluster } from "./testing/browser_cluster.ts";
import {
  countText,
  sendWithEnter,
  waitForMessages,
  waitForOnline,
  waitForPage,
} from "./testing/chat_page.ts";

const cluster = useBrowserCluster();
const composerIsFocused = (page: import("playwright-core").Page) =>
  page.evaluate(() => document.activeElement?.id === "message");

describe("web client in Chromium, 3-node cluster: composing and reading", () => {
  test("the composer has the focus on load and after creating a chat", async () => {
    const context = await cluster.browser().newContext();
    try {
      const page = await context.newPage();
      await page.goto(`${cluster.nodes[0].url}/?chat=301`);
      await waitForOnline(page);
      expect(await composerIsFocused(page)).toBe(true);
    } finally {
      await context.close();
    }
    const ivy = await cluster.open(cluster.nodes[1], "ivy", { chatId: 301 });
    await ivy.page.getByRole("textbox", { name: "New chat", exact: true }).fill("Focus test");
    await ivy.page.getByRole("button", { name: "Create", exact: true }).click();
    await ivy.page.locator("#chat-title", { hasText: "Focus test" }).waitFor();
    await waitForPage(ivy.page, () => composerIsFocused(ivy.page), "the composer focused");
    cluster.expectNoProblems();
  }, TEST_TIMEOUT_MS);

  test("Shift+Enter starts a new line, Enter sends; markdown and links render safely", async () => {
    const [a, b] = cluster.nodes;
    const writer = await cluster.open(a, "writer", { chatId: 302 });
    const reader = await cluster.open(b, "reader", { chatId: 302 });
    const composer = writer.page.getByRole("textbox", { name: "Message", exact: true });
    await composer.click();
    await writer.page.keyboard.type("first line");
    await writer.page.keyboard.press("Shift+Enter");
    await writer.page.keyboard.type("second line");
    expect(await composer.inputValue()).toBe("first line\nsecond line");
    await writer.page.keyboard.press("Enter");
    expect(await composer.inputValue()).toBe("");
    const marked = "**bold** and _soft_ and `x < y` see https://example.org/a_b. " +
      "**<img src=x onerror=window.__pwned=1>** javascript:alert(1)";
    await sendWithEnter(writer.page, marked);
    await sendWithEnter(writer.page, "```\nconst a = 1;\n```");
    await waitForMessages(
      reader.page,
      (rows) => countText(rows, "first line\nsecond line") === 1 && rows.length === 3,
      "three messages, the first on two lines",
    );
    const row = reader.page.locator("#timeline li", { hasText: "and soft and" });
    expect(await row.locator(".text strong").first().textContent()).toBe("bold");
    expect(await row.locator(".text em").textContent()).toBe("soft");
    expect(await row.locator(".text code").textContent()).toBe("x < y");
    const links = row.locator(".text a");
    expect(await links.count()).toBe(1);
    expect(await links.getAttribute("href")).toBe("https://example.org/a_b");
    expect(await links.getAttribute("target")).toBe("_blank");
    expect(await links.getAttribute("rel")).toBe("noopener noreferrer");
    expect(await row.locator(".text strong").nth(1).textContent()).toBe(
      "<img src=x onerror=window.__pwned=1>",
    );
    expect(await row.locator("img").count()).toBe(0);
    expect(await reader.page.evaluate(() => (globalThis as { __pwned?: number }).__pwned))
      .toBeUndefined();
    const block = reader.page.locator("#timeline li pre code");
    expect(await block.textContent()).toBe("const a = 1;");
    cluster.expectNoProblems();
  }, TEST_TIMEOUT_MS);

  test("one sender's messages group; times and days are written the locale's way", async () => {
    const [a] = cluster.nodes;
    for (const text of ["one", "two", "three"]) await cluster.post(a, 303, "gail", text);
    await cluster.post(a, 303, "hugo", "four");
    const english = await cluster.open(a, "reader", { chatId: 303 });
    const german = await cluster.open(a, "leser", { chatId: 303, locale: "de-DE" });
    for (const chatPage of [english, german]) {
      await waitForMessages(chatPage.page, (rows) => rows.length === 4, "four messages");
    }
    const rows = english.page.locator("#timeline > li");
    expect(await rows.evaluateAll((items) => items.map((li) => li.classList.contains("continued"))))
      .toEqual([false, true, true, false]);
    // Every row keeps its sender for assistive technology, shown or not.
    expect(await rows.locator(".sender").allTextContents()).toEqual([
      "gail",
      "gail",
      "gail",
      "hugo",
    ]);
    expect(await rows.first().locator(".day-divider").textContent()).toBe("Today");
    expect(await rows.nth(1).locator(".day-divider").count()).toBe(0);
    expect(await german.page.locator("#timeline > li .day-divider").first().textContent())
      .toBe("Heute");
    const englishTime = await rows.first().locator(".meta time").textContent();
    const germanTime = await german.page.locator("#timeline > li .meta time").first().textContent();
    expect(englishTime).toMatch(/^\d{1,2}:\d{2}\s[AP]M$/);
    expect(germanTime).toMatch(/^\d{2}:\d{2}$/);
    cluster.expectNoProblems();
  }, TEST_TIMEOUT_MS);

  test("a day separator stands between yesterday's messages and today's", async () => {
    // A node whose clock runs a day behind writes yesterday's messages; once meshed with a
    // node on time, today's follow (the hybrid clock only moves forward).
    const yesterday = await spawnNode({ env: { DSATTER_CLOCK_OFFSET_MS: "-86400000" } });
    let today: Awaited<ReturnType<typeof spawnNode>> | undefined;
    try {
      await postMessage(yesterday, 304, "jo", "late last night");
      await postMessage(yesterday, 304, "jo", "still here");
      today = await spawnNode({ extraArgs: ["--peers", `127.0.0.1:${yesterday.port}`] });
      const kay = await cluster.open(today, "kay", { chatId: 304 });
      await waitForMessages(kay.page, (rows) => rows.length === 2, "yesterday's messages");
      await sendWithEnter(kay.page, "good morning");
      await waitForMessages(
        kay.page,
        (rows) => rows.length === 3 && rows.every((row) => row.state === "confirmed"),
        "today's message",
      );
      const dividers = await kay.page.locator("#timeline > li .day-divider").allTextContents();
      expect(dividers).toEqual(["Yesterday", "Today"]);
      cluster.expectNoProblems();
    } finally {
      await today?.stop();
      await yesterday.stop();
    }
  }, TEST_TIMEOUT_MS);

  test("new messages while scrolled up show a cue that jumps to the latest", async () => {
    const [a, b] = cluster.nodes;
    for (let index = 1; index <= 60; index++) await cluster.post(a, 305, "lou", `backlog ${index}`);
    const mia = await cluster.open(b, "mia", { chatId: 305 });
    await waitForMessages(mia.page, (rows) => countText(rows, "backlog 60") === 1, "the backlog");
    const scroller = mia.page.locator("#scroller");
    await scroller.evaluate((element) => element.scrollTop = element.scrollHeight / 3);
    const cue = mia.page.locator("#jump-latest");
    expect(await cue.isHidden()).toBe(true);
    await cluster.post(a, 305, "lou", "news while you read");
    await cluster.post(a, 305, "lou", "and more news");
    await cue.filter({ hasText: "2 new messages" }).waitFor({ timeout: 20_000 });
    await cue.click();
    await waitForPage(mia.page, () => cue.isHidden(), "the cue gone");
    const atBottom = await scroller.evaluate((element) =>
      element.scrollHeight - element.scrollTop - element.clientHeight < 40
    );
    expect(atBottom).toBe(true);
    // At the bottom already: a new message follows without a cue.
    await cluster.post(a, 305, "lou", "one more");
    await waitForMessages(mia.page, (rows) => countText(rows, "one more") === 1, "one more");
    expect(await cue.isHidden()).toBe(true);
    cluster.expectNoProblems();
  }, TEST_TIMEOUT_MS);
});
