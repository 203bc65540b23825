/**
 * The WebSocket fan-out load generator: P pushing connections send N
 * messages (at full speed or at a fixed rate), R receiving connections spread
 * over the nodes check that each message arrives exactly once and measure its
 * end-to-end latency from the send time written in its text.
 *
 * Invariant: every loop here is bounded by N messages and by timeoutMs, stops
 * on the AbortSignal, and closes every socket it opened before returning. A
 * message is counted as delivered to a receiver only on its first arrival;
 * every later arrival is a duplicate, never silently ignored.
 * @module
 */

import { sleep } from "../common/abortable_sleep.ts";
import { createDeliveryLedger, type DeliveryLedger } from "./delivery_ledger.ts";
import { createLatencyRecorder, round3 } from "./latency_summary.ts";
import { epochNowMs, formatMessageTag, newRunId, parseMessageTag } from "./message_tag.ts";
import type { FanoutOptions, FanoutResult } from "./fanout_options.ts";
import { singleMessageText } from "./single_message_text.ts";
import { closeRawWebSockets, openRawWebSockets, type RawWebSocket } from "./raw_websocket.ts";

export type { FanoutOptions, FanoutResult } from "./fanout_options.ts";

interface Receiver {
  url: string;
  remote: boolean;
  ledger: DeliveryLedger;
  done: boolean;
  closed: boolean;
}

interface Pusher {
  socket?: RawWebSocket;
  /** Global indexes this pusher sends: offset, offset + P, ... */
  offset: number;
  quota: number;
  /** Count of this pusher's messages sent so far. */
  sent: number;
  /** Count of this pusher's messages covered by an ack (in-order processing per connection). */
  acked: number;
  sentAt: Map<string, { sentAtMs: number; ordinal: number }>;
}

/** The options, checked, with their defaults. */
function settings(options: FanoutOptions) {
  const checked = {
    messages: options.messages,
    ackEvery: options.ackEvery ?? 1,
    window: options.windowPerPusher ?? 256,
    chatId: options.chatId ?? 9000,
    settleMs: options.settleMs ?? 300,
    pushersListen: options.pushersListen ?? false,
    rate: options.ratePerSecond,
    pusherCount: options.pusherUrls.length,
  };
  if (!Number.isInteger(checked.messages) || checked.messages < 1) {
    throw new RangeError("Cannot run fan-out: messages must be an integer >= 1");
  }
  if (checked.pusherCount < 1) throw new RangeError("Cannot run fan-out: no pushing connection");
  if (checked.rate !== undefined && !(checked.rate > 0)) {
    throw new RangeError("Cannot run fan-out: ratePerSecond must be > 0");
  }
  if (!Number.isInteger(checked.ackEvery) || checked.ackEvery < 0 || !(checked.window >= 1)) {
    throw new RangeError("Cannot run fan-out: ackEvery must be >= 0 and windowPerPusher >= 1");
  }
  return checked;
}

const increment = (counts: Record<string, number>, key: string | number) => {
  counts[key] = (counts[key] ?? 0) + 1;
};

/** Runs one fan-out load and reports what arrived. */
export async function runFanout(options: FanoutOptions): Promise<FanoutResult> {
  const run = new FanoutRun(options);
  await run.run();
  return run.result();
}

/** One run: its connections, what each receiver got, what each pusher sent and had acked. */
class FanoutRun {
  readonly runId = newRunId();
  #options: FanoutOptions;
  #settings: ReturnType<typeof settings>;
  #deadline: AbortSignal;
  #latency;
  #remoteLatency;
  #ackLatency;
  #errorFrames: Record<string, number> = {};
  #closedEarly: Record<string, number> = {};
  #slowClosedWith: Record<string, number> = {};
  #badFrames = 0;
  #foreign = 0;
  #acks = 0;
  #firstSendAt = 0;
  #lastSendAt = 0;
  #lastDeliveryAt = 0;
  #startAtMs = 0;
  #finishing = false;
  #timedOut = false;
  #receivers: Receiver[] = [];
  #pushers: Pusher[];
  #openReceivers = 0;
  #allDone: Promise<void>;
  #resolveAllDone!: () => void;
  #sockets = { receivers: [] as RawWebSocket[], pushers: [] as RawWebSocket[] };
  #slowSockets: RawWebSocket[] = [];

