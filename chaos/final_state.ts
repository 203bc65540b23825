/**
 * Reads what each node holds after the heal, as a client would: its vector
 * from a `welcome`, its whole visible history by `since {}` paging (all chats,
 * canonical order); then, once the nodes have stopped, every row of its
 * database file (held and hidden ones too) for the gap check.
 *
 * Invariant: the reads connect with a subscription to a chat nobody writes to,
 * so no live traffic interleaves with the pages.
 * @module
 */

import { Database } from "bun:sqlite";
import type { NodeFinalState, StoredRow, Vector } from "./chaos_history.ts";
import { ChaosSocket, type ServerFrame } from "./chaos_socket.ts";
import { sleep } from "../common/abortable_sleep.ts";

const QUIET_CHAT = 987_654_321;
const REPLY_TIMEOUT_MS = 30_000;

/** One request/reply exchange at a time on a fresh connection. */
async function withConnection<T>(
  wsUrl: string,
  use: (ask: (frame: Record<string, unknown>) => Promise<ServerFrame>) => Promise<T>,
): Promise<T> {
  const waiting = new Map<string, (frame: ServerFrame) => void>();
  const socket = await ChaosSocket.open(wsUrl, {
    onFrame: (frame) => {
      const key = frame.type === "welcome" ? "welcome" : frame.ref;
      if (key !== undefined) waiting.get(key)?.(frame);
    },
    onClose: () => {},
  }, 10_000);
  if (!socket) throw new Error(`Cannot connect to ${wsUrl}`);
  let counter = 0;
  const ask = (frame: Record<string, unknown>) => {
    const ref = frame.type === "hello" ? "welcome" : `final-${++counter}`;
    return new Promise<ServerFrame>((resolve, reject) => {
      const timer = setTimeout(() => {
        waiting.delete(ref);
        reject(new Error(`Cannot read ${wsUrl}: no answer to ${frame.type} in time`));
      }, REPLY_TIMEOUT_MS);
      waiting.set(ref, (reply) => {
        clearTimeout(timer);
        waiting.delete(ref);
        resolve(reply);
      });
      socket.send(frame.type === "hello" ? frame : { ...frame, ref });
    });
  };
  try {
    socket.send({ type: "subscribe", payload: { chatIds: [QUIET_CHAT] } });
    return await use(ask);
  } finally {
    socket.abandon();
  }
}

/** The node's vector, from the welcome of a fresh hello connection. */
export function readVector(wsUrl: string): Promise<Vector> {
  return withConnection(wsUrl, async (ask) => {
    const welcome = await ask({ type: "hello", payload: { name: "chaos-check" } });
    return (welcome.payload as { vector: Vector }).vector;
  });
}

/** Every visible message of the node, canonical order, through `since` paging. */
export function readVisible(wsUrl: string): Promise<NodeFinalState["messages"]> {
  return withConnection(wsUrl, async (ask) => {
    const messages: NodeFinalState["messages"] = [];
    let since: Vector = {};
    for (;;) {
      const reply = await ask({ type: "clientSyncRequest", payload: { since, limit: 1000 } });
      for (const m of reply.payload as Array<Record<string, unknown>>) {
        const message: NodeFinalState["messages"][number] = {
          messageId: String(m.messageId),
          nodeId: Number(m.nodeId),
          seq: Number(m.seq),
          sender: String(m.sender),
        };
        if (typeof m.clientMsgId === "string") message.clientMsgId = m.clientMsgId;
        messages.push(message);
      }
      if (!reply.more) return messages;
      since = reply.vector ?? since;
    }
  });
}

/** Every row of a stopped node's database (read only). */
export function readRows(dbPath: string): StoredRow[] {
  const db = new Database(dbPath, { readonly: true });
  try {
    const rows = db.query(
      "SELECT node_id, seq, held, hidden, sender, client_msg_id FROM messages ORDER BY node_id, seq",
    ).all() as Array<{
      node_id: number;
      seq: number;
      held: number;
      hidden: number;
      sender: string;
      client_msg_id: string | null;
    }>;
    return rows.map((row) => {
      const stored: StoredRow = {
        nodeId: row.node_id,
        seq: row.seq,
        held: row.held === 1,
        hidden: row.hidden === 1,
        sender: row.sender,
      };
      if (row.client_msg_id !== null) stored.clientMsgId = row.client_msg_id;
      return stored;
    });
  } finally {
    db.close();
  }
}

/** Polls every node's vector until all are equal; the ms it took, or undefined at the deadline. */
export async function waitForConvergence(
  wsUrls: () => string[],
  deadlineMs: number,
): Promise<{ convergedAfterMs?: number; vectors: Vector[] }> {
  const startMs = performance.now();
  let vectors: Vector[] = [];
  while (performance.now() - startMs < deadlineMs) {
    vectors = await Promise.all(wsUrls().map((url) => readVector(url).catch(() => ({ "-1": -1 }))));
    const first = JSON.stringify(vectors[0]);
    if (vectors.every((v) => JSON.stringify(v) === first) && !("-1" in vectors[0])) {
      return { convergedAfterMs: Math.round(performance.now() - startMs), vectors };
    }
    await sleep(250);
  }
  return { vectors };
}
