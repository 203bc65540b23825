/**
 * The cases of the client-frame fuzzer: valid frames of every type, the same
 * mutated (by schema or as text), noise, binary frames, and transport-level
 * abuse that a node must survive (invalid UTF-8, oversized and malformed
 * WebSocket frames). Each case carries what the node must do with it.
 *
 * Invariant: a text case is at most 64 KiB of UTF-8 and its expectation was
 * computed from exactly the text that is sent.
 * @module
 */

import {
  CLIENT_FRAME_TYPES,
  expectFrame,
  type FrameExpectation,
  frameSchema,
  validFrame,
} from "./client_frame_contract.ts";
import { mutateJsonText, noiseText, toJsonText } from "./json_text.ts";
import type { SeededRandom } from "../chaos/seeded_random.ts";
import { mutateValue, nastyValue } from "./value_generation.ts";

export const FRAME_MAX_BYTES = 64 * 1024;
const encoder = new TextEncoder();

export type ClientCase =
  | { kind: "text"; label: string; text: string; fragments: number; expect: FrameExpectation }
  | { kind: "binary"; label: string; bytes: Uint8Array }
  | { kind: "transport"; label: string; send: TransportAction; closeCodes: number[] };

/** What a transport case writes on its own fresh connection. */
export type TransportAction =
  | { frame: { opcode: number; payload: Uint8Array; fin?: boolean; rsv?: number } }
  | { bytes: Uint8Array; thenTerminate: boolean };

/** Frame types weighted as clients use them (fewer chat creations, which accumulate). */
const TYPE_WEIGHTS: [string, number][] = [
  ["newMessageFromClient", 5],
  ["clientSyncRequest", 3],
  ["hello", 2],
  ["subscribe", 1],
  ["createChat", 1],
  ["listChats", 1],
  ["presence", 2],
  ["editMessage", 1],
  ["deleteMessage", 1],
  ["typing", 1],
  ["search", 2],
];

function pickType(random: SeededRandom): string {
  const total = TYPE_WEIGHTS.reduce((sum, [, weight]) => sum + weight, 0);
  let roll = random.next() * total;
  for (const [type, weight] of TYPE_WEIGHTS) {
    roll -= weight;
    if (roll < 0) return type;
  }
  return CLIENT_FRAME_TYPES[0];
}

function textCase(label: string, text: string, random: SeededRandom): ClientCase {
  const sent = text.toWellFormed(); // what the UTF-8 encoder puts on the wire
  return {
    kind: "text",
    label,
    text: sent,
    fragments: random.chance(0.05) ? random.int(2, 4) : 1,
    expect: expectFrame(sent),
  };
}

/** Frame text of a valid frame, mutated or not. */
function frameCase(random: SeededRandom, ref: string): ClientCase {
  const type = pickType(random);
  const frame = { ...validFrame(type, random), ref };
  const roll = random.next();
  if (roll < 0.25) return textCase(`valid ${type}`, toJsonText(frame), random);
  if (roll < 0.8) {
    const mutated = mutateValue(frame, frameSchema(type), random);
    return textCase(`mutated ${type}`, toJsonText(mutated), random);
  }
  return textCase(`text-mutated ${type}`, mutateJsonText(toJsonText(frame), random), random);
}

function oddCase(random: SeededRandom, ref: string): ClientCase {
  switch (random.int(0, 5)) {
    case 0:
      return textCase("noise", noiseText(random, 200), random);
    case 1:
      return textCase("nasty value", toJsonText(nastyValue(random)), random);
    case 2: {
      const type = random.pick(["Hello", "newmessagefromclient", "", "__proto__", "x".repeat(500)]);
      return textCase("unknown type", toJsonText({ type, payload: {}, ref }), random);
    }
    case 3: // exactly at the size limit: trailing whitespace is still JSON
      return textCase(
        "64 KiB frame",
        toJsonText({ type: "presence", payload: {}, ref }).padEnd(FRAME_MAX_BYTES, " "),
        random,
      );
    case 4:
      return {
        kind: "binary",
        label: "binary",
        bytes: encoder.encode(toJsonText({ type: "listChats", payload: {}, ref })),
      };
    default:
      return textCase("empty", random.pick(["", " ", "{}", "[]", "null", '""']), random);
  }
}

