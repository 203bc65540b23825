/**
 * Reads the cluster's stream through this node's durable consumer and hands
 * every message and chat to the core through the same entry path as a peer's
 * (`acceptRemote`, `acceptRemoteChats`). Deliveries are batched per turn of the
 * event loop and acknowledged (AckPolicy.All: the last one acknowledges the
 * batch) only after the batch is committed, so a node killed mid-batch gets it
 * again. A missing stream or consumer (a wiped or restarted NATS, a consumer
 * expired while the node was away) is created again and reading resumes.
 * A delivery holds one message (object form) or a batch (packed runs,
 * backbone_publisher.ts); the node's own deliveries are skipped unread (it
 * holds them: they come back only because one consumer reads every subject).
 *
 * Invariant: nothing is acknowledged before its commit; a delivery without a
 * valid cluster proof, or whose messages name another origin than its subject,
 * is dropped whole (and acknowledged, so it is not redelivered forever).
 * @module
 */

import type {
  ConsumerMessages,
  JetStreamClient,
  JetStreamManager,
  JsMsg,
} from "@nats-io/jetstream";
import { type BackboneNames, parseSubject } from "../../common/backbone_protocol.ts";
import { backoffDelayMs } from "../../common/backoff.ts";
import { parseChatMessage } from "../../common/chat_message.ts";
import { parsePackedRuns } from "../../common/packed_messages.ts";
import { parsePeerFrame, type PeerChat, PeerFrameType } from "../../common/peer_protocol.ts";
import type { ChatMessage } from "../../common/protocol.ts";
import type { BackboneSettings } from "../config/backbone_settings.ts";
import { sleep } from "../../common/abortable_sleep.ts";
import { revealsGap } from "../mesh/peer_link.ts";
import type { Logger } from "../../common/logger.ts";
import type { ReplicaNode } from "../replication/replicator.ts";
import { BACKBONE_AUTH_HEADER, type BackboneAuth } from "./backbone_auth.ts";
import { consumerName, ensureConsumer, ensureStream } from "./backbone_stream.ts";

export interface BackboneConsumerOptions {
  node: Pick<ReplicaNode, "nodeId" | "vector" | "acceptRemote" | "acceptRemoteChats">;
  js: JetStreamClient;
  jsm: JetStreamManager;
  names: BackboneNames;
  auth: BackboneAuth;
  settings: BackboneSettings;
  log: Logger;
  /** A stored batch left a gap (the stream lost something): ask a peer now. */
  onGap: (origins: number[]) => void;
  /** The consumer was created anew (first start, or the old one is gone): ask for chats. */
  onFreshConsumer: () => void;
}

/** Deliveries buffered ahead of the node, per pull. */
const PULL_MESSAGES = 1000;
/** A batch is handed to the core at this size even within one turn. */
const BATCH_MAX = 1000;
/** Notifications after which the current pull is abandoned and rebuilt. */
const REBUILD_ON = new Set(["consumer_deleted", "consumer_not_found", "stream_not_found"]);

export class BackboneConsumer {
  #options: BackboneConsumerOptions;
  #stop = new AbortController();
  #messages: ConsumerMessages | undefined;
  #pending: JsMsg[] = [];
  #flushScheduled = false;
  #storing: Promise<void> = Promise.resolve();
  #dropped = 0;
  #loop: Promise<void> | undefined;

  constructor(options: BackboneConsumerOptions) {
    this.#options = options;
  }

  start(): void {
    this.#loop ??= this.#run();
  }

  async close(): Promise<void> {
    this.#stop.abort();
    await this.#messages?.close().catch(() => {});
    await this.#loop?.catch(() => {});
    await this.#storing.catch(() => {});
  }

  async #run(): Promise<void> {
    const { js, jsm, names, node, settings, log } = this.#options;
    let failures = 0;
    while (!this.#stop.signal.aborted) {
      try {
        if (await ensureStream(jsm, names, settings) === "created") {
          log.info("backbone stream created", {
            stream: names.stream,
            replicas: settings.replicas,
          });
        }
        if (await ensureConsumer(jsm, names, node.nodeId, settings) === "created") {
          log.info("backbone consumer created", { consumer: consumerName(node.nodeId) });
          this.#options.onFreshConsumer();
        }
        const consumer = await js.consumers.get(names.stream, consumerName(node.nodeId));
        const messages = await consumer.consume({ max_messages: PULL_MESSAGES });
        this.#messages = messages;
        if (this.#stop.signal.aborted) break;
        if (failures > 0) log.info("backbone consumer reading again", { failures });
        failures = 0;
        void this.#watch(messages);
        for await (const message of messages) this.#receive(message);
      } catch (error) {
        if (this.#stop.signal.aborted) break;
        if (failures === 0 || failures % 20 === 0) {
          log.warn("Cannot read the backbone stream", {
            error: String((error as Error)?.message ?? error),
            failures,
          });
        }
        failures += 1;
      }
      await sleep(
        backoffDelayMs(Math.min(failures, 10), { baseMs: 200, maxMs: 5000 }),
        this.#stop.signal,
      );
    }
  }

  /** Closes the pull when JetStream says its consumer or stream is gone (the loop rebuilds it). */
  async #watch(messages: ConsumerMessages): Promise<void> {
    for await (const status of messages.status()) {
      const missedTwice = status.type === "heartbeats_missed" && status.count >= 2;
      if (REBUILD_ON.has(status.type) || missedTwice) {
        this.#options.log.warn("backbone consumer lost, rebuilding", { reason: status.type });
        await messages.close().catch(() => {});
        return;
      }
    }
  }

