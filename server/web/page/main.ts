/**
 * The web client's entry point (bundled by server/web/web_assets.ts into
 * /assets/app.js): the page's state (chats, their timelines, unread counts,
 * people online, the name) wired to the connection and the view.
 *
 * Invariants: the chat shown is `?chat=ID` or chat 11; every send carries a
 * clientMsgId and stays pending (and is resent on every new connection) until
 * the node acknowledges it, so a send is never lost nor shown twice.
 * @module
 */

import { type Chat, type ChatMessage, DEFAULT_CHAT_ID, Limits } from "../../../common/protocol.ts";
import type { PresenceEntry, PresenceEventPayload } from "../../../common/protocol.ts";
import { startChatConnection } from "./chat_connection.ts";
import type { IncomingFrame } from "./chat_connection.ts";
import { type ChatTimeline, createChatTimeline, type PendingSend } from "./chat_timeline.ts";
import { createChatView } from "./chat_view.ts";
import { failoverUrls } from "./failover_urls.ts";
import { createPresenceRoster } from "./presence_roster.ts";
import { createResumePosition } from "./resume_position.ts";

const NAME_STORAGE_KEY = "dsatter.name";
/** Unconfirmed sends survive a reload of the tab (and are resent), not a closed tab. */
const PENDING_STORAGE_KEY = "dsatter.pending";
const PAGE_SIZE = 50;
/**
 * A node that has not acknowledged a send by then is taken for unresponsive (it may be
 * frozen with its TCP connections open): the page moves to another node and resends.
 */
const ACK_TIMEOUT_MS = 10_000;
/** The `ref` of a send, so an `error` about it can be told apart. */
const SEND_REF_PREFIX = "send:";
/** A send refused with `rate_limited` goes again after 1-2 s (the node's bucket refills). */
const RATE_LIMITED_RETRY_MS = 1000;
const PERMANENT_SEND_ERRORS = new Set(["bad_json", "bad_frame", "unknown_type", "too_large"]);

interface ChatState {
  chatId: number;
  name: string;
  unread: number;
  timeline: ChatTimeline;
  /** The latest page was loaded (else only live messages are held). */
  loaded: boolean;
  hasOlder: boolean;
  loadingOlder: boolean;
}

function chatIdFromUrl(search: string): number {
  const raw = new URLSearchParams(search).get("chat");
  const chatId = raw !== null && /^[0-9]{1,15}$/.test(raw) ? Number(raw) : NaN;
  return Number.isSafeInteger(chatId) ? chatId : DEFAULT_CHAT_ID;
}

function randomHex(bytes: number): string {
  const values = crypto.getRandomValues(new Uint8Array(bytes));
  return [...values].map((value) => value.toString(16).padStart(2, "0")).join("");
}

/**
 * The name is kept in a cookie too: cookies belong to the host, not to the port, so
 * every node of a cluster on one host (each its own origin) knows the last name chosen.
 */
const NAME_COOKIE = "dsatter_name";

function cookieName(): string | undefined {
  const entry = document.cookie.split("; ").find((part) => part.startsWith(`${NAME_COOKIE}=`));
  if (!entry) return undefined;
  try {
    return decodeURIComponent(entry.slice(NAME_COOKIE.length + 1)).trim() || undefined;
  } catch {
    return undefined;
  }
}

function storedName(): string {
  const fromCookie = cookieName();
  if (fromCookie) return fromCookie.slice(0, 64);
  try {
    const saved = localStorage.getItem(NAME_STORAGE_KEY)?.trim();
    if (saved) return saved.slice(0, 64);
  } catch { /* storage disabled: a fresh name each visit */ }
  return `guest-${randomHex(2)}`;
}

function saveName(name: string) {
  document.cookie = `${NAME_COOKIE}=${
    encodeURIComponent(name)
  }; max-age=31536000; path=/; samesite=strict`;
  try {
    localStorage.setItem(NAME_STORAGE_KEY, name);
  } catch { /* storage disabled */ }
}

const view = createChatView();
const chats = new Map<number, ChatState>();
const roster = createPresenceRoster();
const resume = createResumePosition();
let currentChatId = chatIdFromUrl(location.search);
let myName = storedName();
/** The name of the last hello, so a second one is sent only when it changed. */
let greetedName = myName;
saveName(myName);
view.elements.name.value = myName;

