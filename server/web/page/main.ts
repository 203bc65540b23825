/**
 * The web client's entry point (bundled by server/web/web_assets.ts into
 * /assets/app.js): wires the SDK client (sdk/, the same core as the terminal
 * client's) to the page's state, its storage, its renderer and its controls.
 * Nothing else happens here.
 *
 * Invariants: the chat shown is `?chat=ID` or chat 11 (a `?chat=` that is no
 * chat id is said to be wrong, not replaced); every send carries a
 * clientMsgId and stays pending (kept across a reload, and resent on every
 * new connection) until a node acknowledges it, so a send is never lost nor
 * shown twice; the page fails over to the nodes its own node lists.
 * @module
 */

import { DSatterClient, nodeListSource, tokenSubject } from "../../../sdk/mod.ts";
import { createPageToken, tokenTrouble } from "./page_token.ts";
import { createChatView } from "./chat_view.ts";
import { wireAttention } from "./page_attention.ts";
import { wirePageControls } from "./page_controls.ts";
import { createPageHistory } from "./page_history.ts";
import { createMessageChanges } from "./page_message_changes.ts";
import { createPageRenderer } from "./page_render.ts";
import { wireRename } from "./page_rename.ts";
import { wireSearch } from "./page_search.ts";
import { createPageState } from "./page_state.ts";
import {
  chatAddressFromUrl,
  loadPendingSends,
  saveName,
  savePendingSends,
  storedName,
} from "./page_storage.ts";
import { wireTyping } from "./page_typing.ts";

// `/?token=T` (section 6): kept for the visit, out of the address bar; the page speaks as its sub.
const pageToken = createPageToken({
  location,
  storage: sessionStorage,
  replaceUrl: (url) => history.replaceState(null, "", url),
  ask: (question) => prompt(question),
});
const state = createPageState(
  chatAddressFromUrl(location.search),
  tokenSubject(pageToken.current()) ?? storedName(),
);
if (pageToken.current() === undefined) saveName(state.myName);

const primaryUrl = `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/`;
const token = () => pageToken.current();
const client = new DSatterClient({
  name: state.myName,
  token,
  // Only the page's own node is asked for the others (same origin: the CSP stays tight).
  source: nodeListSource({
    nodeUrls: [primaryUrl],
    askOnly: (url) => url === primaryUrl,
    token,
  }),
});
const changes = createMessageChanges({
  client,
  state,
  render: { schedule: (parts) => render.schedule(parts) },
  composer: () => view.elements.message,
});
const view = createChatView(changes);
view.elements.name.value = state.myName;
view.elements.name.readOnly = pageToken.current() !== undefined;
const chatName = (chatId: number) =>
  client.chats().find((chat) => chat.chatId === chatId)?.name ?? `chat ${chatId}`;
const typing = wireTyping(client, state, { schedule: (parts) => render.schedule(parts) });
const render = createPageRenderer({
  view,
  client,
  state,
  onPickChat: switchChat,
  noticeActions: {
    openDefaultChat: () => switchChat(11),
    createNamedChat: () => view.elements.newChat.focus(),
  },
  typingLine: typing.line,
  afterRender: () => {
    pageHistory.fillView();
    rename.render();
  },
});
const pageHistory = createPageHistory(client, state, view, render);
const rename = wireRename(view.elements, client, state);
const attention = wireAttention({
  bell: view.elements.notify,
  state,
  render,
  chatName,
  show: openMessage,
});

function switchChat(chatId: number) {
  state.currentChatId = chatId;
  state.badAddress = undefined;
  state.editing = undefined;
  state.confirmingDelete = undefined;
  const chat = state.chat(chatId);
  chat.unread = 0;
  history.replaceState(null, "", `?chat=${chatId}`);
  if (!chat.loaded && client.state.kind === "online") {
    void pageHistory.loadLatest(chat).catch(() => {});
  }
  render.schedule({ list: true, timeline: true, typing: true, reset: true });
}

/** Shows a chat at one message (a search result, a clicked notification). */
function openMessage(chatId: number, messageId: string) {
  if (chatId !== state.currentChatId || state.badAddress !== undefined) switchChat(chatId);
  void pageHistory.loadUntil(messageId).then((found) => {
    if (found) setTimeout(() => view.timeline.reveal(messageId), 0);
  }).catch(() => {});
}

/** A node ended or refused the token: ask for a new one, and speak as its sub. */
async function renewToken(offline: { url?: string; closeCode?: number }) {
  const reason = await tokenTrouble(offline, {
    primaryUrl,
    hasToken: token() !== undefined,
    probe: async () => {
      const headers: Record<string, string> = {};
      if (token() !== undefined) headers.authorization = `Bearer ${token()}`;
      const signal = AbortSignal.timeout(5_000);
      return (await fetch("/api/chats", { headers, signal }).catch(() => undefined))?.status;
    },
  });
  if (reason === undefined || !pageToken.renew(reason)) return;
  state.myName = tokenSubject(token()) ?? state.myName;
  view.elements.name.value = state.myName;
  view.elements.name.readOnly = true;
  client.setName(state.myName);
}

client.on("state", (connection) => {
  view.renderConnection(connection);
  if (connection.kind === "offline") void renewToken(connection);
  if (connection.kind !== "online") return;
  state.greetedName = state.myName; // this connection's hello said it
  const current = state.current();
  if (!current.loaded) void pageHistory.loadLatest(current).catch(() => {});
});
client.on("message", ({ message, origin }) => {
  const elsewhere = message.chatId !== state.currentChatId || state.badAddress !== undefined;
  const theirs = message.sender !== state.myName;
  if (elsewhere && theirs) state.chat(message.chatId).unread += 1;
  if (theirs && origin === "live") attention.arrived(message);
  render.schedule({ list: elsewhere, timeline: !elsewhere });
});
client.on("chats", ({ listed }) => {
  state.chatsListed = listed;
  render.schedule({ list: true, timeline: true });
});
client.on("presence", () => render.schedule({ presence: true }));
client.on("pending", ({ sends }) => {
  savePendingSends(sends);
  render.schedule({ timeline: true });
});
client.on("ack", () => render.schedule({ timeline: true }));
client.on("rejected", () => render.schedule({ timeline: true }));
client.on("messageUpdated", ({ update }) => {
  if (update.chatId === state.currentChatId) render.schedule({ timeline: true });
});
client.on("error", ({ code, message }) => console.warn("DSatter node error", code, message));

addEventListener("pagehide", () => void client.close());
// Back from the back-forward cache the connection is gone: start afresh.
addEventListener("pageshow", (event) => {
  if ((event as PageTransitionEvent).persisted) location.reload();
});

wirePageControls({
  view,
  client,
  state,
  render,
  history: pageHistory,
  switchChat,
  editLastOwn: changes.editLastOwn,
  typing: typing.typed,
});
wireSearch({
  elements: view.elements,
  search: (query, before) => client.search(query, { before }),
  chatName,
  open: openMessage,
});
client.restore(loadPendingSends(Date.now()));
render.schedule({ list: true, timeline: true, presence: true, reset: true });
view.elements.message.focus();
client.start();
