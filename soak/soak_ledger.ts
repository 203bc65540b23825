/**
 * What the soak's clients did and saw, shared by all of them: every
 * acknowledged send (clientMsgId -> messageId), the chats that exist for the
 * writers to use, and counters per kind of event. The end checks read it.
 *
 * Invariant: an acknowledgement is recorded once; a second one for the same
 * clientMsgId with another messageId is counted as a mismatch, never overwritten.
 * @module
 */

export interface SoakCounters {
  sent: number;
  resent: number;
  acked: number;
  ackMismatches: number;
  writerReconnects: number;
  slowReaderCycles: number;
  slowReaderDropsSeen: number;
  rareReaderBytes: number;
  churnCycles: number;
  churnMessages: number;
  /** Messages a resuming reader got a second time, beyond what docs/SERVER.md allows. */
  churnDuplicates: number;
  /** Allowed (docs/SERVER.md): live on a connection, then again in its `since` reply. */
  churnLiveThenReply: number;
  /** Allowed (docs/SERVER.md): live before the node read the `since` request that covered it. */
  churnCrossedResume: number;
  chatsCreated: number;
  errors: Record<string, number>;
}

export class SoakLedger {
  readonly acked = new Map<string, string>();
  /** Chats the writers write to: 11 and the latest created ones. */
  readonly chatIds: number[] = [11];
  readonly counters: SoakCounters = {
    sent: 0,
    resent: 0,
    acked: 0,
    ackMismatches: 0,
    writerReconnects: 0,
    slowReaderCycles: 0,
    slowReaderDropsSeen: 0,
    rareReaderBytes: 0,
    churnCycles: 0,
    churnMessages: 0,
    churnDuplicates: 0,
    churnLiveThenReply: 0,
    churnCrossedResume: 0,
    chatsCreated: 0,
    errors: {},
  };
  /** A few duplicate deliveries in full, for the report. */
  readonly duplicateExamples: string[] = [];

  recordAck(clientMsgId: string, messageId: string): void {
    const known = this.acked.get(clientMsgId);
    if (known === undefined) {
      this.acked.set(clientMsgId, messageId);
      this.counters.acked += 1;
    } else if (known !== messageId) {
      this.counters.ackMismatches += 1;
    }
  }

  recordError(code: string): void {
    this.counters.errors[code] = (this.counters.errors[code] ?? 0) + 1;
  }

  addChat(chatId: number): void {
    this.counters.chatsCreated += 1;
    this.chatIds.push(chatId);
    if (this.chatIds.length > 50) this.chatIds.splice(1, 1);
  }
}

/** A node a soak client connects to. */
export interface SoakNode {
  wsUrl: string;
}
