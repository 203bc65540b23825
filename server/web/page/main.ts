/**
 * The web client's entry point (bundled by server/web/web_assets.ts into
 * /assets/app.js): wires the SDK client (sdk/, the same core as the terminal
 * client's) to the page's state, its storage, its renderer and its controls.
 * Nothing else happens here.
 *
 * Invariants: the chat shown is `?chat=ID` or chat 11; every send carries a
 * clientMsgId and stays pending (kept across a reload, and resent on every new
 * connection) until a node acknowledges it, so a send is never lost nor shown
 * twice; the page fails over to the nodes its own node lists.
 * @module
 */

import { DSatterClient, nodeListSource, tokenSubject } from "../../../sdk/mod.ts";
import { createPageToken, tokenTrouble } from "./page_token.ts";
import { createChatView } from "./chat_view.ts";
import { wirePageControls } from "./page_controls.ts";
import { createPageHistory } from "./page_history.ts";
import { createPageRenderer } from "./page_render.ts";
import { createPageState } from "./page_state.ts";
import {
  chatIdFromUrl,
  loadPendingSends,
  saveName,
  savePendingSends,
  storedName,
} from "./page_storage.ts";

const view = createChatView();
// `/?token=T` (section 6): kept for the visit, out of the address bar; the page speaks as its sub.
const pageToken = createPageToken({
  location,
  storage: sessionStorage,
  replaceUrl: (url) => history.replaceState(null, "", url),
  ask: (question) => prompt(question),
});
const state = createPageState(
  chatIdFromUrl(location.search),
  tokenSubject(pageToken.current()) ?? storedName(),
);
if (pageToken.current() === undefined) saveName(state.myName);
view.elements.name.value = state.myName;
view.elements.name.readOnly = pageToken.current() !== undefined;

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
const render = createPageRenderer({
  view,
  client,
  state,
  onPickChat: switchChat,
  afterRender: () => pageHistory.fillView(),
});
const pageHistory = createPageHistory(client, state, view, render);

function switchChat(chatId: number) {
  state.currentChatId = chatId;
  const chat = state.chat(chatId);
  chat.unread = 0;
  history.replaceState(null, "", `?chat=${chatId}`);
  if (!chat.loaded && client.state.kind === "online") {
    void pageHistory.loadLatest(chat).catch(() => {});
  }
  render.schedule({ list: true, timeline: true, reset: true });
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
client.on("message", ({ message }) => {
  const elsewhere = message.chatId !== state.currentChatId;
  if (elsewhere && message.sender !== state.myName) state.chat(message.chatId).unread += 1;
  render.schedule({ list: elsewhere, timeline: !elsewhere });
});
client.on("chats", () => render.schedule({ list: true }));
client.on("presence", () => render.schedule({ presence: true }));
client.on("pending", ({ sends }) => {
  savePendingSends(sends);
  render.schedule({ timeline: true });
});
client.on("ack", () => render.schedule({ timeline: true }));
client.on("rejected", () => render.schedule({ timeline: true }));
client.on("error", ({ code, message }) => console.warn("DSatter node error", code, message));

addEventListener("pagehide", () => void client.close());
// Back from the back-forward cache the connection is gone: start afresh.
addEventListener("pageshow", (event) => {
  if ((event as PageTransitionEvent).persisted) location.reload();
});

wirePageControls({ view, client, state, render, history: pageHistory, switchChat });
client.restore(loadPendingSends(Date.now()));
render.schedule({ list: true, timeline: true, presence: true, reset: true });
client.start();