/** Invalid UTF-8 in a frame that would otherwise be valid. */
function invalidUtf8(random: SeededRandom): Uint8Array {
  const bad = random.pick([[0xff], [0xc3, 0x28], [0xed, 0xa0, 0x80], [0xc0, 0x80], [
    0xf8,
    0x88,
    0x80,
    0x80,
    0x80,
  ], [0xe2, 0x82]]);
  const head = encoder.encode('{"type":"hello","payload":{"name":"a');
  const tail = encoder.encode('"}}');
  return Uint8Array.from([...head, ...bad, ...tail]);
}

type TransportCase = Extract<ClientCase, { kind: "transport" }>;

function closingFrame(
  label: string,
  frame: FrameSend["frame"],
  closeCodes: number[],
): TransportCase {
  return { kind: "transport", label, send: { frame }, closeCodes };
}

type FrameSend = Extract<TransportAction, { frame: unknown }>;

/** A frame header that claims 2^63 - 1 bytes (masked, with its key). */
const HUGE_LENGTH_HEADER = [0x81, 0xff, 0x7f, ...new Array(7).fill(0xff), 1, 2, 3, 4];
/** A masked 5-byte text frame, for cutting short. */
const WHOLE_FRAME = [0x81, 0x85, 1, 2, 3, 4, 0x7a, 0x20, 0x7a, 0x20, 0x7a];

/** Abuse below the JSON: what Bun closes, and with which code (a table of makers). */
const TRANSPORT_CASES: Array<(random: SeededRandom) => TransportCase> = [
  (random) => closingFrame("invalid UTF-8", { opcode: 1, payload: invalidUtf8(random) }, [1007]),
  (random) => {
    const size = random.pick([FRAME_MAX_BYTES + 1, FRAME_MAX_BYTES + 1000, 200_000, 1_000_000]);
    const payload = { text: "x".repeat(size), sender: "s", chatId: 1 };
    const text = toJsonText({ type: "newMessageFromClient", payload });
    return closingFrame("oversized", { opcode: 1, payload: encoder.encode(text) }, [1009]);
  },
  (random) =>
    closingFrame(
      "protocol violation",
      random.pick([
        { opcode: 1, payload: encoder.encode("{}"), rsv: random.int(1, 7) },
        { opcode: random.pick([3, 4, 5, 6, 7, 11, 12, 15]), payload: encoder.encode("{}") },
        { opcode: 0, payload: encoder.encode("{}") }, // a continuation without a start
        { opcode: 9, payload: new Uint8Array(126) }, // a ping over 125 bytes
        { opcode: 9, payload: new Uint8Array(2), fin: false }, // a fragmented ping
        { opcode: 8, payload: Uint8Array.from([0x00, 0x05]) }, // a close code no one may send
      ]),
      [1002],
    ),
  () => ({
    kind: "transport",
    label: "unmasked",
    send: { bytes: Uint8Array.from([0x81, 0x02, 0x7b, 0x7d]), thenTerminate: false },
    closeCodes: [1002],
  }),
  () => ({
    kind: "transport",
    label: "huge length",
    send: { bytes: Uint8Array.from(HUGE_LENGTH_HEADER), thenTerminate: false },
    closeCodes: [1009],
  }),
  (random) => ({
    kind: "transport",
    label: "truncated", // half a frame, then the TCP connection drops
    send: {
      bytes: Uint8Array.from(WHOLE_FRAME.slice(0, random.int(1, WHOLE_FRAME.length - 1))),
      thenTerminate: true,
    },
    closeCodes: [],
  }),
];

function transportCase(random: SeededRandom): ClientCase {
  return random.pick(TRANSPORT_CASES)(random);
}

/** True when the node must refuse the case and store nothing. */
export function isRefusedCase(testCase: ClientCase): boolean {
  return testCase.kind !== "text" || testCase.expect.verdict === "bad";
}

/**
 * The next case. An accepted async reply is matched by its ref, so a case that may be
 * accepted asynchronously without the unique ref is drawn again.
 */
export function nextClientCase(
  random: SeededRandom,
  ref: string,
  options: { refusedOnly: boolean },
): ClientCase {
  for (;;) {
    const roll = random.next();
    const testCase = roll < 0.85
      ? frameCase(random, ref)
      : roll < 0.95
      ? oddCase(random, ref)
      : transportCase(random);
    if (testCase.kind === "text") {
      if (encoder.encode(testCase.text).length > FRAME_MAX_BYTES) continue;
      const { expect } = testCase;
      if (expect.async && expect.verdict !== "bad" && expect.ref !== ref) continue;
    }
    if (options.refusedOnly && !isRefusedCase(testCase)) continue;
    return testCase;
  }
}