  #receive(message: JsMsg): void {
    this.#pending.push(message);
    if (this.#pending.length >= BATCH_MAX) this.#flush();
    else if (!this.#flushScheduled) {
      this.#flushScheduled = true;
      setImmediate(() => this.#flush());
    }
  }

  #flush(): void {
    this.#flushScheduled = false;
    const batch = this.#pending;
    this.#pending = [];
    if (batch.length === 0) return;
    const { messages, chats } = this.#decode(batch);
    const { node } = this.#options;
    // Chained: batches commit and are acknowledged in delivery order.
    this.#storing = this.#storing.then(async () => {
      const [outcome] = await Promise.all([
        messages.length > 0 ? node.acceptRemote(messages) : undefined,
        chats.length > 0 ? node.acceptRemoteChats(chats) : undefined,
      ]);
      batch[batch.length - 1].ack();
      // A gap the node made by refusing a message (remote_screen.ts) is not asked for again here.
      const refused = new Set(outcome?.refused.map((refusal) => refusal.nodeId));
      const wanted = (origin: number) => !refused.has(origin);
      if (revealsGap(messages, node.vector(), wanted)) {
        const vector = node.vector();
        const origins = [...new Set(messages.map((m) => m.nodeId))]
          .filter((origin) =>
            wanted(origin) &&
            messages.some((m) => m.nodeId === origin && m.seq > (vector[origin] ?? 0))
          );
        this.#options.onGap(origins);
      }
    }).catch((error) => {
      // Not acknowledged: JetStream delivers the batch again after ack_wait.
      this.#options.log.warn("backbone batch not stored", { error: String(error) });
    });
  }

  /** The valid messages and chats of a batch; the rest is dropped (counted, logged rarely). */
  #decode(batch: JsMsg[]): { messages: ChatMessage[]; chats: PeerChat[] } {
    const { names, auth, node } = this.#options;
    const messages: ChatMessage[] = [];
    const chats: PeerChat[] = [];
    for (const delivery of batch) {
      const origin = parseSubject(names, delivery.subject);
      if (origin?.nodeId === node.nodeId) continue; // our own: stored here already
      const proof = delivery.headers?.get(BACKBONE_AUTH_HEADER);
      let kept = false;
      if (origin && auth.verify(delivery.subject, delivery.data, proof, false)) {
        const text = delivery.string();
        if (origin.kind === "msg") {
          const decoded = parseJson(text, parseDelivery);
          if (decoded && decoded.every((m) => m.nodeId === origin.nodeId)) {
            for (const message of decoded) messages.push(message);
            kept = true;
          }
        } else if (origin.kind === "chat") {
          const frame = parsePeerFrame(text);
          if (frame.ok && frame.value.type === PeerFrameType.chats) {
            chats.push(...frame.value.payload.chats);
            kept = true;
          }
        }
      }
      if (!kept) this.#drop(delivery.subject);
    }
    return { messages, chats };
  }

  #drop(subject: string): void {
    if (this.#dropped % 100 === 0) {
      this.#options.log.warn("backbone delivery refused", { subject, dropped: this.#dropped + 1 });
    }
    this.#dropped += 1;
  }
}

/** A message delivery: a batch of packed runs, or one message in the object form. */
function parseDelivery(value: unknown): { ok: true; value: ChatMessage[] } | { ok: false } {
  if (Array.isArray(value)) return parsePackedRuns(value);
  const message = parseChatMessage(value);
  return message.ok ? { ok: true, value: [message.value] } : message;
}

function parseJson<T>(
  text: string,
  parse: (value: unknown) => { ok: true; value: T } | { ok: false },
): T | null {
  try {
    const parsed = parse(JSON.parse(text));
    return parsed.ok ? parsed.value : null;
  } catch {
    return null;
  }
}
