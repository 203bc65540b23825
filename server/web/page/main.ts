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

import { DSatterClient, nodeListSource } from "../../../sdk/mod.ts";
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
const state = createPageState(chatIdFromUrl(location.search), storedName());
saveName(state.myName);
view.elements.name.value = state.myName;

const primaryUrl = `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/`;
const client = new DSatterClient({
  name: state.myName,
  // Only the page's own node is asked for the others (same origin: the CSP stays tight).
  source: nodeListSource({ nodeUrls: [primaryUrl], askOnly: (url) => url === primaryUrl }),
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

client.on("state", (connection) => {
  view.renderConnection(connection);
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
