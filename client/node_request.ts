/**
 * A request from the interactive terminal to the node it is on (list chats,
 * who is here, an edit, a search, ...): refused at once with one note while
 * offline, and its failure said in one note, never thrown.
 * @module
 */

import { showNote } from "./buffer_view.ts";
import type { InteractiveContext } from "./interactive_context.ts";
import { sanitizeForTerminal } from "./message_format.ts";

export function sayOffline(context: InteractiveContext): void {
  showNote(context, "not connected yet; try again in a moment");
}

/** Runs a request when online; a failure becomes a note. */
export function ask(context: InteractiveContext, request: () => Promise<unknown>): void {
  if (context.client.state.kind !== "online") return sayOffline(context);
  request().catch((error: Error) => showNote(context, sanitizeForTerminal(error.message)));
}
