/**
 * What the web client does to get the person's attention, and to keep them
 * from a wrong chat, in Chromium against a real 3-node cluster: unread counts
 * in the tab title; a desktop notification on a mention of their name while
 * the tab is hidden, permission asked only when the bell is pressed; a
 * `?chat=` that is no chat id shown as an error (not replaced by chat 11); a
 * chat id the cluster does not list shown as a warning until it exists.
 *
 * Headless Chromium always reports the page as visible, so the notification
 * test hides it the way a browser does: `document.visibilityState` says
 * "hidden" and `visibilitychange` fires (an init script lets the test flip it);
 * the page's own code is what runs. Notifications are the browser's real
 * ones, recorded as they are made.
 */

import { describe, expect, test } from "bun:test";
import type { Page } from "playwright-core";
import { TEST_TIMEOUT_MS, useBrowserCluster } from "./testing/browser_cluster.ts";
import { sendWithEnter, waitForMessages, waitForPage } from "./testing/chat_page.ts";

const cluster = useBrowserCluster();

/** Before the page's scripts: a switchable visibility, and a record of notifications made. */
function watchAttention() {
  const state = { hidden: false, notifications: [] as Array<{ title: string; body: string }> };
  (globalThis as { __attention?: typeof state }).__attention = state;
  Object.defineProperty(document, "visibilityState", {
    get: () => state.hidden ? "hidden" : "visible",
  });
  Object.defineProperty(document, "hidden", { get: () => state.hidden });
  const RealNotification = globalThis.Notification;
  class RecordedNotification extends RealNotification {
    constructor(title: string, options?: NotificationOptions) {
      super(title, options);
      state.notifications.push({ title, body: options?.body ?? "" });
    }
  }
  globalThis.Notification = RecordedNotification as typeof Notification;
}

function setHidden(page: Page, hidden: boolean) {
  return page.evaluate((value) => {
    (globalThis as unknown as { __attention: { hidden: boolean } }).__attention.hidden = value;
    document.dispatchEvent(new Event("visibilitychange"));
  }, hidden);
}

function waitForTitle(page: Page, title: string, what: string) {
  return waitForPage(page, async () => (await page.title()) === title, what);
}

function notifications(page: Page) {
  return page.evaluate(() =>
    (globalThis as unknown as { __attention: { notifications: unknown[] } }).__attention
      .notifications
  );
}

describe("web client in Chromium, 3-node cluster: attention", () => {
  test("unread messages count in the tab title, other chats and the hidden tab's own", async () => {
    const [a, b] = cluster.nodes;
    const nia = await cluster.open(a, "nia", { chatId: 401, initScript: watchAttention });
    await waitForTitle(nia.page, "chat 401 · DSatter", "title");
    await cluster.post(b, 402, "oli", "elsewhere 1");
    await cluster.post(b, 402, "oli", "elsewhere 2");
    await waitForTitle(nia.page, "(2) chat 401 · DSatter", "two unread in the title");
    await setHidden(nia.page, true);
    await cluster.post(b, 401, "oli", "here, while away");
    await waitForTitle(nia.page, "(3) chat 401 · DSatter", "the hidden tab's own chat counts too");
    await setHidden(nia.page, false);
    await waitForTitle(nia.page, "(2) chat 401 · DSatter", "seen again when visible");
    await nia.page.locator('#chat-list button[data-chat-id="402"]').click();
    await waitForTitle(nia.page, "chat 402 · DSatter", "read");
    cluster.expectNoProblems();
  }, TEST_TIMEOUT_MS);

  test("a mention while the tab is hidden notifies, once the bell allowed it", async () => {
    const [a, b] = cluster.nodes;
    const pat = await cluster.open(a, "pat", { chatId: 403, initScript: watchAttention });
    expect(await pat.page.evaluate(() => Notification.permission)).toBe("default");
    const bell = pat.page.getByRole("button", { name: "Desktop notifications" });
    expect(await bell.getAttribute("aria-pressed")).toBe("false");
    await setHidden(pat.page, true);
    await cluster.post(b, 403, "quinn", "pat, are you there?");
    await waitForMessages(pat.page, (rows) => rows.length === 1, "the mention");
    expect(await notifications(pat.page)).toEqual([]); // not asked for: nothing, no prompt

    await setHidden(pat.page, false);
    await pat.page.context().grantPermissions(["notifications"], { origin: a.url });
    await bell.click(); // the gesture that asks
    await waitForPage(
      pat.page,
      async () => (await bell.getAttribute("aria-pressed")) === "true",
      "on",
    );
    await setHidden(pat.page, true);
    await cluster.post(b, 403, "quinn", "not for you");
    await cluster.post(b, 403, "quinn", "@Pat the **build** is green");
    await waitForPage(
      pat.page,
      async () => (await notifications(pat.page)).length === 1,
      "one notification",
    );
    expect(await notifications(pat.page)).toEqual([
      { title: "quinn in chat 403", body: "@Pat the build is green" },
    ]);
    await setHidden(pat.page, false);
    await sendWithEnter(pat.page, "pat here"); // one's own message never notifies
    await cluster.post(b, 403, "quinn", "pat: visible now, no notification");
    await waitForMessages(pat.page, (rows) => rows.length === 5, "five messages");
    expect((await notifications(pat.page)).length).toBe(1);
    cluster.expectNoProblems();
  }, TEST_TIMEOUT_MS);

  test(
    "?chat= that is no chat id is an error, not chat 11; an unknown id is a warning",
    async () => {
      const [a] = cluster.nodes;
      const ray = await cluster.open(a, "ray", { path: "/?chat=abc" });
      const alert = ray.page.getByRole("alert");
      await alert.filter({ hasText: "“abc” is not a chat number" }).waitFor();
      expect(ray.page.url()).toEndWith("?chat=abc");
      expect(await ray.page.getByRole("textbox", { name: "Message", exact: true }).isDisabled())
        .toBe(true);
      expect(await ray.page.locator('#chat-list button[aria-current="true"]').count()).toBe(0);
      await ray.page.getByRole("button", { name: "Open chat 11" }).click();
      await waitForPage(
        ray.page,
        () => Promise.resolve(ray.page.url().endsWith("?chat=11")),
        "chat 11",
      );
      expect(await ray.page.getByRole("textbox", { name: "Message", exact: true }).isDisabled())
        .toBe(false);
      expect(await ray.page.locator("#chat-notice").isHidden()).toBe(true);

      const sam = await cluster.open(a, "sam", { chatId: 987_654 });
      const notice = sam.page.locator("#chat-notice");
      await notice.filter({ hasText: "Chat 987654 does not exist yet" }).waitFor();
      expect(await notice.getAttribute("role")).toBe("status");
      await sendWithEnter(sam.page, "starting it"); // the contract: a first message starts it
      await waitForMessages(
        sam.page,
        (rows) => rows[0]?.state === "confirmed",
        "the first message",
      );
      await waitForPage(sam.page, () => notice.isHidden(), "the notice gone once the chat exists");
      cluster.expectNoProblems();
    },
    TEST_TIMEOUT_MS,
  );
});
