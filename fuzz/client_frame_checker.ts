/**
 * One fuzzing connection to a node's client WebSocket: sends cases, each
 * followed by a sentinel request, and checks what came back for each case
 * against its expectation. Replies to a case arrive before its sentinel's
 * reply (the node answers a connection's frames in order), except replies that
 * wait for a commit, which are matched by their ref.
 *
 * Invariant: every case sent is either checked (pass or failure recorded) or
 * reported as unanswered by drain(); a closed connection fails what it held.
 * @module
 */

import { connectRawWebSocket, type RawWebSocket } from "../perf/raw_websocket.ts";
import type { ClientCase } from "./client_frame_cases.ts";
import { type FrameExpectation, withoutHello } from "./client_frame_contract.ts";
import type { FuzzRecorder } from "./fuzz_report.ts";

interface ServerFrame {
  type?: unknown;
  ref?: unknown;
  source?: unknown;
  payload?: unknown;
  [key: string]: unknown;
}

type SentCase = Extract<ClientCase, { kind: "text" | "binary" }>;

interface InFlight {
  testCase: SentCase;
  sentinel: string;
  frames: ServerFrame[];
}

interface AsyncWait {
  testCase: Extract<ClientCase, { kind: "text" }>;
  answered: boolean;
}

const encoder = new TextEncoder();

function describe(expect: FrameExpectation): string {
  const reply = expect.reply ?? "no reply";
  const accepted = expect.verdict === "bad" ? "" : reply;
  const refused = expect.verdict === "ok" ? "" : `error ${expect.errorCodes.join("|")}`;
  return [accepted, refused].filter(Boolean).join(" or ") + ` (ref ${JSON.stringify(expect.ref)})`;
}

/** True when an error with this code is a right answer to the case. */
function errorAllowed(expect: FrameExpectation, code: unknown): boolean {
  if (typeof code !== "string") return false;
  if (expect.verdict !== "ok" && expect.errorCodes.includes(code)) return true;
  return expect.verdict !== "bad" && expect.answerCodes.includes(code);
}

/** Sync frames of one case against its expectation; a problem as text, or undefined. */
function syncProblem(testCase: SentCase, frames: ServerFrame[]): string | undefined {
  if (testCase.kind === "binary") {
    const [frame] = frames;
    const ok = frames.length === 1 && frame.type === "error" &&
      (frame.payload as { code?: unknown })?.code === "bad_frame";
    return ok ? undefined : "expected one error bad_frame";
  }
  const expect = testCase.expect;
  const refs = frames.every((frame) => frame.ref === expect.ref);
  if (!refs) return "a reply without the frame's ref";
  if (expect.async && expect.verdict !== "bad") {
    return frames.length === 0 ? undefined : "sync frames for an async case";
  }
  if (frames.length === 0) {
    return expect.verdict !== "bad" && expect.reply === undefined ? undefined : "no answer";
  }
  if (frames.length > 1) return "more than one answer";
  const [frame] = frames;
  if (frame.type === "error") {
    const code = (frame.payload as { code?: unknown })?.code;
    return errorAllowed(expect, code) ? undefined : `error ${code}`;
  }
  return expect.verdict !== "bad" && frame.type === expect.reply
    ? undefined
    : `a ${frame.type} frame`;
}

export class ClientFrameChecker {
  #ws!: RawWebSocket;
  #url: string;
  #nodeId: number;
  #recorder: FuzzRecorder;
  #inFlight: InFlight[] = [];
  #async = new Map<string, AsyncWait>();
  #waiters: Array<() => void> = [];
  #sentinels = 0;
  #name: string;
  #closing = false;
  /** A hello of this connection was (or will be, in order) accepted. */
  #saidHello = false;
  closedUnexpectedly = false;

  constructor(options: { wsUrl: string; nodeId: number; recorder: FuzzRecorder; name: string }) {
    this.#url = options.wsUrl;
    this.#nodeId = options.nodeId;
    this.#recorder = options.recorder;
    this.#name = options.name;
  }

