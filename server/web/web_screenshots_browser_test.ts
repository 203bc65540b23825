/**
 * What the web client looks like, in Chromium against a real 3-node cluster:
 * a conversation with several people (grouped messages, markdown, a link, a
 * code block, a mention of the reader, someone typing), named chats with
 * unread counts, people online; photographed at desktop (1280x800) and phone
 * (390x844) size, in light and dark, into test-artifacts/ (gitignored):
 * web-client-{desktop,phone}{,-dark}.png and web-client-search.png.
 */

import { describe, expect, test } from "bun:test";
import type { Page } from "playwright-core";
import type { Chat } from "../../common/protocol.ts";
import { openClient, type TestClient } from "../testing/ws_test_client.ts";
import { ARTIFACTS, TEST_TIMEOUT_MS, useBrowserCluster } from "./testing/browser_cluster.ts";
import { PHONE_VIEWPORT, sendWithEnter, waitForMessages } from "./testing/chat_page.ts";

const cluster = useBrowserCluster();

async function createChat(client: TestClient, name: string): Promise<number> {
  client.send({ type: "createChat", payload: { name }, ref: name });
  const created = await client.next((frame) => frame.ref === name);
  return (created.payload as Chat).chatId;
}

/** Ready to photograph: every row confirmed, everyone listed, nothing moving. */
async function settle(page: Page, rows: number) {
  await waitForMessages(
    page,
    (shown) => shown.length === rows && shown.every((row) => row.state === "confirmed"),
    `${rows} confirmed messages`,
  );
  const listed = () => page.locator("#presence-list li").allTextContents();
  for (const name of ["ann", "ben", "cara"]) {
    await page.locator("#presence-list li", { hasText: name }).first().waitFor().catch(
      async (error: Error) => {
        const who = await page.evaluate(() => document.getElementById("connection")?.textContent);
        throw new Error(
          `${error.message}\n${name} not listed on the page of ${who}: ${await listed()}`,
          { cause: error },
        );
      },
    );
  }
}

/** Nothing spills sideways, and Send is on screen. */
async function expectFits(page: Page, viewport: { width: number; height: number }) {
  const sizes = await page.evaluate(() => ({
    scrollWidth: document.documentElement.scrollWidth,
    innerWidth: globalThis.innerWidth,
  }));
  expect(sizes.scrollWidth).toBeLessThanOrEqual(sizes.innerWidth);
  const send = await page.getByRole("button", { name: "Send", exact: true }).boundingBox();
  expect(send).not.toBeNull();
  expect(send!.x + send!.width).toBeLessThanOrEqual(viewport.width);
  expect(send!.y + send!.height).toBeLessThanOrEqual(viewport.height);
}

describe("web client in Chromium, 3-node cluster: how it looks", () => {
  test("desktop and phone, light and dark, look like a chat product", async () => {
    const [a, b, c] = cluster.nodes;
    const cara = await openClient(c.wsUrl);
    try {
      cara.send({ type: "hello", payload: { name: "cara" } });
      await cara.next((frame) => frame.type === "welcome");
      const release = await createChat(cara, "release-planning");
      const design = await createChat(cara, "design");
      const ops = await createChat(cara, "ops");

      const ann = await cluster.open(a, "ann", { chatId: release });
      await sendWithEnter(ann.page, "Morning! Is the **deploy** still on for today?");
      await cluster.post(c, release, "cara", "Yes, at 14:00. The checklist is here:");
      await cluster.post(c, release, "cara", "https://example.org/release/checklist");
      const ben = await cluster.open(b, "ben", { chatId: release, viewport: PHONE_VIEWPORT });
      await sendWithEnter(ben.page, "I'll run the smoke tests first:");
      await sendWithEnter(ben.page, "```\nmake test\nmake perf-smoke\n```");
      await cluster.post(
        c,
        release,
        "cara",
        "@ann can you watch the dashboards during the rollout?",
      );
      await sendWithEnter(ann.page, "Sure, _on it_. Ping me in `#ops` if anything looks off.");
      await cluster.post(a, design, "dora", "New mockups for the settings page are up");
      await cluster.post(b, ops, "eve", "Disk alert on node 2 cleared");
      await cluster.post(b, ops, "eve", "Backups verified");
      for (const page of [ann.page, ben.page]) await settle(page, 7);
      for (const page of [ann.page, ben.page]) {
        await page.locator(`#chat-list button[data-chat-id="${ops}"] .unread`, { hasText: "2" })
          .waitFor();
      }

      // Someone is typing while the pictures are taken (typing lasts 5 s: say it until seen).
      const typing = setInterval(
        () => cara.send({ type: "typing", payload: { chatId: release } }),
        1_100,
      );
      try {
        cara.send({ type: "typing", payload: { chatId: release } });
        for (const page of [ann.page, ben.page]) {
          await page.locator("#typing", { hasText: "cara is typing…" }).waitFor();
        }
        await ann.page.screenshot({ path: `${ARTIFACTS}/web-client-desktop.png` });
        await ben.page.screenshot({ path: `${ARTIFACTS}/web-client-phone.png` });
        const annDark = await cluster.open(a, "ann", { chatId: release, colorScheme: "dark" });
        const benDark = await cluster.open(b, "ben", {
          chatId: release,
          viewport: PHONE_VIEWPORT,
          colorScheme: "dark",
        });
        for (const page of [annDark.page, benDark.page]) {
          await settle(page, 7);
          await page.locator("#typing", { hasText: "cara is typing…" }).waitFor();
        }
        await annDark.page.screenshot({ path: `${ARTIFACTS}/web-client-desktop-dark.png` });
        await benDark.page.screenshot({ path: `${ARTIFACTS}/web-client-phone-dark.png` });
        const background = (page: Page) =>
          page.evaluate(() =>
            getComputedStyle(document.querySelector(".conversation")!)
              .backgroundColor
          );
        expect(await background(ann.page)).not.toBe(await background(annDark.page));
      } finally {
        clearInterval(typing);
      }

      // The reader's mention is marked; the search panel lists matches.
      expect(await ann.page.locator("#timeline li.mention").count()).toBe(1);
      await ann.page.getByRole("searchbox", { name: "Search messages" }).fill("deploy");
      await ann.page.getByRole("searchbox", { name: "Search messages" }).press("Enter");
      await ann.page.locator("#search-list .search-hit").first().waitFor();
      await ann.page.screenshot({ path: `${ARTIFACTS}/web-client-search.png` });

      await expectFits(ben.page, PHONE_VIEWPORT);
      await expectFits(ann.page, { width: 1280, height: 800 });
      cluster.expectNoProblems();
    } finally {
      await cara.close();
    }
  }, TEST_TIMEOUT_MS);
});
