/**
 * Small steps the section 7 integration tests share: a hello client on a chat,
 * a send that waits for its ack, a wait for a frame type, what a node's history
 * shows, and what `strings` finds in a node's database files.
 * node:child_process and node:fs only, so Bun and Deno tests can both import it.
 *
 * Invariant: every wait has a deadline; nothing sleeps a fixed time.
 * @module
 */

import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import type { ChatMessage } from "../../common/protocol.ts";
import { openClient, type ReceivedFrame, type TestClient } from "./ws_test_client.ts";

/** Opens a client, subscribes it to chatIds, says hello as name and waits for welcome. */
export async function helloClient(
  wsUrl: string,
  name: string,
  chatIds: number[] | null,
): Promise<{ client: TestClient; welcome: ReceivedFrame }> {
  const client = await openClient(wsUrl);
  client.send({ type: "subscribe", payload: { chatIds } });
  client.send({ type: "hello", payload: { name } });
  const welcome = await client.next((f) => f.type === "welcome");
  return { client, welcome };
}

let nextRef = 1;

/** Sends a message with a clientMsgId and resolves with its messageId once acknowledged. */
export async function sendAcked(
  client: TestClient,
  message: { chatId: number; text: string; sender: string; clientMsgId?: string },
): Promise<string> {
  const clientMsgId = message.clientMsgId ?? `cm-${Date.now()}-${nextRef++}`;
  client.send({ type: "newMessageFromClient", payload: { ...message, clientMsgId } });
  const ack = await client.next((f) =>
    f.type === "clientMessageResponse" &&
    (f.payload as { clientMsgId: string }).clientMsgId === clientMsgId
  );
  return (ack.payload as { messageId: string }).messageId;
}

/** Sends a frame with a fresh ref and waits for the frame that answers it. */
export async function request(
  client: TestClient,
  type: string,
  payload: unknown,
  deadlineMs = 15_000,
): Promise<ReceivedFrame> {
  const ref = `r${nextRef++}`;
  client.send({ type, payload, ref });
  return await client.next((f) => f.ref === ref, deadlineMs);
}

/** Waits for a messageUpdated about messageId matching the predicate. */
export function nextUpdate(
  client: TestClient,
  messageId: string,
  predicate: (message: ChatMessage) => boolean = () => true,
  deadlineMs = 20_000,
): Promise<ReceivedFrame> {
  return client.next(
    (f) =>
      f.type === "messageUpdated" && (f.payload as ChatMessage).messageId === messageId &&
      predicate(f.payload as ChatMessage),
    deadlineMs,
  );
}

/** The payload of a messageUpdated or newMessagesForClient frame, as a message. */
export function messageOf(frame: ReceivedFrame): ChatMessage {
  return Array.isArray(frame.payload)
    ? (frame.payload as ChatMessage[])[0]
    : frame.payload as ChatMessage;
}

/** A database file and its WAL/SHM companions that exist. */
export function databaseFiles(dbPath: string): string[] {
  return [dbPath, `${dbPath}-wal`, `${dbPath}-shm`].filter((file) => existsSync(file));
}

/** True when `strings` finds needle in any of the node's database files. */
export function stringsFind(dbPath: string, needle: string): boolean {
  return databaseFiles(dbPath).some((file) =>
    execFileSync("strings", ["-a", file], { encoding: "utf8", maxBuffer: 1 << 30 }).includes(needle)
  );
}