  async open(): Promise<void> {
    this.closedUnexpectedly = false;
    this.#saidHello = false;
    this.#ws = await connectRawWebSocket(this.#url, {
      onText: (text) => this.#onText(text),
      onClose: (code) => this.#onClose(code),
    });
  }

  get inFlight(): number {
    return this.#inFlight.length;
  }

  /** Sends one case and its sentinel. */
  send(sent: SentCase): void {
    const sentinel = `~${this.#name}.${this.#sentinels++}`;
    // What this connection has said so far decides the section 7 answers.
    const testCase: SentCase = sent.kind === "text" && !this.#saidHello
      ? { ...sent, expect: withoutHello(sent.expect) }
      : sent;
    if (testCase.kind === "text" && testCase.expect.type === "hello") {
      this.#saidHello ||= testCase.expect.verdict === "ok";
    }
    this.#inFlight.push({ testCase, sentinel, frames: [] });
    if (testCase.kind === "binary") this.#ws.sendFrame(2, testCase.bytes);
    else {
      const { expect } = testCase;
      if (expect.async && expect.verdict !== "bad" && expect.ref !== undefined) {
        this.#async.set(expect.ref, { testCase, answered: false });
      }
      this.#sendText(testCase.text, testCase.fragments);
    }
    this.#ws.sendText(JSON.stringify({ type: "presence", payload: { chatId: 1 }, ref: sentinel }));
  }

  #sendText(text: string, fragments: number): void {
    if (fragments <= 1) return this.#ws.sendText(text);
    const bytes = encoder.encode(text);
    const step = Math.ceil(bytes.length / fragments);
    for (let i = 0; i < fragments; i++) {
      const last = i === fragments - 1;
      this.#ws.sendFrame(
        i === 0 ? 1 : 0,
        bytes.subarray(i * step, last ? bytes.length : (i + 1) * step),
        { fin: last },
      );
    }
  }

  /** Resolves once fewer than `maxInFlight` cases wait for their sentinel (or the link closed). */
  async waitBelow(maxInFlight: number, deadlineMs = 30_000): Promise<void> {
    const deadline = Date.now() + deadlineMs;
    while (this.#inFlight.length >= maxInFlight && !this.closedUnexpectedly) {
      if (Date.now() > deadline) {
        throw new Error(`Cannot get answers from the node within ${deadlineMs} ms`);
      }
      await new Promise<void>((resolve) => {
        this.#waiters.push(resolve);
        setTimeout(resolve, 250);
      });
    }
  }

  /** Waits for every sentinel and every async reply; fails what never came. */
  async drain(deadlineMs = 30_000): Promise<void> {
    await this.waitBelow(1, deadlineMs);
    const deadline = Date.now() + deadlineMs;
    const pending = () =>
      [...this.#async.values()].filter((w) => !w.answered && w.testCase.expect.reply !== undefined);
    while (pending().length > 0 && Date.now() < deadline && !this.closedUnexpectedly) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    for (const wait of pending()) {
      this.#recorder.fail({
        label: wait.testCase.label,
        input: wait.testCase.text,
        expected: describe(wait.testCase.expect),
        got: "no async answer",
      });
    }
    this.#async.clear();
  }

  close(): Promise<number> {
    this.#closing = true;
    return this.#ws.close();
  }

  #onText(text: string): void {
    let frame: ServerFrame;
    try {
      frame = JSON.parse(text);
    } catch {
      this.#recorder.fail({ label: "node frame", input: "", expected: "JSON", got: text });
      return;
    }
    const ref = frame.ref;
    if (
      frame.type !== "newMessagesForClient" && frame.type !== "presence" &&
      frame.source !== this.#nodeId
    ) {
      this.#recorder.fail({
        label: "source",
        input: "",
        expected: `source ${this.#nodeId}`,
        got: text,
      });
    }
    if (frame.type === "presenceList" && typeof ref === "string" && ref.startsWith("~")) {
      return this.#finishHead(ref);
    }
    if (frame.type === "newMessagesForClient" || frame.type === "presence") return;
    const wait = typeof ref === "string" ? this.#async.get(ref) : undefined;
    if (wait && (frame.type === "error" || frame.type === wait.testCase.expect.reply)) {
      return this.#answerAsync(wait, frame, text);
    }
    // Other connections' events: chats created, edits and deletes, typing.
    if ((frame.type === "chatCreated" || frame.type === "messageUpdated") && ref === undefined) {
      return;
    }
    if (frame.type === "typing") return;
    const head = this.#inFlight[0];
    if (!head) {
      this.#recorder.fail({ label: "unsolicited", input: "", expected: "nothing", got: text });
      return;
    }
    head.frames.push(frame);
  }

  #answerAsync(wait: AsyncWait, frame: ServerFrame, text: string): void {
    const { expect } = wait.testCase;
    wait.answered = true;
    const code = (frame.payload as { code?: unknown })?.code;
    const ok = frame.type === "error" ? errorAllowed(expect, code) : expect.verdict !== "bad";
    if (!ok) {
      this.#recorder.fail({
        label: wait.testCase.label,
        input: wait.testCase.text,
        expected: describe(expect),
        got: text,
      });
    }
  }

  #finishHead(sentinel: string): void {
    const head = this.#inFlight.shift();
    if (!head || head.sentinel !== sentinel) {
      this.#recorder.fail({
        label: "order",
        input: "",
        expected: head?.sentinel ?? "no sentinel",
        got: sentinel,
      });
    } else {
      const problem = syncProblem(head.testCase, head.frames);
      if (problem !== undefined) {
        const input = head.testCase.kind === "text" ? head.testCase.text : "<binary>";
        const expected = head.testCase.kind === "text"
          ? describe(head.testCase.expect)
          : "error bad_frame";
        this.#recorder.fail({
          label: head.testCase.label,
          input,
          expected,
          got: `${problem}: ${JSON.stringify(head.frames)}`,
        });
      }
    }
    this.#wake();
  }

  #onClose(code: number): void {
    if (this.#closing) return;
    this.closedUnexpectedly = true;
    for (const head of this.#inFlight) {
      const input = head.testCase.kind === "text" ? head.testCase.text : "<binary>";
      this.#recorder.fail({
        label: head.testCase.label,
        input,
        expected: "connection stays open",
        got: `closed ${code}`,
      });
    }
    this.#inFlight = [];
    this.#wake();
  }

  #wake(): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const wake of waiters) wake();
  }
}