  constructor(options: FanoutOptions) {
    this.#options = options;
    this.#settings = settings(options);
    const { messages, ackEvery, pusherCount } = this.#settings;
    this.#deadline = AbortSignal.any([
      AbortSignal.timeout(options.timeoutMs ?? 120_000),
      ...(options.signal ? [options.signal] : []),
    ]);
    this.#latency = createLatencyRecorder(messages);
    this.#remoteLatency = createLatencyRecorder(messages);
    this.#ackLatency = createLatencyRecorder(ackEvery > 0 ? Math.ceil(messages / ackEvery) : 1);
    this.#allDone = new Promise<void>((resolve) => this.#resolveAllDone = resolve);
    this.#pushers = Array.from({ length: pusherCount }, (_, offset) => ({
      offset,
      quota: Math.floor((messages - offset + pusherCount - 1) / pusherCount),
      sent: 0,
      acked: 0,
      sentAt: new Map(),
    }));
  }

  async run(): Promise<void> {
    try {
      await this.#openAll();
      this.#startAtMs = epochNowMs();
      let ticker: ReturnType<typeof setInterval> | undefined;
      const pumpAll = () => this.#pushers.forEach((pusher) => this.#pump(pusher));
      if (this.#settings.rate !== undefined) ticker = setInterval(pumpAll, 1);
      else pumpAll();
      const aborted = new Promise<void>((resolve) => {
        if (this.#deadline.aborted) resolve();
        this.#deadline.addEventListener("abort", () => resolve());
      });
      await Promise.race([this.#allDone, aborted]);
      if (ticker !== undefined) clearInterval(ticker);
      this.#timedOut = this.#deadline.aborted;
      // Quiet time after the last expected delivery: a late duplicate would show in it.
      const { settleMs } = this.#settings;
      if (!this.#timedOut && settleMs > 0) await sleep(settleMs, this.#deadline);
      await this.#showSlowReaderCloses();
    } finally {
      this.#finishing = true;
      for (const socket of this.#slowSockets) socket.terminate();
      await closeRawWebSockets([...this.#sockets.receivers, ...this.#sockets.pushers]);
    }
  }

  result(): FanoutResult {
    const totals = { deliveries: 0, duplicates: 0, missing: 0 };
    for (const receiver of this.#receivers) {
      const counts = receiver.ledger.counts();
      totals.deliveries += counts.unique;
      totals.duplicates += counts.duplicates;
      totals.missing += counts.missing;
      this.#foreign += counts.outOfRange;
    }
    const { messages } = this.#settings;
    const deliverSeconds = Math.max(0, (this.#lastDeliveryAt - this.#firstSendAt) / 1000);
    const sendSeconds = Math.max(0, (this.#lastSendAt - this.#firstSendAt) / 1000);
    const delivered = Math.min(...this.#receivers.map((r) => r.ledger.unique), messages);
    const perSecond = (count: number) =>
      deliverSeconds > 0 ? Math.round(count / deliverSeconds) : 0;
    return {
      runId: this.runId,
      messages,
      pushers: this.#settings.pusherCount,
      receivers: this.#receivers.length,
      complete: totals.missing === 0 && totals.duplicates === 0 && this.#badFrames === 0 &&
        !this.#timedOut,
      sendSeconds: round3(sendSeconds),
      deliverSeconds: round3(deliverSeconds),
      messagesPerSecond: perSecond(delivered),
      deliveriesPerSecond: perSecond(totals.deliveries),
      ...totals,
      expectedDeliveries: messages * this.#receivers.length,
      badFrames: this.#badFrames,
      foreign: this.#foreign,
      acks: this.#acks,
      errorFrames: this.#errorFrames,
      closedEarly: this.#closedEarly,
      slowReaders: { count: this.#slowSockets.length, closedWith: this.#slowClosedWith },
      latency: this.#latency.summarise(),
      remoteLatency: this.#remoteLatency.summarise(),
      ackLatency: this.#ackLatency.summarise(),
      timedOut: this.#timedOut,
    };
  }

  #addReceiver(url: string): Receiver {
    const receiver: Receiver = {
      url,
      remote: !(this.#options.localUrls?.has(url) ?? false),
      ledger: createDeliveryLedger(this.#settings.messages),
      done: false,
      closed: false,
    };
    this.#receivers.push(receiver);
    return receiver;
  }

  #receiverDone(receiver: Receiver): void {
    if (receiver.done) return;
    receiver.done = true;
    this.#openReceivers--;
    if (this.#openReceivers === 0) this.#resolveAllDone();
  }

  /** Slow readers first (paused at once), then receivers, then pushers. */
  async #openAll(): Promise<void> {
    const options = this.#options;
    const receiverList = options.receiverUrls.map((url) => this.#addReceiver(url));
    const pusherReceivers = options.pusherUrls.map((url) =>
      this.#settings.pushersListen ? this.#addReceiver(url) : undefined
    );
    this.#openReceivers = this.#receivers.length;
    if (this.#openReceivers === 0 && this.#settings.ackEvery === 0) {
      throw new RangeError("Cannot run fan-out: nobody receives and nothing is acknowledged");
    }
    const connect = { concurrency: options.connectConcurrency ?? 100, signal: this.#deadline };
    this.#slowSockets.push(
      ...await openRawWebSockets(options.slowReaderUrls ?? [], () => ({
        onText: () => {},
        onClose: (code) => {
          if (!this.#finishing) increment(this.#slowClosedWith, code);
        },
      }), connect),
    );
    for (const socket of this.#slowSockets) socket.pauseReading();
    this.#sockets.receivers.push(
      ...await openRawWebSockets(options.receiverUrls, (index) => ({
        onText: (text) => this.#onFrame(receiverList[index], undefined, text),
        onClose: (code) => this.#receiverClosed(receiverList[index], code),
      }), connect),
    );
    this.#sockets.pushers.push(
      ...await openRawWebSockets(options.pusherUrls, (index) => ({
        onText: (text) => this.#onFrame(pusherReceivers[index], this.#pushers[index], text),
        onClose: (code) => this.#pusherClosed(pusherReceivers[index], code),
      }), connect),
    );
    this.#sockets.pushers.forEach((socket, index) => this.#pushers[index].socket = socket);
    if (!this.#settings.pushersListen) {
      for (const socket of this.#sockets.pushers) {
        socket.sendText(JSON.stringify({ type: "subscribe", payload: { chatIds: [] } }));
      }
    }
  }

  #receiverClosed(receiver: Receiver | undefined, code: number): void {
    if (receiver === undefined || receiver.closed) return;
    receiver.closed = true;
    if (this.#finishing) return;
    increment(this.#closedEarly, code);
    this.#receiverDone(receiver);
  }

  /** A pusher the node closed (a rate limit, a shutdown) ends the run: nothing more comes. */
  #pusherClosed(receiver: Receiver | undefined, code: number): void {
    this.#receiverClosed(receiver, code);
    if (this.#finishing) return;
    increment(this.#closedEarly, `pusher ${code}`);
    this.#resolveAllDone();
  }

  /** A paused reader cannot see its close: read again, and give the close a moment to show. */
  async #showSlowReaderCloses(): Promise<void> {
    if (this.#slowSockets.length === 0) return;
    for (const socket of this.#slowSockets) socket.resumeReading();
    const shown = Promise.all(this.#slowSockets.map((socket) => socket.closed));
    const done = new AbortController();
    await Promise.race([shown, sleep(5_000, done.signal)]);
    done.abort();
  }

  #onMessage(receiver: Receiver, text: string, now: number): void {
    const tag = parseMessageTag(text);
    if (tag === undefined || tag.runId !== this.runId) {
      this.#foreign++;
      return;
    }
    if (!receiver.ledger.record(tag.index)) return;
    const elapsed = now - tag.sentAtMs;
    this.#latency.record(elapsed);
    if (receiver.remote) this.#remoteLatency.record(elapsed);
    this.#lastDeliveryAt = now;
    if (receiver.ledger.complete) this.#receiverDone(receiver);
  }

  #onFrame(receiver: Receiver | undefined, pusher: Pusher | undefined, data: string): void {
    const now = epochNowMs();
    if (receiver !== undefined) {
      const text = singleMessageText(data);
      if (text !== undefined) return this.#onMessage(receiver, text, now);
    }
    let frame: { type?: unknown; payload?: unknown };
    try {
      frame = JSON.parse(data);
    } catch {
      increment(this.#errorFrames, "unparseable");
      return;
    }
    if (frame.type === "newMessagesForClient") {
      if (receiver === undefined) return;
      const payload = frame.payload as { text?: unknown }[];
      if (!Array.isArray(payload) || payload.length !== 1) this.#badFrames++;
      if (!Array.isArray(payload)) return;
      for (const message of payload) {
        this.#onMessage(receiver, typeof message?.text === "string" ? message.text : "", now);
      }
    } else if (frame.type === "clientMessageResponse") {
      if (pusher) this.#onAck(pusher, frame.payload as { clientMsgId?: unknown }, now);
    } else if (frame.type === "error") {
      increment(
        this.#errorFrames,
        String((frame.payload as { code?: unknown })?.code ?? "unknown"),
      );
    }
  }

  #onAck(pusher: Pusher, payload: { clientMsgId?: unknown }, now: number): void {
    const entry = typeof payload?.clientMsgId === "string"
      ? pusher.sentAt.get(payload.clientMsgId)
      : undefined;
    if (entry === undefined) return;
    pusher.sentAt.delete(payload.clientMsgId as string);
    this.#acks++;
    this.#ackLatency.record(now - entry.sentAtMs);
    if (entry.ordinal > pusher.acked) pusher.acked = entry.ordinal;
    if (this.#receivers.length === 0 && this.#pushers.every((p) => p.acked === p.quota)) {
      this.#lastDeliveryAt = now;
      this.#resolveAllDone();
    }
    this.#pump(pusher);
  }

  /** Sends what the window (and, at a fixed rate, the schedule) allows now. */
  #pump(pusher: Pusher): void {
    const socket = pusher.socket;
    if (socket === undefined || this.#finishing || !socket.isOpen) return;
    const { ackEvery, window, rate, pusherCount, chatId } = this.#settings;
    const now = epochNowMs();
    while (pusher.sent < pusher.quota) {
      if (ackEvery > 0 && pusher.sent - pusher.acked >= window) return;
      const index = pusher.offset + pusher.sent * pusherCount;
      let sentAtMs = now;
      if (rate !== undefined) {
        // The scheduled time, not the actual one: a late send counts as latency
        // (no coordinated omission).
        sentAtMs = this.#startAtMs + (index * 1000) / rate;
        if (sentAtMs > now) return;
      }
      pusher.sent++;
      const last = pusher.sent === pusher.quota;
      const acked = ackEvery > 0 && (pusher.sent % ackEvery === 0 || last);
      const text = formatMessageTag({ runId: this.runId, index, sentAtMs });
      // Every part is letters, digits, dots and dashes: no JSON escaping needed.
      let payload = `{"text":"${text}","sender":"perf-${pusher.offset}","chatId":${chatId}`;
      if (acked) {
        const clientMsgId = `${this.runId}-${index}`;
        payload += `,"clientMsgId":"${clientMsgId}"`;
        pusher.sentAt.set(clientMsgId, { sentAtMs, ordinal: pusher.sent });
      }
      socket.sendText(`{"type":"newMessageFromClient","payload":${payload}}}`);
      if (this.#firstSendAt === 0) this.#firstSendAt = now;
      this.#lastSendAt = now;
    }
  }
}
