/**
 * What the page keeps in the browser: the name (a cookie for every node of a
 * cluster on one host, and localStorage), the sends no node acknowledged yet
 * (sessionStorage: they survive a reload of the tab, not a closed tab), and
 * the chat asked for in the URL.
 *
 * Invariant: storage that is disabled, full or holds garbage never stops the
 * page: reads fall back to defaults, writes are skipped, bad entries dropped.
 * @module
 */

import { DEFAULT_CHAT_ID, Limits } from "../../../common/protocol.ts";
import { randomHex } from "../../../common/random_hex.ts";
import { isRecord } from "../../../common/value_checks.ts";
import type { PendingSend } from "../../../sdk/mod.ts";

const NAME_STORAGE_KEY = "dsatter.name";
const PENDING_STORAGE_KEY = "dsatter.pending";
/**
 * The name is kept in a cookie too: cookies belong to the host, not to the port, so
 * every node of a cluster on one host (each its own origin) knows the last name chosen.
 */
const NAME_COOKIE = "dsatter_name";

/** The chat the URL asks for; `bad`: what `?chat=` held when it is no chat id. */
export interface ChatAddress {
  chatId: number;
  bad?: string;
}

/**
 * `?chat=ID`, else chat 11. A `?chat=` that is no chat id (`abc`, `-1`, `1e3`) is
 * said back (`bad`) instead of being silently replaced by chat 11.
 */
export function chatAddressFromUrl(search: string): ChatAddress {
  const raw = new URLSearchParams(search).get("chat");
  if (raw === null) return { chatId: DEFAULT_CHAT_ID };
  const chatId = /^[0-9]{1,16}$/.test(raw) ? Number(raw) : NaN;
  if (Number.isSafeInteger(chatId)) return { chatId };
  return { chatId: DEFAULT_CHAT_ID, bad: raw.slice(0, 40) };
}

function cookieName(): string | undefined {
  const entry = document.cookie.split("; ").find((part) => part.startsWith(`${NAME_COOKIE}=`));
  if (!entry) return undefined;
  try {
    return decodeURIComponent(entry.slice(NAME_COOKIE.length + 1)).trim() || undefined;
  } catch {
    return undefined;
  }
}

/** The last name chosen on this host, else a fresh `guest-xxxx`. */
export function storedName(): string {
  const fromCookie = cookieName();
  if (fromCookie) return fromCookie.slice(0, Limits.helloNameMaxChars);
  try {
    const saved = localStorage.getItem(NAME_STORAGE_KEY)?.trim();
    if (saved) return saved.slice(0, Limits.helloNameMaxChars);
  } catch { /* storage disabled: a fresh name each visit */ }
  return `guest-${randomHex(2)}`;
}

export function saveName(name: string): void {
  document.cookie = `${NAME_COOKIE}=${
    encodeURIComponent(name)
  }; max-age=31536000; path=/; samesite=strict`;
  try {
    localStorage.setItem(NAME_STORAGE_KEY, name);
  } catch { /* storage disabled */ }
}

export function savePendingSends(sends: readonly PendingSend[]): void {
  try {
    if (sends.length === 0) sessionStorage.removeItem(PENDING_STORAGE_KEY);
    else sessionStorage.setItem(PENDING_STORAGE_KEY, JSON.stringify(sends));
  } catch { /* storage disabled or full: they stay pending in memory */ }
}

/** The sends saved by an earlier load of this tab, the well-formed ones. */
export function loadPendingSends(nowMs: number): PendingSend[] {
  let saved: unknown;
  try {
    saved = JSON.parse(sessionStorage.getItem(PENDING_STORAGE_KEY) ?? "[]");
  } catch {
    return []; // unreadable: nothing to restore
  }
  return Array.isArray(saved) ? saved.flatMap((item) => pendingSendOf(item, nowMs)) : [];
}

function pendingSendOf(item: unknown, nowMs: number): PendingSend[] {
  if (!isRecord(item)) return [];
  const { clientMsgId, chatId, sender, text, queuedAtMs } = item;
  if (typeof clientMsgId !== "string" || clientMsgId === "" || clientMsgId.length > 64) return [];
  if (typeof chatId !== "number" || !Number.isSafeInteger(chatId) || chatId < 0) return [];
  if (typeof sender !== "string" || typeof text !== "string") return [];
  const at = typeof queuedAtMs === "number" && Number.isFinite(queuedAtMs) ? queuedAtMs : nowMs;
  return [{ clientMsgId, chatId, sender, text, queuedAtMs: at }];
}
