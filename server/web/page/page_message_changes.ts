/**
 * Changing one's own messages from the page: the row actions (Edit opens the
 * editor in place, Delete asks for a confirmation first), the Up arrow's
 * "edit my last message", and the calls to the client (section 7
 * `editMessage` / `deleteMessage`); the timeline shows the result when the
 * node's `messageUpdated` arrives.
 *
 * Invariant: at most one message is being edited or confirmed at a time;
 * closing either puts the focus back in the composer.
 * @module
 */

import type { DSatterClient } from "../../../sdk/mod.ts";
import type { RowActions } from "./message_row.ts";
import type { PageRenderer } from "./page_render.ts";
import type { PageState } from "./page_state.ts";
import { lastEditableOwn, timelineRows } from "./timeline_rows.ts";

export interface MessageChangesContext {
  client: DSatterClient;
  state: PageState;
  render: PageRenderer;
  composer(): HTMLTextAreaElement;
}

export interface MessageChanges extends RowActions {
  /** Opens the editor on the newest own message of the chat shown; false if none. */
  editLastOwn(): boolean;
}

export function createMessageChanges(context: MessageChangesContext): MessageChanges {
  const { client, state, render } = context;
  const redraw = () => render.schedule({ timeline: true });
  const close = () => {
    state.editing = undefined;
    state.confirmingDelete = undefined;
    redraw();
    queueMicrotask(() => context.composer().focus({ preventScroll: true }));
  };
  return {
    edit(messageId) {
      state.confirmingDelete = undefined;
      state.editing = messageId;
      redraw();
    },
    askDelete(messageId) {
      state.editing = undefined;
      state.confirmingDelete = messageId;
      redraw();
    },
    async saveEdit(messageId, text) {
      await client.editMessage(messageId, text);
      if (state.editing === messageId) close();
    },
    async confirmDelete(messageId) {
      try {
        await client.deleteMessage(messageId);
      } catch (error) {
        console.warn(error);
      }
      if (state.confirmingDelete === messageId) close();
    },
    cancel: close,
    editLastOwn() {
      const entries = client.timeline(state.currentChatId).entries();
      const row = lastEditableOwn(timelineRows(entries, { ownName: state.myName, dayOf: String }));
      if (!row?.messageId) return false;
      state.editing = row.messageId;
      redraw();
      return true;
    },
  };
}
