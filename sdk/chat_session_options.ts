/**
 * How a ChatSession is set up (chat_session.ts): what it receives, how much
 * history it shows, and the seams it takes (pending sends, position, time).
 * @module
 */

import type { PendingSends } from "./pending_sends.ts";
import type { ResumePosition } from "./resume_position.ts";
import type { SessionEvent } from "./session_event.ts";
import type { Timers } from "./timers.ts";

/** What a session receives: one chat, every chat, or nothing (a send-only client). */
export type ReceiveScope = "chat" | "all" | "none";

export interface ChatSessionOptions {
  name: string;
  /** The followed chat (receive "chat"), and where sendText() goes by default. */
  chatId: number;
  /**
   * "chat": `chatId` only (subscribe, its history on entry, resume for it); "all": every
   * chat (resume for all); "none": nothing, sends only (`--send`, piped lines).
   */
  receive: ReceiveScope;
  /** Messages of history shown on first entry and after join() ("chat"); 0 for none. */
  historyLimit: number;
  /** Page size of resume syncs. @default 500 */
  resumePageLimit?: number;
  onEvent: (event: SessionEvent) => void;
  pending?: PendingSends;
  position?: ResumePosition;
  /** For the retry of a send refused as rate_limited. @default systemTimers */
  timers?: Timers;
  /** @default Math.random */
  random?: () => number;
}
