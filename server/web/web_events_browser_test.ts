/**
 * Section 7 in the web client, in Chromium against a real 3-node cluster:
 * editing one's message (its Edit action, or the Up arrow in an empty
 * composer) and seeing someone's edit from another node; deleting with a
 * confirmation; the typing line ("ann is typing…", gone 5 s later or when her
 * message arrives); the search box, whose result opens its chat at that
 * message, however far back; renaming a chat for its creator only.
 */

import { describe, expect, test } from "bun:test";
import type { Page } from "playwright-core";
import { openClient } from "../testing/ws_test_client.ts";
import { TEST_TIMEOUT_MS, useBrowserCluster } from "./testing/browser_cluster.ts";
import {
  countText,
  sendWithEnter,
  shownMessages,
  waitForMessages,
  waitForPage,
} from "./testing/chat_page.ts";

const cluster = useBrowserCluster();

const row = (page: Page, text: string) => page.locator("#timeline > li", { hasText: text });

describe("web client in Chromium, 3-node cluster: edits, deletes, typing, search", () => {
  test("edit in place (button or Up arrow), seen on another node; delete asks first", async () => {
    const [a, b] = cluster.nodes;
    const ann = await cluster.open(a, "ann", { chatId: 501 });
    const bob = await cluster.open(b, "bob", { chatId: 501 });
    await sendWithEnter(ann.page, "lunch at noon?");
    await sendWithEnter(ann.page, "the room is B12");
    await waitForMessages(bob.page, (rows) => rows.length === 2, "ann's messages on bob's page");
    await waitForMessages(ann.page, (rows) => rows.every((r) => r.state === "confirmed"), "acked");

    // Up in the empty composer edits the last one: Enter saves.
    const composer = ann.page.getByRole("textbox", { name: "Message", exact: true });
    await composer.click();
    await ann.page.keyboard.press("ArrowUp");
    const editor = ann.page.getByRole("textbox", { name: "Edit message" });
    expect(await editor.inputValue()).toBe("the room is B12");
    await editor.fill("the room is B14");
    await editor.press("Enter");
    await waitForMessages(bob.page, (rows) => countText(rows, "the room is B14") === 1, "edit");
    expect(await row(bob.page, "the room is B14").locator(".edited-mark").textContent())
      .toBe("(edited)");
    await waitForPage(ann.page, async () => await editor.count() === 0, "the editor closed");
    expect(await ann.page.evaluate(() => document.activeElement?.id)).toBe("message");

    // The Edit action on an older message; Escape gives up.
    await row(ann.page, "lunch at noon?").hover();
    await row(ann.page, "lunch at noon?").getByRole("button", { name: "Edit message" }).click();
    await editor.fill("never mind");
    await editor.press("Escape");
    await waitForPage(ann.page, async () => await editor.count() === 0, "the editor closed");
    expect((await shownMessages(ann.page)).map((r) => r.text)).toEqual([
      "lunch at noon?",
      "the room is B14",
    ]);
    // Only one's own messages offer actions.
    expect(await row(bob.page, "lunch at noon?").getByRole("button").count()).toBe(0);

    // Delete asks; Cancel keeps it; Delete removes the text everywhere.
    const lunch = row(ann.page, "lunch at noon?");
    await lunch.hover();
    await lunch.getByRole("button", { name: "Delete message" }).click();
    const confirm = ann.page.getByRole("group", { name: "Delete this message?" });
    await confirm.getByRole("button", { name: "Cancel" }).click();
    await waitForPage(ann.page, async () => await confirm.count() === 0, "the question closed");
    await lunch.hover();
    await lunch.getByRole("button", { name: "Delete message" }).click();
    await confirm.getByRole("button", { name: "Delete", exact: true }).click();
    for (const page of [ann.page, bob.page]) {
      await page.locator("#timeline > li.deleted .deleted-mark", { hasText: "Message deleted" })
        .waitFor({ timeout: 20_000 });
      expect(await page.locator("#timeline").textContent()).not.toContain("lunch at noon?");
    }
    cluster.expectNoProblems();
  }, TEST_TIMEOUT_MS);

  test(
    "someone typing shows under the timeline, until 5 s pass or their message comes",
    async () => {
      const [a, b, c] = cluster.nodes;
      const cat = await cluster.open(a, "cat", { chatId: 502 });
      const dan = await cluster.open(b, "dan", { chatId: 502 });
      const eli = await cluster.open(c, "eli", { chatId: 503 }); // another chat: not told
      const typing = (page: Page) => page.locator("#typing");
      await dan.page.getByRole("textbox", { name: "Message", exact: true }).pressSequentially(
        "hel",
      );
      await typing(cat.page).filter({ hasText: "dan is typing…" }).waitFor({ timeout: 20_000 });
      expect(await typing(dan.page).textContent()).toBe(""); // never oneself
      expect(await typing(eli.page).textContent()).toBe("");
      await waitForPage(
        cat.page,
        async () => (await typing(cat.page).textContent()) === "",
        "the typing line gone after 5 s",
        15_000,
      );
      await dan.page.getByRole("textbox", { name: "Message", exact: true }).pressSequentially("lo");
      await typing(cat.page).filter({ hasText: "dan is typing…" }).waitFor({ timeout: 20_000 });
      await dan.page.keyboard.press("Enter");
      await waitForMessages(cat.page, (rows) => countText(rows, "hello") === 1, "dan's message");
      expect(await typing(cat.page).textContent()).toBe("");
      cluster.expectNoProblems();
    },
    TEST_TIMEOUT_MS,
  );

  test("search finds across chats; a result opens its chat at that message", async () => {
    const [a, b] = cluster.nodes;
    await cluster.post(a, 505, "fay", "Le café de la gare ouvre à 7h");
    for (let index = 1; index <= 150; index++) {
      await cluster.post(b, 505, "gus", `filler ${index}`);
    }
    await cluster.post(a, 504, "fay", "Cafeteria menu is up");
    const hal = await cluster.open(a, "hal", { chatId: 504 });
    const search = hal.page.getByRole("searchbox", { name: "Search messages" });
    await search.fill("CAFE");
    await search.press("Enter");
    const results = hal.page.getByRole("region", { name: "Search" });
    const hits = results.locator(".search-hit");
    await waitForPage(hal.page, async () => await hits.count() === 2, "two results", 20_000);
    expect(await results.locator("#search-summary").textContent()).toBe(
      "2 messages match “CAFE”",
    );
    expect(await hits.first().locator("mark").textContent()).toBe("Cafeteria"); // newest first
    expect(await hits.nth(1).locator("mark").textContent()).toBe("café");
    // The older one sits 150 messages back in chat 505: the page reads back to it.
    await hits.nth(1).click();
    await waitForPage(hal.page, () => Promise.resolve(hal.page.url().endsWith("?chat=505")), "505");
    const found = hal.page.locator("#timeline > li.highlight", { hasText: "Le café de la gare" });
    await found.waitFor({ timeout: 20_000 });
    const visible = await found.evaluate((element) => {
      const box = element.getBoundingClientRect();
      const view = document.getElementById("scroller")!.getBoundingClientRect();
      return box.top >= view.top && box.bottom <= view.bottom;
    });
    expect(visible).toBe(true);
    await hal.page.getByRole("button", { name: "Close search" }).click();
    await results.waitFor({ state: "hidden", timeout: 20_000 });
    cluster.expectNoProblems();
  }, TEST_TIMEOUT_MS);

  test("the creator renames a chat; others see the name and no Rename", async () => {
    const [a, b] = cluster.nodes;
    const ida = await cluster.open(a, "ida", { chatId: 506 });
    await ida.page.getByRole("textbox", { name: "New chat", exact: true }).fill("Offsite");
    await ida.page.getByRole("button", { name: "Create", exact: true }).click();
    await ida.page.locator("#chat-title", { hasText: "Offsite" }).waitFor();
    const chatId = Number(new URL(ida.page.url()).searchParams.get("chat"));
    const jon = await cluster.open(b, "jon", { chatId });
    await jon.page.locator("#chat-title", { hasText: "Offsite" }).waitFor({ timeout: 20_000 });
    expect(await jon.page.getByRole("button", { name: "Rename" }).isHidden()).toBe(true);

    await ida.page.getByRole("button", { name: "Rename" }).click();
    const field = ida.page.getByRole("textbox", { name: "Chat name" });
    await field.fill("Offsite 2025");
    await field.press("Enter");
    for (const page of [ida.page, jon.page]) {
      await page.locator("#chat-title", { hasText: "Offsite 2025" }).waitFor({ timeout: 20_000 });
      await page.locator(`#chat-list button[data-chat-id="${chatId}"]`, { hasText: "Offsite 2025" })
        .waitFor();
    }
    await waitForPage(
      jon.page,
      async () => await jon.page.title() === "Offsite 2025 · DSatter",
      "the new name in jon's tab title",
    );
    // A raw client that is not the creator is refused by the node too.
    const raw = await openClient(b.wsUrl);
    try {
      raw.send({ type: "hello", payload: { name: "jon" } });
      raw.send({ type: "renameChat", payload: { chatId, name: "mine" }, ref: "r" });
      const refused = await raw.next((frame) => frame.ref === "r");
      expect((refused.payload as { code: string }).code).toBe("forbidden");
    } finally {
      await raw.close();
    }
    cluster.expectNoProblems();
  }, TEST_TIMEOUT_MS);
});
