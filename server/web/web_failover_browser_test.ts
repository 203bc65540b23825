/**
 * The web client when nodes go away, in Chromium against a real 3-node cluster:
 * a lone node stops (the page counts its retry down, greys the stale presence
 * list, and shows the offline banner); a node freezes (SIGSTOP) and then dies
 * (SIGKILL): pages on it move to another node, resend what was not confirmed,
 * and every page shows every message once, in the same order. The node-kill
 * test runs last.
 */
import { describe, expect, test } from "bun:test";
import { waitUntil } from "../../common/testing/wait_until.ts";
import { spawnNode } from "../testing/spawn_node.ts";
import { TEST_TIMEOUT_MS, useBrowserCluster } from "./testing/browser_cluster.ts";
import { type ChatPage, countText, sendWithEnter, waitForMessages } from "./testing/chat_page.ts";

const cluster = useBrowserCluster();
const { nodes } = cluster;
const open = cluster.openAt;

describe("web client in Chromium, 3-node cluster: failover", () => {
  test("offline, the page counts its retry down and greys the stale presence list", async () => {
    const lone = await spawnNode(); // standalone: nowhere else to go when it stops
    let stopped = false;
    try {
      const uma = await open(lone, "uma", 114);
      await uma.page.locator("#presence-list li", { hasText: "uma" }).waitFor();
      expect(await uma.page.locator("#people").getAttribute("data-stale")).toBe("false");
      await lone.stop();
      stopped = true;
      const indicator = uma.page.locator('#connection[data-state="offline"]');
      await indicator.waitFor({ timeout: 20_000 });
      expect(await uma.page.locator("#people").getAttribute("data-stale")).toBe("true");
      // The banner says it in words, and that what is written meanwhile is kept.
      const banner = uma.page.locator("#connection-banner");
      await banner.filter({ hasText: "You are offline" }).waitFor({ timeout: 20_000 });
      expect(await banner.textContent()).toContain("sent once the connection is back");
      expect(await banner.getAttribute("role")).toBe("status");
      // Every text the indicator shows: within one offline spell it counts down by itself
      // (two offline texts in a row, the second one lower), not only between tries. Lower,
      // not exactly one less: a loaded machine may run a 250 ms tick late past a second,
      // and a new spell never starts lower than where the last one ended (1 s or 0 s).
      await uma.page.evaluate(() => {
        const indicator = document.getElementById("connection")!;
        const seen: string[] = [indicator.textContent ?? ""];
        (globalThis as { __texts?: string[] }).__texts = seen;
        new MutationObserver(() => seen.push(indicator.textContent ?? "")).observe(indicator, {
          childList: true,
          characterData: true,
          subtree: true,
        });
      });
      const countsDown = (texts: string[]) =>
        texts.some((text, index) => {
          const now = /^offline · retrying in (\d+) s$/.exec(text);
          const next = /^offline · retrying in (\d+) s$/.exec(texts[index + 1] ?? "");
          return now !== null && next !== null && Number(next[1]) < Number(now[1]);
        });
      let texts: string[] = [];
      await waitUntil(async () => {
        texts = await uma.page.evaluate(() => (globalThis as { __texts?: string[] }).__texts!);
        return countsDown(texts);
      }, { what: "the offline indicator count down", deadlineMs: 30_000, pollMs: 200 })
        .catch(() => {}); // the expectation below shows what was seen
      expect(countsDown(texts)).toBe(true);
      uma.problems.length = 0; // the browser logs the refused reconnects as errors
    } finally {
      if (!stopped) await lone.stop();
    }
  }, TEST_TIMEOUT_MS);

  test(
    "pages whose node freezes or dies move to another node and show every message once",
    async () => {
      const chatId = 108;
      const alice = await open(nodes[0], "alice", chatId);
      const carol = await open(nodes[2], "carol", chatId);
      const dave = await open(nodes[2], "dave", chatId);
      await sendWithEnter(carol.page, "carol before");
      await sendWithEnter(alice.page, "alice before");
      for (const chatPage of [alice, carol, dave]) {
        await waitForMessages(
          chatPage.page,
          (rows) => rows.length === 2 && rows.every((row) => row.state === "confirmed"),
          `both first messages confirmed on ${chatPage.name}'s page`,
        );
      }
      const otherNodes = [nodes[0].wsUrl, nodes[1].wsUrl];
      const connectedTo = (chatPage: ChatPage) =>
        chatPage.page.locator("#connection").getAttribute("title");

      // Node 3 freezes with its connections open: carol's send goes into a socket nobody
      // reads, stays marked unconfirmed, and when no acknowledgement comes the page gives
      // up on the node, moves to another one and resends it there.
      nodes[2].child.kill("SIGSTOP");
      await sendWithEnter(carol.page, "carol during");
      const pending = await waitForMessages(
        carol.page,
        (rows) => rows.some((row) => row.text === "carol during"),
        "carol's unconfirmed send",
      );
      expect(pending.at(-1)).toMatchObject({ text: "carol during", state: "pending", own: true });
      await carol.page.locator("#timeline li.pending", { hasText: "unconfirmed" }).waitFor();
      await waitForMessages(
        carol.page,
        (rows) => rows.some((row) => row.text === "carol during" && row.state === "confirmed"),
        "carol's send confirmed by another node",
        40_000,
      );
      expect(otherNodes).toContain((await connectedTo(carol))!);

      // Dave's page sends nothing, yet it notices by itself that its node stopped answering
      // (a small request after 15 s of silence goes unanswered) and moves on.
      await waitUntil(async () => otherNodes.includes((await connectedTo(dave)) ?? ""), {
        what: "dave's page move to another node",
        deadlineMs: 45_000,
        pollMs: 250,
      }).catch(() => {}); // the expectation below says where it is
      await dave.page.locator('#connection[data-state="online"]').waitFor({ timeout: 30_000 });
      expect(otherNodes).toContain((await connectedTo(dave))!);

      // Then node 3 dies.
      await nodes[2].kill("SIGKILL");
      for (let index = 1; index <= 3; index++) {
        await sendWithEnter(alice.page, `alice during ${index}`);
      }
      const expected = [
        "carol before",
        "alice before",
        "carol during",
        "alice during 1",
        "alice during 2",
        "alice during 3",
      ];
      const shown = [];
      for (const chatPage of [alice, carol, dave]) {
        shown.push(
          await waitForMessages(
            chatPage.page,
            (rows) =>
              rows.length === expected.length &&
              expected.every((text) => countText(rows, text) === 1) &&
              rows.every((row) => row.state === "confirmed"),
            `every message once on ${chatPage.name}'s page`,
            40_000,
          ),
        );
      }
      const order = shown[0].map((row) => row.text);
      for (const rows of shown) expect(rows.map((row) => row.text)).toEqual(order);
    },
    TEST_TIMEOUT_MS,
  );
});
