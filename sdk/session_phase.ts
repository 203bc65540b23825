/**
 * Where a session stands with its current connection, as one tagged union
 * instead of flags: offline; connected and waiting for the node's welcome (the
 * first connection of a session that follows from "now"); syncing (the entry
 * history of a chat, or a resume from the position); ready. Live messages
 * that arrive before ready are held in the phase, so they show after what
 * the sync brings, in order.
 * @module
 */

import type { ChatMessage, WelcomePayload } from "../common/protocol.ts";
import type { SessionLink } from "./session_event.ts";

/** One connection as the session knows it. */
export interface SessionConnection {
  link: SessionLink;
  /** The node, once a frame said it (`source`, `welcome`). */
  nodeId?: number;
  /** The session had a position when this connection opened: it resumes. */
  resumed: boolean;
  /** Messages the resume brought that had not been seen before. */
  missed: number;
}

export type SessionPhase =
  | { kind: "offline" }
  | { kind: "awaitingWelcome"; connection: SessionConnection; held: ChatMessage[] }
  | {
    kind: "syncing";
    connection: SessionConnection;
    sync: "history" | "resume";
    /** "connect": `ready` is announced after it; "join": it was already. */
    cause: "connect" | "join";
    /** The node's welcome (vector, update marks), taken in once this sync is complete. */
    welcome?: WelcomePayload;
    /** The ref of the sync request in flight: only its reply counts. */
    ref: string;
    held: ChatMessage[];
  }
  | { kind: "ready"; connection: SessionConnection };

/** The connection of a phase, if any. */
export function phaseConnection(phase: SessionPhase): SessionConnection | undefined {
  return phase.kind === "offline" ? undefined : phase.connection;
}
