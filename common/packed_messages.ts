/**
 * The compact form of replicated messages between nodes (`/peer` frames and the
 * NATS backbone): runs of consecutive seqs of one origin, each message a JSON
 * array of its fields in a fixed order. A batch carries no field names and no
 * messageId (it follows from nodeId and seq), and a receiver parses arrays,
 * not objects: about 40% fewer bytes than the object form and less to parse.
 *
 *   runs:    [[nodeId, firstSeq, message, message, ...], ...]   (seqs firstSeq, firstSeq + 1, ...)
 *   message: [chatId, text, sender, dateTime, lc, clientMsgId | null]
 *            [chatId, text, sender, dateTime, lc, clientMsgId | null, edit | null, 1]
 *   edit:    [dateTime, lc, nodeId]   (the stamp of the edit the text comes from);
 *            a trailing 1 marks a deleted message (its text is "")
 *
 * Invariants: parsePackedRuns() never throws and checks every field as
 * parseReplicatedMessage() checks the object form (a packed message parses to
 * the same message its object form would); parse(encode(x)) equals x for
 * replicated messages; every frame encodePackedFrames() makes is at most
 * maxBytes (a single message always fits: the contract caps one far below it).
 * @module
 */

import { isContractDateTime, LOGICAL_COUNTER_MAX } from "./hybrid_logical_clock.ts";
import { encodeMessageId, MAX_SEQ } from "./message_id.ts";
import type { EditStamp } from "./message_revision.ts";
import type { ReplicatedMessage } from "./peer_update_protocol.ts";
import type { Parsed } from "./protocol.ts";
import { isIntAtLeast } from "./value_checks.ts";
import { checkMessageFields } from "./chat_message.ts";
import { utf8ByteLength } from "./utf8_length.ts";

/** The largest node id whose messageIds stay within what decodeMessageId accepts. */
const MAX_NODE_ID = 9_999_999_999_999_999;

const packed = new WeakMap<ReplicatedMessage, string>();

/** One message's packed JSON (cached per message object: one encoding for every link). */
export function packedMessageJson(message: ReplicatedMessage): string {
  let json = packed.get(message);
  if (json === undefined) {
    const fields: unknown[] = [
      message.chatId,
      message.text,
      message.sender,
      message.dateTime,
      message.lc,
      message.clientMsgId ?? null,
    ];
    if (message.edit || message.deleted) {
      const edit = message.edit;
      fields.push(edit ? [edit.dateTime, edit.lc, edit.nodeId] : null);
      if (message.deleted) fields.push(1);
    }
    json = JSON.stringify(fields);
    packed.set(message, json);
  }
  return json;
}

/** `[nodeId,firstSeq,` ... `],`: a run's bytes besides its messages, at most. */
const RUN_HEAD_BYTES = 40;

interface OpenRun {
  nodeId: number;
  firstSeq: number;
  items: string[];
}

/** Packed runs (`[nodeId,firstSeq,m,...]` texts) and how many messages they hold. */
export interface PackedGroup {
  runs: string[];
  messages: number;
}

/**
 * Groups messages, in their order, into packed runs, as many per group as fit in maxBytes
 * together with overheadBytes (at least one message per group). Consecutive seqs of one
 * origin share a run.
 */
export function groupPackedRuns(
  messages: readonly ReplicatedMessage[],
  options: { maxBytes: number; overheadBytes: number },
): PackedGroup[] {
  const groups: PackedGroup[] = [];
  let runs: string[] = [];
  let count = 0;
  let run: OpenRun | undefined;
  let bytes = options.overheadBytes;
  const closeRun = () => {
    if (run) runs.push(`[${run.nodeId},${run.firstSeq},${run.items.join(",")}]`);
    run = undefined;
  };
  const continues = (message: ReplicatedMessage) =>
    run !== undefined && message.nodeId === run.nodeId &&
    message.seq === run.firstSeq + run.items.length;
  for (const message of messages) {
    const json = packedMessageJson(message);
    const size = utf8ByteLength(json) + 1;
    const added = size + (continues(message) ? 0 : RUN_HEAD_BYTES);
    if (bytes + added > options.maxBytes && (runs.length > 0 || run)) {
      closeRun();
      groups.push({ runs, messages: count });
      runs = [];
      count = 0;
      bytes = options.overheadBytes;
    }
    if (!continues(message)) {
      closeRun();
      run = { nodeId: message.nodeId, firstSeq: message.seq, items: [] };
      bytes += RUN_HEAD_BYTES;
    }
    run!.items.push(json);
    count += 1;
    bytes += size;
  }
  closeRun();
  groups.push({ runs, messages: count });
  return groups;
}

