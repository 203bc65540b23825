/**
 * Browser-test helpers: Debian's Chromium driven by playwright-core (never a
 * downloaded browser), and a chat page used the way a person uses it: through
 * the controls named `Name`, `Message` and `Send`.
 *
 * Invariant: every wait has a deadline and polls the page's real DOM; nothing
 * sleeps a fixed time. Each page records its script errors and console errors
 * (a CSP violation is one), so a test can assert there were none.
 * @module
 */

import { type Browser, chromium, type Page } from "playwright-core";
import process from "node:process";
import { waitUntil } from "../../../common/testing/wait_until.ts";

export const CHROMIUM_PATH = process.env.DSATTER_CHROMIUM ?? "/usr/bin/chromium";

export const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
];

export const DESKTOP_VIEWPORT = { width: 1280, height: 800 };
export const PHONE_VIEWPORT = { width: 390, height: 844 };

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS, timeout: 60_000 });
}

/** One row of the timeline as the page shows it. */
export interface ShownMessage {
  sender: string;
  text: string;
  /** "confirmed", "pending" (marked unconfirmed) or "acknowledged". */
  state: string;
  own: boolean;
  messageId?: string;
}

export interface ChatPage {
  page: Page;
  name: string;
  /** Script errors and console errors seen so far (live array). */
  problems: string[];
  close(): Promise<void>;
}

export interface OpenChatPageOptions {
  name: string;
  /** Opens `/?chat=ID`; default `/` (chat 11). */
  chatId?: number;
  /** Opens this path instead (e.g. `/?chat=abc`). */
  path?: string;
  viewport?: { width: number; height: number };
  /** The system's colour scheme the page sees. @default "light" */
  colorScheme?: "light" | "dark";
  /** The browser's language (times and dates are written its way). @default "en-US" */
  locale?: string;
  /** Run before any script of the page (e.g. to watch an API it calls). */
  initScript?: () => void;
  deadlineMs?: number;
}

/** Opens the node's page in a fresh browser context, types the name, waits until online. */
export async function openChatPage(
  browser: Browser,
  nodeUrl: string,
  options: OpenChatPageOptions,
): Promise<ChatPage> {
  const context = await browser.newContext({
    viewport: options.viewport ?? DESKTOP_VIEWPORT,
    colorScheme: options.colorScheme ?? "light",
    locale: options.locale ?? "en-US",
  });
  const page = await context.newPage();
  if (options.initScript) await page.addInitScript(options.initScript);
  const problems: string[] = [];
  page.on("pageerror", (error) => problems.push(`pageerror: ${error.message}`));
  page.on("console", (message) => {
    if (message.type() === "error") problems.push(`console: ${message.text()}`);
  });
  page.on("response", (response) => {
    if (response.status() >= 400) problems.push(`http ${response.status()}: ${response.url()}`);
  });
  const path = options.path ?? (options.chatId === undefined ? "/" : `/?chat=${options.chatId}`);
  await page.goto(`${nodeUrl}${path}`, { timeout: options.deadlineMs ?? 20_000 });
  const nameField = page.getByRole("textbox", { name: "Name", exact: true });
  await nameField.fill(options.name);
  await nameField.press("Enter");
  await waitForOnline(page, options.deadlineMs);
  return { page, name: options.name, problems, close: () => context.close() };
}

export async function waitForOnline(page: Page, deadlineMs = 20_000): Promise<void> {
  await page.locator('#connection[data-state="online"]').waitFor({ timeout: deadlineMs });
}

/** Waits until a condition about the page holds (the shared wait, with the page's words). */
export function waitForPage(
  _page: Page,
  ready: () => Promise<boolean>,
  description: string,
  deadlineMs = 20_000,
): Promise<void> {
  return waitUntil(ready, { what: description, deadlineMs, pollMs: 100 });
}

/** Types a message into `Message` and presses Enter. */
export async function sendWithEnter(page: Page, text: string): Promise<void> {
  const composer = page.getByRole("textbox", { name: "Message", exact: true });
  await composer.fill(text);
  await composer.press("Enter");
}

/** Types a message into `Message` and clicks `Send`. */
export async function sendWithButton(page: Page, text: string): Promise<void> {
  await page.getByRole("textbox", { name: "Message", exact: true }).fill(text);
  await page.getByRole("button", { name: "Send", exact: true }).click();
}

/** The timeline of the open chat, top to bottom. */
export function shownMessages(page: Page): Promise<ShownMessage[]> {
  return page.$$eval("#timeline > li", (rows) =>
    rows.map((row) => {
      const element = row as HTMLElement;
      return {
        sender: element.querySelector(".sender")?.textContent ?? "",
        text: element.querySelector(".text")?.textContent ?? "",
        state: element.dataset.state ?? "",
        own: element.classList.contains("own"),
        messageId: element.dataset.messageId,
      };
    }));
}

/** Polls the timeline until `ready(rows)` holds; throws with the last rows past the deadline. */
export async function waitForMessages(
  page: Page,
  ready: (rows: ShownMessage[]) => boolean,
  description: string,
  deadlineMs = 20_000,
): Promise<ShownMessage[]> {
  let rows: ShownMessage[] = [];
  try {
    await waitUntil(async () => ready(rows = await shownMessages(page)), {
      what: description,
      deadlineMs,
      pollMs: 100,
    });
  } catch (error) {
    const shown = rows.map((row) => `${row.sender}: ${row.text} [${row.state}]`).join("\n  ");
    throw new Error(`${(error as Error).message}; shown:\n  ${shown}`);
  }
  return rows;
}

/** How many rows show exactly this text. */
export function countText(rows: ShownMessage[], text: string): number {
  return rows.filter((row) => row.text === text).length;
}