function chatState(chatId: number): ChatState {
  let state = chats.get(chatId);
  if (!state) {
    state = {
      chatId,
      name: `chat ${chatId}`,
      unread: 0,
      timeline: createChatTimeline(),
      loaded: false,
      hasOlder: false,
      loadingOlder: false,
    };
    chats.set(chatId, state);
  }
  return state;
}

// ---- rendering, coalesced: a burst of frames costs one render ----
const dirty = { list: false, timeline: false, presence: false, reset: false };
let renderQueued = false;

function scheduleRender(parts: Partial<typeof dirty>) {
  Object.assign(dirty, Object.fromEntries(Object.entries(parts).filter(([, on]) => on)));
  if (renderQueued) return;
  renderQueued = true;
  setTimeout(renderNow, 0);
}

function renderNow() {
  renderQueued = false;
  const current = chatState(currentChatId);
  if (dirty.list) {
    const items = [...chats.values()].sort((a, b) => a.chatId - b.chatId);
    view.renderChatList(items, currentChatId, switchChat);
    view.renderTitle(current.name);
  }
  if (dirty.timeline) {
    view.renderTimeline(current.timeline.entries(), myName, dirty.reset);
    view.renderHistoryEdge(current.loaded && current.hasOlder, current.loadingOlder);
  }
  if (dirty.presence) view.renderPresence(roster.names());
  Object.assign(dirty, { list: false, timeline: false, presence: false, reset: false });
  savePendingSends();
  fillViewWithHistory();
}

function savePendingSends() {
  const sends = [...chats.values()].flatMap((state) => state.timeline.unacknowledged());
  try {
    if (sends.length === 0) sessionStorage.removeItem(PENDING_STORAGE_KEY);
    else sessionStorage.setItem(PENDING_STORAGE_KEY, JSON.stringify(sends));
  } catch { /* storage disabled or full: they stay pending in memory */ }
}

function restorePendingSends() {
  try {
    const saved: unknown = JSON.parse(sessionStorage.getItem(PENDING_STORAGE_KEY) ?? "[]");
    if (!Array.isArray(saved)) return;
    for (const send of saved as PendingSend[]) {
      if (typeof send?.clientMsgId !== "string" || !Number.isSafeInteger(send.chatId)) continue;
      if (typeof send.sender !== "string" || typeof send.text !== "string") continue;
      const { clientMsgId, chatId, sender, text } = send;
      const createdAtMs = Number(send.createdAtMs) || Date.now();
      chatState(chatId).timeline.addPending({ clientMsgId, chatId, sender, text, createdAtMs });
    }
  } catch { /* unreadable: nothing to restore */ }
}

// ---- history ----
async function loadLatest(state: ChatState) {
  const reply = await connection.request({
    type: "clientSyncRequest",
    payload: { chatId: state.chatId, limit: PAGE_SIZE },
  });
  const messages = Array.isArray(reply.payload) ? reply.payload as ChatMessage[] : [];
  state.timeline.addMessages(messages);
  state.loaded = true;
  state.hasOlder = reply.more === true;
  scheduleRender({ timeline: state.chatId === currentChatId });
}

async function loadOlder() {
  const state = chatState(currentChatId);
  const before = state.timeline.oldestMessageId();
  if (!state.loaded || !state.hasOlder || state.loadingOlder || !connection.isOnline()) return;
  if (before === undefined) return void loadLatest(state).catch(() => {});
  state.loadingOlder = true;
  scheduleRender({ timeline: true });
  try {
    const reply = await connection.request({
      type: "clientSyncRequest",
      payload: { chatId: state.chatId, before, limit: PAGE_SIZE },
    });
    const messages = Array.isArray(reply.payload) ? reply.payload as ChatMessage[] : [];
    state.timeline.addMessages(messages);
    state.hasOlder = reply.more === true;
  } catch {
    // Offline or slow: the button stays, the next scroll tries again.
  } finally {
    state.loadingOlder = false;
    scheduleRender({ timeline: state.chatId === currentChatId });
  }
}

/** When the history does not fill the view yet, there is no scrolling to ask for more. */
function fillViewWithHistory() {
  const scroller = view.elements.scroller;
  if (scroller.scrollHeight <= scroller.clientHeight + 4) void loadOlder();
}

