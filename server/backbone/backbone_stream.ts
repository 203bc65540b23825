/**
 * The JetStream side of the backbone: the cluster's stream (created by the
 * first node that finds it missing, with the same configuration on every node),
 * each node's durable consumer, and the last message a node finds of its own in
 * the stream (where its republishing starts).
 *
 * Invariant: nothing here deletes or purges: a stream or consumer that exists is
 * used as it is (an operator's changed retention is kept); a missing one is
 * created again, so a wiped NATS comes back by itself.
 * @module
 */

import {
  AckPolicy,
  DeliverPolicy,
  DiscardPolicy,
  JetStreamApiError,
  type JetStreamManager,
  RetentionPolicy,
  StorageType,
  type StreamConfig,
} from "@nats-io/jetstream";
import { nanos } from "@nats-io/transport-node";
import { type BackboneNames, parseBackboneMessageId } from "../../common/backbone_protocol.ts";
import type { BackboneSettings } from "../config/backbone_settings.ts";

/** JetStream's de-duplication window for Nats-Msg-Id (a restart's republish falls in it). */
export const DUPLICATE_WINDOW_MS = 120_000;
/** Unacknowledged deliveries a consumer may have out: bounds a catch-up's memory. */
export const MAX_ACK_PENDING = 20_000;

export function streamConfig(
  names: BackboneNames,
  settings: BackboneSettings,
): Partial<StreamConfig> & { name: string } {
  return {
    name: names.stream,
    subjects: names.streamSubjects,
    storage: StorageType.File,
    retention: RetentionPolicy.Limits,
    discard: DiscardPolicy.Old,
    max_age: nanos(settings.maxAgeMs),
    duplicate_window: nanos(Math.min(DUPLICATE_WINDOW_MS, settings.maxAgeMs)),
    num_replicas: settings.replicas,
    max_msg_size: 256 * 1024,
  };
}

/** Makes sure the stream exists; "created" when this call made it. */
export async function ensureStream(
  jsm: JetStreamManager,
  names: BackboneNames,
  settings: BackboneSettings,
): Promise<"created" | "found"> {
  try {
    await jsm.streams.info(names.stream);
    return "found";
  } catch (error) {
    if (!isNotFound(error)) throw error;
  }
  try {
    await jsm.streams.add(streamConfig(names, settings));
    return "created";
  } catch (error) {
    // Another node created it in between: fine, as long as it is there now.
    await jsm.streams.info(names.stream).catch(() => {
      throw new Error(`Cannot create stream ${names.stream}: ${String(error)}`, { cause: error });
    });
    return "found";
  }
}

/** The durable consumer's name for a node. */
export function consumerName(nodeId: number): string {
  return `node-${nodeId}`;
}

/** Makes sure node `nodeId`'s durable consumer exists; "created" when this call made it. */
export async function ensureConsumer(
  jsm: JetStreamManager,
  names: BackboneNames,
  nodeId: number,
  settings: BackboneSettings,
): Promise<"created" | "found"> {
  const durable = consumerName(nodeId);
  try {
    await jsm.consumers.info(names.stream, durable);
    return "found";
  } catch (error) {
    if (!isNotFound(error)) throw error;
  }
  await jsm.consumers.add(names.stream, {
    durable_name: durable,
    ack_policy: AckPolicy.All,
    deliver_policy: DeliverPolicy.All,
    max_ack_pending: MAX_ACK_PENDING,
    ack_wait: nanos(60_000),
    // A node away longer than the stream keeps messages starts over (and asks peers).
    inactive_threshold: nanos(settings.maxAgeMs),
  });
  return "created";
}

/** The highest seq of node `nodeId`'s own messages the stream holds (0: none). */
export async function lastPublishedSeq(
  jsm: JetStreamManager,
  names: BackboneNames,
  nodeId: number,
): Promise<number> {
  const stored = await jsm.streams.getMessage(names.stream, {
    last_by_subj: names.messages(nodeId),
  });
  if (!stored) return 0;
  return parseBackboneMessageId(stored.header?.get("Nats-Msg-Id"))?.seq ?? 0;
}

/** True for JetStream's "stream not found" / "consumer not found" answers. */
export function isNotFound(error: unknown): boolean {
  if (error instanceof JetStreamApiError) return error.status === 404;
  return /not found/i.test(String((error as Error)?.message ?? error));
}
