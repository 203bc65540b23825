/**
 * The web page with a user token, in Chromium against a real `--auth required`
 * node (PROTOCOL.md section 6): `/?token=T` connects, leaves the address bar at
 * once and speaks as the token's name; when the token expires (close 4003) the
 * page asks for a new one and carries on with it.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { Browser, Dialog } from "playwright-core";
import { signUserToken } from "../../common/user_token.ts";
import { type SpawnedNode, spawnNode } from "../testing/spawn_node.ts";
import {
  launchChromium,
  sendWithEnter,
  waitForMessages,
  waitForOnline,
} from "./testing/chat_page.ts";

const AUTH_SECRET = "web-token-test-auth-secret-0123456789abc";
const TEST_TIMEOUT_MS = 90_000;

let node: SpawnedNode;
let browser: Browser | undefined;

beforeAll(async () => {
  node = await spawnNode({
    extraArgs: ["--auth", "required", "--token-leeway", "0"],
    env: { DSATTER_AUTH_SECRET: AUTH_SECRET },
  });
  browser = await launchChromium();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await node?.stop();
});

describe("web client with a user token", () => {
  test(
    "/?token=T: online as the token's name, token out of the address bar; a new one asked for on expiry",
    async () => {
      const context = await browser!.newContext();
      try {
        const page = await context.newPage();
        const dialogs: string[] = [];
        const renewed = await signUserToken({ secret: AUTH_SECRET, sub: "ann", ttlSeconds: 600 });
        page.on("dialog", (dialog: Dialog) => {
          dialogs.push(dialog.message());
          void dialog.accept(renewed);
        });
        const short = await signUserToken({ secret: AUTH_SECRET, sub: "ann", ttlSeconds: 8 });
        await page.goto(`${node.url}/?chat=81&token=${short}`, { timeout: 20_000 });
        await waitForOnline(page);
        expect(new URL(page.url()).search).toBe("?chat=81");
        const name = page.getByRole("textbox", { name: "Name", exact: true });
        expect(await name.inputValue()).toBe("ann");
        expect(await page.evaluate(() => sessionStorage.getItem("dsatter.token"))).toBe(short);
        await sendWithEnter(page, "hello with a token");
        await waitForMessages(
          page,
          (rows) => rows.some((r) => r.text === "hello with a token" && r.state === "confirmed"),
          "the message confirmed",
        );
        const stored = await (await fetch(`${node.url}/api/chats/81/messages`, {
          headers: { authorization: `Bearer ${renewed}` },
        })).json() as Array<{ sender: string; text: string }>;
        expect(stored.map((m) => [m.sender, m.text])).toEqual([["ann", "hello with a token"]]);
        // The short token runs out: the node closes with 4003, the page asks, goes on.
        const deadline = Date.now() + 30_000;
        while (dialogs.length === 0 && Date.now() < deadline) await page.waitForTimeout(100);
        expect(dialogs[0]).toMatch(/token expired/i);
        await waitForOnline(page, 30_000);
        await sendWithEnter(page, "after renewal");
        await waitForMessages(
          page,
          (rows) => rows.some((r) => r.text === "after renewal" && r.state === "confirmed"),
          "the message after renewal confirmed",
        );
        expect(await page.evaluate(() => sessionStorage.getItem("dsatter.token"))).toBe(renewed);
      } finally {
        await context.close();
      }
    },
    TEST_TIMEOUT_MS,
  );
});