// ---- incoming ----
function onMessages(messages: ChatMessage[]) {
  const touched = new Set<number>();
  let listChanged = false;
  for (const message of messages) {
    if (!chats.has(message.chatId)) listChanged = true;
    const state = chatState(message.chatId);
    const added = state.timeline.addMessages([message]);
    if (added.length === 0) continue;
    touched.add(message.chatId);
    if (message.chatId !== currentChatId && message.sender !== myName) {
      state.unread += added.length;
      listChanged = true;
    }
  }
  scheduleRender({ list: listChanged, timeline: touched.has(currentChatId) });
}

function onFrame(frame: IncomingFrame) {
  switch (frame.type) {
    case "clientMessageResponse": {
      const ack = frame.payload as { clientMsgId: string; messageId: string };
      for (const state of chats.values()) {
        if (state.timeline.acknowledge(ack.clientMsgId, ack.messageId)) {
          scheduleRender({ timeline: state.chatId === currentChatId });
        }
      }
      break;
    }
    case "chatCreated":
      mergeChats([frame.payload as Chat]);
      break;
    case "chatList":
      if (Array.isArray(frame.payload)) mergeChats(frame.payload as Chat[]);
      break;
    case "presenceList":
      if (Array.isArray(frame.payload)) roster.reset(frame.payload as PresenceEntry[]);
      scheduleRender({ presence: true });
      break;
    case "presence":
      roster.apply(frame.payload as PresenceEventPayload);
      scheduleRender({ presence: true });
      break;
    case "error": {
      const error = frame.payload as { code?: string; message?: string };
      const clientMsgId = frame.ref?.startsWith(SEND_REF_PREFIX)
        ? frame.ref.slice(SEND_REF_PREFIX.length)
        : undefined;
      // A send the node refuses for good is marked and never resent; a transient refusal
      // (rate limit, node busy) leaves it pending for the next connection.
      if (clientMsgId !== undefined && PERMANENT_SEND_ERRORS.has(error.code ?? "")) {
        for (const state of chats.values()) {
          if (state.timeline.fail(clientMsgId, `${error.code}: ${error.message}`)) {
            scheduleRender({ timeline: state.chatId === currentChatId });
          }
        }
      } else if (clientMsgId !== undefined && error.code === "rate_limited") {
        // Sent too fast for this node: the same send goes again on this connection shortly.
        setTimeout(() => {
          for (const state of chats.values()) {
            const send = state.timeline.unacknowledged()
              .find((pending) => pending.clientMsgId === clientMsgId);
            if (send && connection.isOnline()) transmit(send);
          }
        }, RATE_LIMITED_RETRY_MS + Math.random() * RATE_LIMITED_RETRY_MS);
      } else {
        console.warn("DSatter node error", error.code, error.message);
      }
      break;
    }
  }
}

function mergeChats(list: Chat[]) {
  for (const chat of list) {
    if (!Number.isSafeInteger(chat?.chatId) || typeof chat.name !== "string") continue;
    chatState(chat.chatId).name = chat.name;
  }
  scheduleRender({ list: true });
}

async function onReady() {
  const current = chatState(currentChatId);
  const work: Promise<unknown>[] = [
    connection.request({ type: "listChats", payload: {} }).then((reply) => onFrame(reply)),
    connection.request({ type: "presence", payload: {} }).then((reply) => onFrame(reply)),
  ];
  if (!current.loaded) work.push(loadLatest(current));
  for (const state of chats.values()) {
    for (const send of state.timeline.unacknowledged()) transmit(send);
  }
  await Promise.allSettled(work);
}

// ---- outgoing ----
/** Sends (or resends) a pending send; a node that does not acknowledge it in time is left. */
function transmit(send: { clientMsgId: string; chatId: number; sender: string; text: string }) {
  const { clientMsgId, chatId, sender, text } = send;
  const sent = connection.send({
    type: "newMessageFromClient",
    payload: { text, sender, chatId, clientMsgId },
    ref: `${SEND_REF_PREFIX}${clientMsgId}`,
  });
  if (!sent) return; // resent by onReady on the next connection
  const connectionNumber = connection.connectionNumber();
  setTimeout(() => {
    if (connection.connectionNumber() !== connectionNumber || !connection.isOnline()) return;
    const waiting = chatState(chatId).timeline.unacknowledged();
    if (waiting.some((pending) => pending.clientMsgId === clientMsgId)) connection.abandon();
  }, ACK_TIMEOUT_MS);
}

