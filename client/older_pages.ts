/**
 * `/history [N]`: pages back through the current chat, each page ending where
 * the oldest message shown so far begins (from the entry history, or an older
 * page). The page is read with the session's history query.
 *
 * Invariant: the oldest mark only moves back in canonical order, and starts
 * over when the chat changes (reset()).
 * @module
 */

import { compareCanonical } from "../common/canonical_order.ts";
import type { ChatMessage } from "../common/protocol.ts";
import type { HistoryOptions, HistoryPage, MessageOrigin } from "../sdk/chat_session.ts";

export class OlderPages {
  #oldest?: ChatMessage;

  /** A message was shown: history and older pages mark where the next page ends. */
  noteShown(message: ChatMessage, origin: MessageOrigin | "older"): void {
    if (origin !== "history" && origin !== "older") return;
    if (!this.#oldest || compareCanonical(message, this.#oldest) < 0) this.#oldest = message;
  }

  /** Another chat: nothing is shown of it yet. */
  reset(): void {
    this.#oldest = undefined;
  }

  /** Reads the page before the oldest shown; its messages come back oldest first. */
  async next(
    readHistory: (options: HistoryOptions) => Promise<HistoryPage>,
    limit: number,
  ): Promise<ChatMessage[]> {
    const page = await readHistory({ before: this.#oldest?.messageId, limit });
    for (const message of page.messages) this.noteShown(message, "older");
    return page.messages;
  }
}