/**
 * Encodes messages as frames `{"type":T,"payload":{"runs":[...], ...extra}}`, as many per
 * frame as fit in maxBytes (at least one).
 */
export function encodePackedFrames(
  type: string,
  messages: readonly ReplicatedMessage[],
  options: { maxBytes: number; extra?: (isLast: boolean) => Record<string, unknown> },
): string[] {
  const head = `{"type":${JSON.stringify(type)},"payload":{"runs":[`;
  const tailFor = (isLast: boolean) => {
    const fields = options.extra ? JSON.stringify(options.extra(isLast)).slice(1, -1) : "";
    return fields ? `],${fields}}}` : "]}}";
  };
  const overheadBytes = utf8ByteLength(head) + utf8ByteLength(tailFor(false)) + 16;
  const groups = groupPackedRuns(messages, { maxBytes: options.maxBytes, overheadBytes });
  return groups.map((group, index) =>
    head + group.runs.join(",") + tailFor(index === groups.length - 1)
  );
}

function fail<T>(message: string): Parsed<T> {
  return { ok: false, error: { code: "bad_frame", message } };
}

function parseEdit(value: unknown): EditStamp | null {
  if (!Array.isArray(value) || value.length !== 3) return null;
  const [dateTime, lc, nodeId] = value;
  if (!isContractDateTime(dateTime) || !isIntAtLeast(nodeId, 0)) return null;
  if (!isIntAtLeast(lc, 0) || lc > LOGICAL_COUNTER_MAX) return null;
  return { dateTime, lc, nodeId };
}

/** One packed message of origin nodeId, number seq. */
function parsePacked(value: unknown, nodeId: number, seq: number): Parsed<ReplicatedMessage> {
  if (!Array.isArray(value) || value.length < 6 || value.length > 8) {
    return fail("message must be an array of 6 to 8 fields");
  }
  const [chatId, text, sender, dateTime, lc, clientMsgId, edit, deletedMark] = value;
  if (deletedMark !== undefined && deletedMark !== 1) return fail("bad deleted");
  const deleted = deletedMark === 1;
  const checked = checkMessageFields(
    { messageId: encodeMessageId(nodeId, seq), nodeId, seq },
    { chatId, text, sender, dateTime, lc, clientMsgId: clientMsgId ?? undefined, deleted },
  );
  if (!checked.ok) return checked;
  const message: ReplicatedMessage = checked.value;
  if (edit !== undefined && edit !== null) {
    const stamp = parseEdit(edit);
    if (!stamp) return fail("bad edit");
    message.edit = stamp;
    if (!deleted) message.editedAt = stamp.dateTime;
  }
  if (deleted) message.deleted = true;
  return { ok: true, value: message };
}

/** The messages of a `runs` array; the first malformed part fails it all, saying where. */
export function parsePackedRuns(value: unknown): Parsed<ReplicatedMessage[]> {
  if (!Array.isArray(value)) return fail("runs must be an array");
  const messages: ReplicatedMessage[] = [];
  for (let r = 0; r < value.length; r++) {
    const run = value[r];
    if (!Array.isArray(run) || run.length < 3) return fail(`run ${r}: not [nodeId, seq, ...]`);
    const [nodeId, firstSeq] = run;
    if (!isIntAtLeast(nodeId, 0) || nodeId > MAX_NODE_ID) return fail(`run ${r}: bad nodeId`);
    if (!isIntAtLeast(firstSeq, 1) || firstSeq + run.length - 3 > MAX_SEQ) {
      return fail(`run ${r}: bad seq`);
    }
    for (let i = 2; i < run.length; i++) {
      const parsed = parsePacked(run[i], nodeId, firstSeq + i - 2);
      if (!parsed.ok) return fail(`run ${r} message ${i - 2}: ${parsed.error.message}`);
      messages.push(parsed.value);
    }
  }
  return { ok: true, value: messages };
}
