/**
 * The web client in a real browser (Debian's Chromium, driven by playwright-core)
 * against a real cluster (one discovery, three chat nodes, each its own process and
 * database): chatting across nodes, reload, XSS, right-to-left text and the length
 * limit, rate-limited sends, keyboard focus in the chat list, scroll-back, unread
 * counts, creating and switching chats. Each test uses its own chat. Other features:
 * the other web_*_browser_test.ts files.
 */
import { describe, expect, test } from "bun:test";
import { waitUntil } from "../../common/testing/wait_until.ts";
import { spawnNode } from "../testing/spawn_node.ts";
import { TEST_TIMEOUT_MS, useBrowserCluster } from "./testing/browser_cluster.ts";
import {
  countText,
  sendWithButton,
  sendWithEnter,
  shownMessages,
  waitForMessages,
  waitForOnline,
} from "./testing/chat_page.ts";

const cluster = useBrowserCluster();
const { nodes } = cluster;
const open = cluster.openAt;
const expectNoProblems = () => cluster.expectNoProblems();
const postMessage = cluster.post;

describe("web client in Chromium, 3-node cluster: chatting", () => {
  test("two pages on two nodes chat both ways; own messages are marked until acked", async () => {
    const alice = await open(nodes[0], "alice", 101);
    const bob = await open(nodes[1], "bob", 101);

    await sendWithEnter(alice.page, "hello from alice");
    const ownRows = await waitForMessages(alice.page, (rows) => rows.length === 1, "own row");
    expect(ownRows[0]).toMatchObject({ text: "hello from alice", own: true, sender: "alice" });
    await waitForMessages(
      alice.page,
      (rows) => rows.some((row) => row.text === "hello from alice" && row.state === "confirmed"),
      "alice's own message confirmed",
    );
    await waitForMessages(
      bob.page,
      (rows) => rows.some((row) => row.text === "hello from alice" && row.sender === "alice"),
      "alice's message on bob's page",
    );
    await sendWithButton(bob.page, "hi alice, bob here");
    const aliceRows = await waitForMessages(
      alice.page,
      (rows) => rows.some((row) => row.text === "hi alice, bob here" && row.sender === "bob"),
      "bob's reply on alice's page",
    );
    expect(aliceRows.map((row) => row.text)).toEqual(["hello from alice", "hi alice, bob here"]);
    expect(aliceRows.find((row) => row.sender === "bob")?.own).toBe(false);
    const bobRows = await waitForMessages(
      bob.page,
      (rows) => rows.length === 2 && rows.every((row) => row.state === "confirmed"),
      "both messages confirmed on bob's page",
    );
    expect(bobRows.map((row) => row.text)).toEqual(aliceRows.map((row) => row.text));

    // Presence is cluster-wide: alice's page lists bob, who is on another node.
    await alice.page.locator("#presence-list li", { hasText: "bob" }).waitFor({ timeout: 20_000 });
    expect(alice.problems).toEqual([]);
    expect(bob.problems).toEqual([]);
  }, TEST_TIMEOUT_MS);

  test(
    "a reloaded page shows the history once, in canonical order, and keeps the name",
    async () => {
      const alice = await open(nodes[0], "alice", 102);
      const bob = await open(nodes[1], "bob", 102);
      for (let index = 1; index <= 3; index++) {
        await sendWithEnter(alice.page, `alice ${index}`);
        await sendWithEnter(bob.page, `bob ${index}`);
      }
      const before = await waitForMessages(
        alice.page,
        (rows) => rows.length === 6 && rows.every((row) => row.state === "confirmed"),
        "six confirmed messages",
      );
      await waitForMessages(bob.page, (rows) => rows.length === 6, "six messages on bob's page");
      await alice.page.reload();
      await waitForOnline(alice.page);
      expect(await alice.page.getByRole("textbox", { name: "Name", exact: true }).inputValue())
        .toBe("alice");
      const after = await waitForMessages(alice.page, (rows) => rows.length >= 6, "history");
      expect(after.map((row) => row.text)).toEqual(before.map((row) => row.text));
      expect((await shownMessages(bob.page)).map((row) => row.text))
        .toEqual(before.map((row) => row.text));
      // The same browser visiting another node (another port: another origin) knows the name.
      const elsewhere = await alice.page.context().newPage();
      await elsewhere.goto(`${nodes[2].url}/?chat=102`);
      await waitForOnline(elsewhere);
      expect(await elsewhere.getByRole("textbox", { name: "Name", exact: true }).inputValue())
        .toBe("alice");
      expectNoProblems();
    },
    TEST_TIMEOUT_MS,
  );

  test("an XSS payload in a message or a name is shown as text and does nothing", async () => {
    const mallory = await open(nodes[0], '<img src=x onerror="window.__pwned=1">', 103);
    const victim = await open(nodes[1], "victim", 103);
    const payloads = [
      '<img src=x onerror="window.__pwned=2">',
      "<script>window.__pwned=3</script>",
      '<a href="javascript:window.__pwned=4">click</a>',
    ];
    for (const payload of payloads) await sendWithEnter(mallory.page, payload);
    const rows = await waitForMessages(
      victim.page,
      (shown) => payloads.every((payload) => countText(shown, payload) === 1),
      "the payloads as text",
    );
    expect(rows[0].sender).toBe('<img src=x onerror="window.__pwned=1">');
    for (const chatPage of [victim, mallory]) {
      expect(await chatPage.page.evaluate(() => (globalThis as { __pwned?: number }).__pwned))
        .toBeUndefined();
      expect(await chatPage.page.locator("#timeline img, #timeline script, #timeline a").count())
        .toBe(0);
    }
    expectNoProblems();
  }, TEST_TIMEOUT_MS);

  test(
    "right-to-left text reads right; a too-long message is refused out loud, not cut",
    async () => {
      const chatId = 110;
      const hebrew = "שלום עולם! זו הודעה בעברית.";
      const rachel = await open(nodes[0], "רחל", chatId);
      await sendWithEnter(rachel.page, hebrew);
      await waitForMessages(
        rachel.page,
        (rows) => countText(rows, hebrew) === 1,
        "the RTL message",
      );
      const row = rachel.page.locator("#timeline li", { hasText: hebrew });
      expect(
        await row.locator(".text").evaluate((element) => getComputedStyle(element).direction),
      )
        .toBe("rtl");
      expect(
        await row.locator(".sender").evaluate((element) => getComputedStyle(element).direction),
      )
        .toBe("rtl");

      // 4,000 emoji are 4,000 characters (8,000 UTF-16 units): the field takes them all.
      const emoji = "\u{1F600}".repeat(4000);
      await sendWithButton(rachel.page, emoji);
      await waitForMessages(rachel.page, (rows) => countText(rows, emoji) === 1, "4,000 emoji");
      const composer = rachel.page.getByRole("textbox", { name: "Message", exact: true });
      expect(await composer.evaluate((element) => element === document.activeElement)).toBe(true);

      const tooLong = "x".repeat(4001);
      await sendWithEnter(rachel.page, tooLong);
      const refusal = await composer.evaluate((element) =>
        (element as HTMLInputElement).validationMessage
      );
      expect(refusal).toContain("4001 characters");
      expect(await composer.inputValue()).toBe(tooLong); // kept for the user to shorten
      // A marker sent after it: once the marker shows, a row for the refused text would have too.
      await sendWithEnter(rachel.page, "after the refusal");
      await waitForMessages(
        rachel.page,
        (rows) => countText(rows, "after the refusal") === 1,
        "the marker sent after the refusal",
      );
      expect((await shownMessages(rachel.page)).some((shown) => shown.text.startsWith("xxxx")))
        .toBe(false);
      expectNoProblems();
    },
    TEST_TIMEOUT_MS,
  );

  test("sends the node refuses as rate_limited go again on the same node, each once", async () => {
    const strict = await spawnNode({ extraArgs: ["--rate-limit", "2"] }); // bursts of 20
    try {
      const tess = await open(strict, "tess", 113);
      const texts = Array.from({ length: 28 }, (_, index) => `quick ${index + 1}`);
      // Every state the connection indicator goes through: it must stay online (no failover).
      await tess.page.evaluate(() => {
        const indicator = document.getElementById("connection")!;
        const seen: string[] = [];
        (globalThis as { __states?: string[] }).__states = seen;
        new MutationObserver(() => seen.push(indicator.textContent ?? "")).observe(indicator, {
          childList: true,
          characterData: true,
          subtree: true,
        });
      });
      for (const text of texts) await sendWithEnter(tess.page, text);
      const rows = await waitForMessages(
        tess.page,
        (shown) =>
          texts.every((text) => countText(shown, text) === 1) &&
          shown.every((row) => row.state === "confirmed"),
        "all 28 confirmed",
        20_000,
      );
      expect(rows.map((row) => row.text).sort()).toEqual([...texts].sort());
      expect(await tess.page.locator("#connection").textContent()).toBe(
        `online · node ${strict.nodeId}`,
      );
      const states = await tess.page.evaluate(() =>
        (globalThis as { __states?: string[] }).__states
      );
      expect(states!.filter((state) => !state.startsWith("online"))).toEqual([]);
      const stored = await (await fetch(`${strict.url}/api/chats/113/messages?limit=100`)).json();
      expect(stored.length).toBe(28);
      expectNoProblems();
    } finally {
      await strict.stop();
    }
  }, TEST_TIMEOUT_MS);

  test("a chat button keeps the keyboard focus while the list redraws", async () => {
    const kim = await open(nodes[1], "kim", 111);
    await postMessage(nodes[0], 112, "lee", "chat 112 exists");
    const target = kim.page.locator('#chat-list button[data-chat-id="112"]');
    await target.waitFor({ timeout: 20_000 });
    await target.focus();
    await postMessage(nodes[2], 112, "lee", "an unread count changes the list");
    await target.locator(".unread").filter({ hasText: "2" }).waitFor({ timeout: 20_000 });
    expect(await kim.page.evaluate(() => (document.activeElement as HTMLElement).dataset.chatId))
      .toBe("112");
    expectNoProblems();
  }, TEST_TIMEOUT_MS);

  test("scrolling up pages in older history, each message once, in order", async () => {
    const chatId = 104;
    const total = 130;
    for (let index = 1; index <= total; index++) {
      await postMessage(nodes[index % 3], chatId, "history", `old ${index}`);
    }
    const expected = Array.from({ length: total }, (_, index) => `old ${index + 1}`);
    const reader = await open(nodes[1], "reader", chatId);
    // The nodes may still be replicating: wait for the newest, then page back.
    await waitForMessages(reader.page, (rows) => countText(rows, `old ${total}`) === 1, "newest");
    const scroller = reader.page.locator("#scroller");
    let rows = await shownMessages(reader.page);
    await waitUntil(async () => {
      await scroller.evaluate((element) => element.scrollTop = 0); // asks for the older page
      rows = await shownMessages(reader.page);
      return rows.length >= total;
    }, { what: `all ${total} messages after scrolling up`, deadlineMs: 30_000, pollMs: 150 })
      .catch(() => {}); // the expectation below shows what was seen
    expect(rows.map((row) => row.text)).toEqual(expected);
    await reader.page.locator("#history-start:not([hidden])").waitFor({ timeout: 10_000 });
    expectNoProblems();
  }, TEST_TIMEOUT_MS);

  test("other chats count new messages; chats can be created and switched", async () => {
    const dora = await open(nodes[2], "dora", 105);
    await postMessage(nodes[0], 106, "eve", "news in 106");
    await postMessage(nodes[1], 106, "eve", "more news in 106");
    const badge = dora.page.locator('#chat-list button[data-chat-id="106"] .unread');
    await badge.filter({ hasText: "2" }).waitFor({ timeout: 20_000 });
    await dora.page.locator('#chat-list button[data-chat-id="106"]').click();
    await waitForMessages(dora.page, (rows) => rows.length === 2, "chat 106's messages");
    expect(dora.page.url()).toEndWith("?chat=106");
    expect(await badge.count()).toBe(0);

    await dora.page.getByRole("textbox", { name: "New chat", exact: true }).fill("Planning");
    await dora.page.getByRole("button", { name: "Create", exact: true }).click();
    await dora.page.locator("#chat-title", { hasText: "Planning" }).waitFor({ timeout: 20_000 });
    const createdId = Number(new URL(dora.page.url()).searchParams.get("chat"));
    expect(Number.isSafeInteger(createdId)).toBe(true);
    // Another page, on another node, sees the new chat in its list.
    const frank = await open(nodes[0], "frank", 105);
    await frank.page.locator(`#chat-list button[data-chat-id="${createdId}"]`, {
      hasText: "Planning",
    }).waitFor({ timeout: 20_000 });
    const defaultPage = await open(nodes[1], "gus");
    expect(
      await defaultPage.page.locator('#chat-list button[aria-current="true"]').getAttribute(
        "data-chat-id",
      ),
    ).toBe("11");
    expectNoProblems();
  }, TEST_TIMEOUT_MS);
});
