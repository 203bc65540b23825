/**
 * What the interactive terminal shows for each client event: messages into
 * their buffers (counted as unread in the others), edits and deletes (the
 * buffer is drawn again), who is typing (the footer), the connection's notes,
 * people coming and going, new chats, refusals.
 *
 * Invariant: text from the network reaches the terminal only through
 * sanitizeForTerminal() or message_format.ts; presence notes about this
 * client itself (under any name it used) are not printed.
 * @module
 */

import { type ConnectionState, mentions, watchTypingExpiry } from "../sdk/mod.ts";
import { loadLatest, redrawBuffer, showMessage, showNote } from "./buffer_view.ts";
import type { InteractiveContext } from "./interactive_context.ts";
import { sanitizeForTerminal } from "./message_format.ts";

/** Wires the client's events to the screen; returns the function that unwires them. */
export function wireClientEvents(context: InteractiveContext): () => void {
  const { client, screen, buffers, typing } = context;
  let stopExpiry = () => {};
  const redrawTypingLater = () => {
    stopExpiry();
    stopExpiry = watchTypingExpiry(typing, () => screen.show());
  };
  const stops = [
    client.on("state", (state) => onState(context, state)),
    client.on("failover", (status) => {
      if (status.kind === "lost") {
        screen.online = false;
        screen.offlineReason = "connection lost: reconnecting…";
      }
      if (status.kind === "noCandidates" || status.kind === "dialFailed") {
        screen.offlineReason = `${status.error}; retrying`;
        if (context.verbose) showNote(context, status.error);
        return screen.show();
      }
      const line = context.narrator.failover(status);
      if (line) showNote(context, line);
    }),
    client.on("message", ({ message }) => {
      typing.stopped(message.chatId, message.sender);
      showMessage(context, message);
      const mention = message.sender !== client.name && mentions(message.text, client.name);
      if (buffers.arrived(message.chatId, mention)) screen.show();
    }),
    client.on("messageUpdated", ({ update }) => {
      if (update.chatId === buffers.current().chatId) redrawBuffer(context);
    }),
    client.on("typing", (event) => {
      typing.note(event, Date.now());
      if (event.chatId === buffers.current().chatId) screen.show();
      redrawTypingLater();
    }),
    client.on("pending", () => screen.show()),
    client.on("ack", () => screen.show()),
    client.on(
      "rejected",
      ({ send, reason }) =>
        showNote(context, `not sent: ${sanitizeForTerminal(send.text)} (${reason})`),
    ),
    client.on("presence", ({ names }) => onPeople(context, names)),
    client.on("chats", ({ chats, listed }) => {
      const announce = context.chatsListed; // the first listing is not news
      let renamed = false;
      for (const chat of chats) {
        renamed = buffers.rename(chat.chatId, chat.name) || renamed;
        if (context.knownChats.has(chat.chatId)) continue;
        context.knownChats.add(chat.chatId);
        if (announce && !buffers.find(chat.chatId) && chat.name !== context.creating) {
          showNote(context, `new chat ${chat.chatId} "${sanitizeForTerminal(chat.name)}"`);
        }
      }
      if (listed) context.chatsListed = true;
      if (renamed) screen.show();
    }),
    client.on(
      "error",
      ({ code, message }) =>
        showNote(context, `node error: ${code}: ${sanitizeForTerminal(message)}`),
    ),
  ];
  return () => {
    stopExpiry();
    for (const stop of stops) stop();
  };
}

function onState(context: InteractiveContext, state: ConnectionState): void {
  const { screen } = context;
  if (state.kind !== "online") {
    if (state.kind === "offline" || state.kind === "closed") screen.online = false;
    return screen.show();
  }
  screen.online = true;
  const { url, nodeId, resumed, missed } = state;
  const line = context.narrator.session({ kind: "ready", url, nodeId, resumed, missed });
  if (line) showNote(context, line);
  else screen.show();
  context.remember({});
  void loadLatest(context, context.buffers.current());
}

/** Who came and went, from one presence list to the next (never about ourselves). */
function onPeople(context: InteractiveContext, names: string[]): void {
  const before = new Set(context.people);
  const now = new Set(names);
  const first = context.people.length === 0;
  context.people = names;
  if (first) return;
  for (const name of names) {
    if (!before.has(name) && !context.ownNames.has(name)) {
      showNote(context, `${sanitizeForTerminal(name)} is online`);
    }
  }
  for (const name of before) {
    if (!now.has(name) && !context.ownNames.has(name)) {
      showNote(context, `${sanitizeForTerminal(name)} is offline`);
    }
  }
}
