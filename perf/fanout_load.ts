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

/** Runs one fan-out load and reports what arrived. */
export async function runFanout(options: FanoutOptions): Promise<FanoutResult> {
  const messages = options.messages;
  const ackEvery = options.ackEvery ?? 1;
  const window = options.windowPerPusher ?? 256;
  const chatId = options.chatId ?? 9000;
  const timeoutMs = options.timeoutMs ?? 120_000;
  const settleMs = options.settleMs ?? 300;
  const pushersListen = options.pushersListen ?? false;
  const rate = options.ratePerSecond;
  const pusherCount = options.pusherUrls.length;
  if (!Number.isInteger(messages) || messages < 1) {
    throw new RangeError("Cannot run fan-out: messages must be an integer >= 1");
  }
  if (pusherCount < 1) throw new RangeError("Cannot run fan-out: no pushing connection");
  if (rate !== undefined && !(rate > 0)) {
    throw new RangeError("Cannot run fan-out: ratePerSecond must be > 0");
  }
  if (!Number.isInteger(ackEvery) || ackEvery < 0 || !(window >= 1)) {
    throw new RangeError("Cannot run fan-out: ackEvery must be >= 0 and windowPerPusher >= 1");
  }

  const runId = newRunId();
  const deadline = AbortSignal.any([
    AbortSignal.timeout(timeoutMs),
    ...(options.signal ? [options.signal] : []),
  ]);
  const latency = createLatencyRecorder(messages);
  const remoteLatency = createLatencyRecorder(messages);
  const ackLatency = createLatencyRecorder(ackEvery > 0 ? Math.ceil(messages / ackEvery) : 1);
  const errorFrames: Record<string, number> = {};
  const closedEarly: Record<string, number> = {};
  let badFrames = 0;
  let foreign = 0;
  let acks = 0;
  let firstSendAt = 0;
  let lastSendAt = 0;
  let lastDeliveryAt = 0;
  let finishing = false;

  const receivers: Receiver[] = [];
  const addReceiver = (url: string) => {
    const receiver: Receiver = {
      url,
      remote: !(options.localUrls?.has(url) ?? false),
      ledger: createDeliveryLedger(messages),
      done: false,
      closed: false,
    };
    receivers.push(receiver);
    return receiver;
  };
  let openReceivers = 0;
  let resolveAllDone!: () => void;
  const allDone = new Promise<void>((resolve) => resolveAllDone = resolve);
  const checkAllDone = () => {
    if (openReceivers === 0) resolveAllDone();
  };

  function onMessage(receiver: Receiver, text: string, now: number) {
    const tag = parseMessageTag(text);
    if (tag === undefined || tag.runId !== runId) {
      foreign++;
      return;
    }
    if (!receiver.ledger.record(tag.index)) return;
    const elapsed = now - tag.sentAtMs;
    latency.record(elapsed);
    if (receiver.remote) remoteLatency.record(elapsed);
    lastDeliveryAt = now;
    if (!receiver.done && receiver.ledger.complete) {
      receiver.done = true;
      openReceivers--;
      checkAllDone();
    }
  }

  function onFrame(receiver: Receiver | undefined, pusher: Pusher | undefined, data: string) {
    const now = epochNowMs();
    if (receiver !== undefined) {
      const text = singleMessageText(data);
      if (text !== undefined) return onMessage(receiver, text, now);
    }
    let frame: { type?: unknown; payload?: unknown };
    try {
      frame = JSON.parse(data);
    } catch {
      errorFrames.unparseable = (errorFrames.unparseable ?? 0) + 1;
      return;
    }
    if (frame.type === "newMessagesForClient") {
      if (receiver === undefined) return;
      const payload = frame.payload as { text?: unknown }[];
      if (!Array.isArray(payload) || payload.length !== 1) badFrames++;
      if (!Array.isArray(payload)) return;
      for (const message of payload) {
        onMessage(receiver, typeof message?.text === "string" ? message.text : "", now);
      }
    } else if (frame.type === "clientMessageResponse") {
      pusher?.onAck(frame.payload as { clientMsgId?: unknown }, now);
    } else if (frame.type === "error") {
      const code = String((frame.payload as { code?: unknown })?.code ?? "unknown");
      errorFrames[code] = (errorFrames[code] ?? 0) + 1;
    }
  }

  // ---- pushers ----
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
    onAck(payload: { clientMsgId?: unknown }, now: number): void;
  }
  let startAtMs = 0;
  const pushers: Pusher[] = Array.from({ length: pusherCount }, (_, offset) => {
    const quota = Math.floor((messages - offset + pusherCount - 1) / pusherCount);
    const pusher: Pusher = {
      offset,
      quota,
      sent: 0,
      acked: 0,
      sentAt: new Map(),
      onAck(payload, now) {
        const entry = typeof payload?.clientMsgId === "string"
          ? pusher.sentAt.get(payload.clientMsgId)
          : undefined;
        if (entry === undefined) return;
        pusher.sentAt.delete(payload.clientMsgId as string);
        acks++;
        ackLatency.record(now - entry.sentAtMs);
        if (entry.ordinal > pusher.acked) pusher.acked = entry.ordinal;
        if (receivers.length === 0 && pushers.every((p) => p.acked === p.quota)) {
          lastDeliveryAt = now;
          resolveAllDone();
        }
        pump(pusher);
      },
    };
    return pusher;
  });

  function pump(pusher: Pusher) {
    const socket = pusher.socket;
    if (socket === undefined || finishing || !socket.isOpen) return;
    const now = epochNowMs();
    while (pusher.sent < pusher.quota) {
      if (ackEvery > 0 && pusher.sent - pusher.acked >= window) return;
      const index = pusher.offset + pusher.sent * pusherCount;
      let sentAtMs = now;
      if (rate !== undefined) {
        // The scheduled time, not the actual one: a late send counts as latency
        // (no coordinated omission).
        sentAtMs = startAtMs + (index * 1000) / rate;
        if (sentAtMs > now) return;
      }
      pusher.sent++;
      const last = pusher.sent === pusher.quota;
      const acked = ackEvery > 0 && (pusher.sent % ackEvery === 0 || last);
      const text = formatMessageTag({ runId, index, sentAtMs });
      // Every part is letters, digits, dots and dashes: no JSON escaping needed.
      let payload = `{"text":"${text}","sender":"perf-${pusher.offset}","chatId":${chatId}`;
      if (acked) {
        const clientMsgId = `${runId}-${index}`;
        payload += `,"clientMsgId":"${clientMsgId}"`;
        pusher.sentAt.set(clientMsgId, { sentAtMs, ordinal: pusher.sent });
      }
      socket.sendText(`{"type":"newMessageFromClient","payload":${payload}}}`);
      if (firstSendAt === 0) firstSendAt = now;
      lastSendAt = now;
    }
  }

  const receiverSockets: RawWebSocket[] = [];
  const pusherSockets: RawWebSocket[] = [];
  const slowSockets: RawWebSocket[] = [];
  const slowClosedWith: Record<string, number> = {};
  let timedOut = false;
  try {
    const receiverList = options.receiverUrls.map(addReceiver);
    const pusherReceivers = options.pusherUrls.map((url) =>
      pushersListen ? addReceiver(url) : undefined
    );
    openReceivers = receivers.length;
    if (openReceivers === 0 && ackEvery === 0) {
      throw new RangeError("Cannot run fan-out: nobody receives and nothing is acknowledged");
    }
    const watchClose = (receiver: Receiver | undefined) => (code: number) => {
      if (receiver === undefined || receiver.closed) return;
      receiver.closed = true;
      if (finishing) return;
      closedEarly[code] = (closedEarly[code] ?? 0) + 1;
      if (!receiver.done) {
        receiver.done = true;
        openReceivers--;
        checkAllDone();
      }
    };
    const connect = { concurrency: options.connectConcurrency ?? 100, signal: deadline };
    slowSockets.push(
      ...await openRawWebSockets(options.slowReaderUrls ?? [], () => ({
        onText: () => {},
        onClose: (code) => {
          if (!finishing) slowClosedWith[code] = (slowClosedWith[code] ?? 0) + 1;
        },
      }), connect),
    );
    for (const socket of slowSockets) socket.pauseReading();
    receiverSockets.push(
      ...await openRawWebSockets(options.receiverUrls, (index) => {
        const receiver = receiverList[index];
        return {
          onText: (text) => onFrame(receiver, undefined, text),
          onClose: watchClose(receiver),
        };
      }, connect),
    );
    pusherSockets.push(
      ...await openRawWebSockets(options.pusherUrls, (index) => {
        const receiver = pusherReceivers[index];
        const receiverClosed = watchClose(receiver);
        return {
          onText: (text) => onFrame(receiver, pushers[index], text),
          onClose(code) {
            receiverClosed(code);
            // A pusher the node closed (a rate limit, a shutdown) ends the run: nothing more comes.
            if (finishing) return;
            closedEarly[`pusher ${code}`] = (closedEarly[`pusher ${code}`] ?? 0) + 1;
            resolveAllDone();
          },
        };
      }, connect),
    );
    pusherSockets.forEach((socket, index) => pushers[index].socket = socket);
    if (!pushersListen) {
      for (const socket of pusherSockets) {
        socket.sendText(JSON.stringify({ type: "subscribe", payload: { chatIds: [] } }));
      }
    }

    startAtMs = epochNowMs();
    let ticker: ReturnType<typeof setInterval> | undefined;
    if (rate !== undefined) ticker = setInterval(() => pushers.forEach(pump), 1);
    else pushers.forEach(pump);
    const aborted = new Promise<void>((resolve) => {
      if (deadline.aborted) resolve();
      deadline.addEventListener("abort", () => resolve());
    });
    await Promise.race([allDone, aborted]);
    if (ticker !== undefined) clearInterval(ticker);
    timedOut = deadline.aborted;
    // Quiet time after the last expected delivery: a late duplicate would show in it.
    if (!timedOut && settleMs > 0) await sleep(settleMs, deadline);
    // A paused reader cannot see its close: read again, and give the close a moment to show.
    if (slowSockets.length > 0) {
      for (const socket of slowSockets) socket.resumeReading();
      const shown = Promise.all(slowSockets.map((socket) => socket.closed));
      let timer: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([shown, new Promise((resolve) => timer = setTimeout(resolve, 5_000))]);
      clearTimeout(timer);
    }
  } finally {
    finishing = true;
    for (const socket of slowSockets) socket.terminate();
    await closeRawWebSockets([...receiverSockets, ...pusherSockets]);
  }

  let deliveries = 0;
  let duplicates = 0;
  let missing = 0;
  for (const receiver of receivers) {
    const counts = receiver.ledger.counts();
    deliveries += counts.unique;
    duplicates += counts.duplicates;
    missing += counts.missing;
    foreign += counts.outOfRange;
  }
  const deliverSeconds = Math.max(0, (lastDeliveryAt - firstSendAt) / 1000);
  const sendSeconds = Math.max(0, (lastSendAt - firstSendAt) / 1000);
  const delivered = Math.min(...receivers.map((r) => r.ledger.unique), messages);
  return {
    runId,
    messages,
    pushers: pusherCount,
    receivers: receivers.length,
    complete: missing === 0 && duplicates === 0 && badFrames === 0 && !timedOut,
    sendSeconds: round3(sendSeconds),
    deliverSeconds: round3(deliverSeconds),
    messagesPerSecond: deliverSeconds > 0 ? Math.round(delivered / deliverSeconds) : 0,
    deliveriesPerSecond: deliverSeconds > 0 ? Math.round(deliveries / deliverSeconds) : 0,
    deliveries,
    expectedDeliveries: messages * receivers.length,
    duplicates,
    missing,
    badFrames,
    foreign,
    acks,
    errorFrames,
    closedEarly,
    slowReaders: { count: slowSockets.length, closedWith: slowClosedWith },
    latency: latency.summarise(),
    remoteLatency: remoteLatency.summarise(),
    ackLatency: ackLatency.summarise(),
    timedOut,
  };
}
