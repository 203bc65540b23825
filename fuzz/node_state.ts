/**
 * What a chat node holds, read from outside as a client would (and from its
 * metrics): every visible message (paged `since {}`), its vector, its chats, and
 * the stored and held-back counters. Two reads compare equal exactly when
 * nothing was stored, hidden or held back in between.
 *
 * Invariant: read-only; the reading connection never sends anything that
 * stores (only hello, clientSyncRequest, listChats).
 * @module
 */

import { openClient, type TestClient } from "../server/testing/ws_test_client.ts";
import type { FuzzRecorder } from "./fuzz_report.ts";

export interface FuzzTarget {
  url: string;
  wsUrl: string;
  nodeId: number;
  pid: number | undefined;
  /** A node that verifies tokens (section 6): the reader's token and its sub. */
  reader?: { token: string; sub: string };
}

/** The WebSocket URL and REST headers a reader of the target uses. */
function readerOf(target: FuzzTarget): { wsUrl: string; headers: Record<string, string> } {
  if (!target.reader) return { wsUrl: target.wsUrl, headers: {} };
  return {
    wsUrl: `${target.wsUrl}?token=${target.reader.token}`,
    headers: { authorization: `Bearer ${target.reader.token}` },
  };
}

export interface NodeState {
  messageCount: number;
  /** SHA-256 of every visible message in canonical order. */
  messagesDigest: string;
  vector: Record<string, number>;
  chats: string;
  storedTotal: number;
  heldBack: number;
}

/** A counter or gauge value from Prometheus text; 0 when the series is absent. */
export function metricValue(text: string, name: string): number {
  const match = new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, "m").exec(text);
  return match ? Number(match[1]) : 0;
}

async function sha256Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

/** Every visible message, paged with `since` (the resume path clients use). */
export async function readAllMessages(client: TestClient): Promise<unknown[]> {
  const messages: unknown[] = [];
  let since: Record<string, number> = {};
  for (let page = 0;; page++) {
    const ref = `all-${page}`;
    client.send({ type: "clientSyncRequest", payload: { since, limit: 1000 }, ref });
    const reply = await client.next((f) => f.type === "clientSyncReply" && f.ref === ref, 30_000);
    messages.push(...(reply.payload as unknown[]));
    if (!reply.more) return messages;
    since = reply.vector!;
  }
}

export async function readNodeState(target: FuzzTarget): Promise<NodeState> {
  const reader = readerOf(target);
  const client = await openClient(reader.wsUrl);
  try {
    const name = target.reader?.sub ?? "fuzz-observer";
    client.send({ type: "hello", payload: { name }, ref: "w" });
    const welcome = await client.next((f) => f.type === "welcome" && f.ref === "w");
    const messages = await readAllMessages(client);
    const chats = await (await fetch(`${target.url}/api/chats`, { headers: reader.headers }))
      .text();
    const metrics = await (await fetch(`${target.url}/metrics`)).text();
    return {
      messageCount: messages.length,
      messagesDigest: await sha256Hex(JSON.stringify(messages)),
      vector: (welcome.payload as { vector: Record<string, number> }).vector,
      chats,
      storedTotal: metricValue(metrics, "dsatter_messages_stored_total"),
      heldBack: metricValue(metrics, "dsatter_messages_held_back"),
    };
  } finally {
    await client.close();
  }
}

/** The fields that differ between two states, as text; empty when equal. */
export function stateDifferences(before: NodeState, after: NodeState): string[] {
  const differences: string[] = [];
  for (const key of Object.keys(before) as (keyof NodeState)[]) {
    const a = JSON.stringify(before[key]);
    const b = JSON.stringify(after[key]);
    if (a !== b) differences.push(`${key}: ${a.slice(0, 200)} -> ${b.slice(0, 200)}`);
  }
  return differences;
}

/** A valid message with a clientMsgId is acknowledged and then readable: the node still works. */
export async function proveNodeStillWorks(
  target: FuzzTarget,
  label: string,
): Promise<string | undefined> {
  const client = await openClient(readerOf(target).wsUrl);
  try {
    const clientMsgId = `${label}-${crypto.randomUUID()}`;
    const sender = target.reader?.sub ?? "fuzz";
    client.send({
      type: "newMessageFromClient",
      payload: { text: `still works after ${label}`, sender, chatId: 11, clientMsgId },
      ref: "prove",
    });
    const ack = await client.next((f) => f.ref === "prove", 30_000);
    if (ack.type !== "clientMessageResponse") return `a valid message got ${ack.raw}`;
    const messageId = (ack.payload as { messageId: string }).messageId;
    client.send({ type: "clientSyncRequest", payload: { chatId: 11, limit: 5 }, ref: "read" });
    const reply = await client.next((f) => f.ref === "read", 30_000);
    const found = (reply.payload as { messageId: string }[]).some((m) => m.messageId === messageId);
    return found ? undefined : `message ${messageId} was acknowledged but is not in history`;
  } finally {
    await client.close();
  }
}

/**
 * Runs the refused-only phase between two reads of the node: a difference is a
 * failure, and a valid message afterwards must still be acknowledged and readable.
 * False when the phase itself gave up (the node stopped answering).
 */
export async function checkRefusedPhase(
  target: FuzzTarget,
  recorder: FuzzRecorder,
  label: string,
  runRefused: () => Promise<boolean>,
): Promise<boolean> {
  const before = await readNodeState(target);
  if (!(await runRefused())) return false;
  const after = await readNodeState(target);
  for (const difference of stateDifferences(before, after)) {
    recorder.fail({
      label: "unchanged",
      input: `refused ${label} only`,
      expected: "no change",
      got: difference,
    });
  }
  recorder.report.unchangedChecked = true;
  const problem = await proveNodeStillWorks(target, label);
  if (problem) {
    recorder.fail({ label: "still works", input: "", expected: "ack and history", got: problem });
  }
  return true;
}
