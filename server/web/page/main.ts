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

import { type Chat, type ChatMessage, DEFAULT_CHAT_ID } from "../../../common/protocol.ts";
import type { PresenceEntry, PresenceEventPayload } from "../../../common/protocol.ts";
import { startChatConnection } from "./chat_connection.ts";
import type { IncomingFrame } from "./chat_connection.ts";
import { type ChatTimeline, createChatTimeline } from "./chat_timeline.ts";
import { createChatView } from "./chat_view.ts";
import { createPresenceRoster } from "./presence_roster.ts";
import { createResumePosition } from "./resume_position.ts";

const NAME_STORAGE_KEY = "dsatter.name";
const PAGE_SIZE = 50;

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

function storedName(): string {
  try {
    const saved = localStorage.getItem(NAME_STORAGE_KEY)?.trim();
    if (saved) return saved.slice(0, 64);
  } catch { /* storage disabled: a fresh name each visit */ }
  return `guest-${randomHex(2)}`;
}

function saveName(name: string) {
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
  fillViewWithHistory();
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
  state.hasOlder = reply.more === true ||
    (reply.more === undefined && messages.length >= PAGE_SIZE);
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
    state.hasOlder = reply.more === true ||
      (reply.more === undefined && messages.length >= PAGE_SIZE);
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
    case "error":
      console.warn("DSatter node error", frame.payload);
      break;
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
function transmit(send: { clientMsgId: string; chatId: number; sender: string; text: string }) {
  const { clientMsgId, chatId, sender, text } = send;
  connection.send({ type: "newMessageFromClient", payload: { text, sender, chatId, clientMsgId } });
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
    const body = await response.json() as {
      activeNodes?: { address: string; clientport: number }[];
    };
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    return (body.activeNodes ?? []).map(({ address, clientport }) =>
      `${scheme}://${address.includes(":") ? `[${address}]` : address}:${clientport}/`
    );
  },
  signal: pageAbort.signal,
});

view.elements.composer.addEventListener("submit", (event) => {
  event.preventDefault();
  const text = view.elements.message.value;
  if (text.trim() === "") return;
  if (!myName) return view.elements.name.focus();
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
  const scroller = view.elements.scroller;
  scheduleRender({ timeline: true });
  setTimeout(() => scroller.scrollTop = scroller.scrollHeight, 0);
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
scheduleRender({ list: true, timeline: true, presence: true, reset: true });