function switchChat(chatId: number) {
  currentChatId = chatId;
  const state = chatState(chatId);
  state.unread = 0;
  history.replaceState(null, "", `?chat=${chatId}`);
  if (!state.loaded && connection.isOnline()) void loadLatest(state).catch(() => {});
  scheduleRender({ list: true, timeline: true, reset: true });
}

const primaryUrl = `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/`;
const pageAbort = new AbortController();
addEventListener("pagehide", () => pageAbort.abort());
// Back from the back-forward cache the connection is gone: start afresh.
addEventListener("pageshow", (event) => {
  if ((event as PageTransitionEvent).persisted) location.reload();
});

const connection = startChatConnection({
  primaryUrl,
  name: () => (greetedName = myName),
  resume,
  onMessages,
  onFrame,
  onStatus: (status) => view.renderConnection(status),
  onReady: () => void onReady(),
  discoverPeers: async (url) => {
    // Only the page's own node is asked (same origin, so the CSP stays tight); the list
    // it gave stays in use while the page is connected elsewhere.
    if (url !== primaryUrl) return [];
    const response = await fetch("/api/clients", { signal: AbortSignal.timeout(5_000) });
    if (!response.ok) return [];
    return failoverUrls(await response.json(), location.protocol === "https:");
  },
  signal: pageAbort.signal,
});

view.elements.composer.addEventListener("submit", (event) => {
  event.preventDefault();
  const text = view.elements.message.value;
  if (text.trim() === "") return;
  if (!myName) return view.elements.name.focus();
  // Characters as the nodes count them (code points), said to the user, never cut silently.
  const length = [...text].length;
  if (length > Limits.textMaxChars) {
    view.elements.message.setCustomValidity(
      `Too long to send: ${length} characters, at most ${Limits.textMaxChars}`,
    );
    view.elements.message.reportValidity();
    return;
  }
  const send = {
    clientMsgId: randomHex(12),
    chatId: currentChatId,
    sender: myName,
    text,
    createdAtMs: Date.now(),
  };
  chatState(currentChatId).timeline.addPending(send);
  transmit(send);
  view.elements.message.value = "";
  view.elements.message.focus();
  const scroller = view.elements.scroller;
  scheduleRender({ timeline: true });
  setTimeout(() => scroller.scrollTop = scroller.scrollHeight, 0);
});

view.elements.message.addEventListener("input", () => {
  view.elements.message.setCustomValidity("");
});

// The name takes effect as it is typed (sends, own-message marks); the presence list
// learns it with a new hello once the field is left or Enter is pressed.
view.elements.name.addEventListener("input", () => {
  const name = view.elements.name.value.trim().slice(0, 64);
  if (!name || name === myName) return;
  myName = name;
  saveName(name);
  scheduleRender({ timeline: true });
});
view.elements.name.addEventListener("change", () => {
  if (!view.elements.name.value.trim()) view.elements.name.value = myName;
  if (connection.isOnline() && myName !== greetedName) {
    greetedName = myName;
    connection.request({ type: "hello", payload: { name: myName } }).catch(() => {});
  }
});

view.elements.createChat.addEventListener("submit", (event) => {
  event.preventDefault();
  const name = view.elements.newChat.value.trim().slice(0, 100);
  if (!name || !connection.isOnline()) return;
  connection.request({ type: "createChat", payload: { name } }).then((reply) => {
    const chat = reply.payload as Chat;
    mergeChats([chat]);
    view.elements.newChat.value = "";
    switchChat(chat.chatId);
  }).catch((error) => console.warn(error));
});

view.elements.scroller.addEventListener("scroll", () => {
  if (view.elements.scroller.scrollTop < 80) void loadOlder();
}, { passive: true });
view.elements.older.addEventListener("click", () => void loadOlder());

chatState(currentChatId);
restorePendingSends();
scheduleRender({ list: true, timeline: true, presence: true, reset: true });
