/**
 * All of the discovery's state, in Deno KV: node identities, the live set with
 * deadlines, and a short log of membership events that watch streams replay.
 * Every KV access of the discovery goes through this module.
 *
 * Keys (all under "discovery", so a shared KV stays tidy):
 *   ["discovery", "node_id_counter"]            last id handed out
 *   ["discovery", "nodes", id]                  NodeRecord, forever
 *   ["discovery", "active", id]                 ActiveRecord, expireIn > ttl
 *   ["discovery", "membership_head"]            seq of the newest event
 *   ["discovery", "membership_events", seq]     MembershipEvent, expireIn retention
 *
 * Invariants:
 * - ids are allocated by compare-and-set on the counter, so they are unique forever
 *   even under concurrent registrations, restarts and several isolates.
 * - a node is live only while `deadlineMs` (now + ttl at its last heartbeat) is in
 *   the future: KV expiry is lazy, so every read filters on the stored deadline.
 * - a membership change and its event commit in one atomic operation, so watchers
 *   never see a change without its event, nor an event without its change.
 * @module
 */

import type { ActiveNode, MembershipChangeKind } from "../common/discovery_protocol.ts";
import { sleep } from "../common/abortable_sleep.ts";
import type { Clock } from "../common/clock.ts";
import type { PasswordHash } from "./password_hash.ts";

export interface NodeRecord {
  id: number;
  passwordHash: PasswordHash;
  registeredAtMs: number;
}

/** A live-set entry: what lists show, plus why it is (still) live. */
export interface ActiveRecord extends ActiveNode {
  /** Listed until this wall-clock time; moved forward by every heartbeat. */
  deadlineMs: number;
  lastHeartbeatMs: number;
  /** When this stretch of liveness began (kept across heartbeats). */
  joinedAtMs: number;
}

export interface MembershipEvent {
  /** Position in the membership log; strictly increasing, no gaps. */
  seq: number;
  kind: MembershipChangeKind;
  node: ActiveNode;
  atMs: number;
}

export interface MembershipSnapshot {
  /** Seq of the newest event already reflected in `activeNodes`. */
  position: number;
  activeNodes: ActiveNode[];
}

export interface EventsAfter {
  events: MembershipEvent[];
  /** True when events after the asked position were already dropped: resnapshot. */
  gap: boolean;
}

export interface KvRegistryOptions {
  kv: Deno.Kv;
  clock: Clock;
  ttlMs: number;
  /** How long events stay replayable for watchers that fall behind. @default 600000 */
  eventRetentionMs?: number;
}

export interface KvRegistry {
  /** Stores a new node identity and returns its id, unique forever. */
  registerNode(passwordHash: PasswordHash): Promise<number>;
  getNode(id: number): Promise<NodeRecord | undefined>;
  /**
   * Stores an identity under an id this KV has no record of (a node that outlived its
   * discovery's data) and moves the counter past it, so the id is never handed out again.
   * False when the id has a record already.
   */
  reclaimNode(id: number, passwordHash: PasswordHash): Promise<boolean>;
  /** Login or heartbeat: (re)writes the live entry; an event when membership changed. */
  heartbeat(node: ActiveNode): Promise<MembershipEvent | undefined>;
  /** Removes the live entry; a `left` event when there was one. */
  logout(id: number): Promise<MembershipEvent | undefined>;
  /** Live nodes by id, deadline-filtered. */
  listActive(): Promise<ActiveNode[]>;
  /** Removes entries past their deadline, one `expired` event each. */
  sweepExpired(): Promise<MembershipEvent[]>;
  snapshot(): Promise<MembershipSnapshot>;
  eventsAfter(position: number, limit?: number): Promise<EventsAfter>;
  /** Yields (at least) whenever the membership log grows; cancel it to stop. */
  watchPosition(): ReadableStream<number>;
}

const ROOT = "discovery";
const counterKey: Deno.KvKey = [ROOT, "node_id_counter"];
const headKey: Deno.KvKey = [ROOT, "membership_head"];
const nodeKey = (id: number): Deno.KvKey => [ROOT, "nodes", id];
const activeKey = (id: number): Deno.KvKey => [ROOT, "active", id];
const activePrefix: Deno.KvKey = [ROOT, "active"];
const eventKey = (seq: number): Deno.KvKey => [ROOT, "membership_events", seq];

const MAX_ATTEMPTS = 500;

/** A short random pause before retrying a compare-and-set that lost a race. */
function backoff(attempt: number): Promise<void> {
  return sleep(Math.random() * Math.min(50, 1 + attempt));
}

/** The public view of a live entry (what lists and events carry). */
export function toActiveNode(record: ActiveNode): ActiveNode {
  const node: ActiveNode = {
    id: record.id,
    address: record.address,
    syncport: record.syncport,
    clientport: record.clientport,
    load: record.load,
  };
  if (record.syncaddress !== undefined) node.syncaddress = record.syncaddress;
  if (record.region !== undefined) node.region = record.region;
  if (record.tls === true) node.tls = true;
  if (record.transport !== undefined) node.transport = record.transport;
  return node;
}

function sameEndpoint(a: ActiveNode, b: ActiveNode): boolean {
  return a.address === b.address && a.syncport === b.syncport &&
    a.clientport === b.clientport && a.syncaddress === b.syncaddress && a.tls === b.tls &&
    a.transport === b.transport;
}

export function createKvRegistry(options: KvRegistryOptions): KvRegistry {
  return new DenoKvRegistry(options);
}

/** The KvRegistry on Deno KV: one method per query, each a compare-and-set with retries. */
class DenoKvRegistry implements KvRegistry {
  #kv: Deno.Kv;
  #clock: Clock;
  #ttlMs: number;
  #retentionMs: number;
  /**
   * Long enough that a sweep normally sees the entry (and emits `expired`) before
   * KV drops it; reads never rely on it, they check deadlineMs.
   */
  #activeExpireInMs: number;

  constructor(options: KvRegistryOptions) {
    if (!(options.ttlMs > 0)) {
      throw new RangeError("Cannot create the registry: ttlMs must be positive");
    }
    this.#kv = options.kv;
    this.#clock = options.clock;
    this.#ttlMs = options.ttlMs;
    this.#retentionMs = options.eventRetentionMs ?? 600_000;
    this.#activeExpireInMs = 3 * options.ttlMs + 60_000;
  }

  async registerNode(passwordHash: PasswordHash): Promise<number> {
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const counter = await this.#kv.get<number>(counterKey);
      const id = (counter.value ?? 0) + 1;
      const record: NodeRecord = { id, passwordHash, registeredAtMs: this.#clock.nowMs() };
      const result = await this.#kv.atomic()
        .check(counter)
        .check({ key: nodeKey(id), versionstamp: null })
        .set(counterKey, id)
        .set(nodeKey(id), record)
        .commit();
      if (result.ok) return id;
      await backoff(attempt);
    }
    throw new Error("Cannot register a node: the id counter stayed contended");
  }

  async reclaimNode(id: number, passwordHash: PasswordHash): Promise<boolean> {
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const [counter, existing] = await this.#kv.getMany<[number, NodeRecord]>([
        counterKey,
        nodeKey(id),
      ]);
      if (existing.value !== null) return false;
      const record: NodeRecord = { id, passwordHash, registeredAtMs: this.#clock.nowMs() };
      const result = await this.#kv.atomic()
        .check(counter)
        .check(existing)
        .set(counterKey, Math.max(counter.value ?? 0, id))
        .set(nodeKey(id), record)
        .commit();
      if (result.ok) return true;
      await backoff(attempt);
    }
    throw new Error(`Cannot reclaim node id ${id}: the id counter stayed contended`);
  }

  async getNode(id: number): Promise<NodeRecord | undefined> {
    return (await this.#kv.get<NodeRecord>(nodeKey(id))).value ?? undefined;
  }

  async heartbeat(node: ActiveNode): Promise<MembershipEvent | undefined> {
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const [current, head] = await this.#kv.getMany<[ActiveRecord, number]>([
        activeKey(node.id),
        headKey,
      ]);
      const now = this.#clock.nowMs();
      const wasLive = current.value !== null && current.value.deadlineMs > now;
      const record: ActiveRecord = {
        ...toActiveNode(node),
        deadlineMs: now + this.#ttlMs,
        lastHeartbeatMs: now,
        joinedAtMs: wasLive ? current.value!.joinedAtMs : now,
      };
      const op = this.#kv.atomic()
        .check(current)
        .set(activeKey(node.id), record, { expireIn: this.#activeExpireInMs });
      const changed = !wasLive || !sameEndpoint(current.value!, node);
      const event = changed ? this.#appendEvent(op, head, "joined", record) : undefined;
      if ((await op.commit()).ok) return event;
      await backoff(attempt);
    }
    throw new Error(`Cannot record a heartbeat of node ${node.id}: its entry stayed contended`);
  }

  async logout(id: number): Promise<MembershipEvent | undefined> {
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const [current, head] = await this.#kv.getMany<[ActiveRecord, number]>([
        activeKey(id),
        headKey,
      ]);
      if (current.value === null) return undefined;
      const op = this.#kv.atomic().check(current).delete(activeKey(id));
      const event = this.#appendEvent(op, head, "left", current.value);
      if ((await op.commit()).ok) return event;
      await backoff(attempt);
    }
    throw new Error(`Cannot log out node ${id}: its entry stayed contended`);
  }

  async listActive(): Promise<ActiveNode[]> {
    const now = this.#clock.nowMs();
    return (await this.#listActiveRecords())
      .filter((entry) => entry.value.deadlineMs > now)
      .map((entry) => toActiveNode(entry.value));
  }

  async sweepExpired(): Promise<MembershipEvent[]> {
    const now = this.#clock.nowMs();
    const events: MembershipEvent[] = [];
    for (const entry of await this.#listActiveRecords()) {
      if (entry.value.deadlineMs > now) continue;
      const event = await this.#expireOne(entry);
      if (event) events.push(event);
    }
    return events;
  }

  async snapshot(): Promise<MembershipSnapshot> {
    // The log position read before and after the list brackets it: when equal, no
    // membership change happened in between, so the pair is consistent.
    let snapshot: MembershipSnapshot | undefined;
    for (let attempt = 0; attempt < 5; attempt++) {
      const before = (await this.#kv.get<number>(headKey)).value ?? 0;
      const activeNodes = await this.listActive();
      const after = (await this.#kv.get<number>(headKey)).value ?? 0;
      snapshot = { position: before, activeNodes };
      if (before === after) return snapshot;
    }
    // Still moving: replaying from `before` repeats some changes, which are idempotent.
    return snapshot!;
  }

  async eventsAfter(position: number, limit = 1000): Promise<EventsAfter> {
    const events: MembershipEvent[] = [];
    const iterator = this.#kv.list<MembershipEvent>(
      { start: eventKey(position + 1), end: eventKey(Number.MAX_SAFE_INTEGER) },
      { limit },
    );
    for await (const entry of iterator) events.push(entry.value);
    const head = (await this.#kv.get<number>(headKey)).value ?? 0;
    const gap = head > position && (events.length === 0 || events[0].seq !== position + 1);
    return { events, gap };
  }

  watchPosition(): ReadableStream<number> {
    return this.#kv.watch<[number]>([headKey]).pipeThrough(
      new TransformStream<[Deno.KvEntryMaybe<number>], number>({
        transform([head], controller) {
          controller.enqueue(head.value ?? 0);
        },
      }),
    );
  }

  /** Adds "append this event" to `op`, guarded by the head's versionstamp. */
  #appendEvent(
    op: Deno.AtomicOperation,
    head: Deno.KvEntryMaybe<number>,
    kind: MembershipChangeKind,
    node: ActiveNode,
  ): MembershipEvent {
    const event: MembershipEvent = {
      seq: (head.value ?? 0) + 1,
      kind,
      node: toActiveNode(node),
      atMs: this.#clock.nowMs(),
    };
    op.check(head)
      .set(headKey, event.seq)
      .set(eventKey(event.seq), event, { expireIn: this.#retentionMs });
    return event;
  }

  async #listActiveRecords(): Promise<Deno.KvEntry<ActiveRecord>[]> {
    const entries: Deno.KvEntry<ActiveRecord>[] = [];
    for await (const entry of this.#kv.list<ActiveRecord>({ prefix: activePrefix })) {
      entries.push(entry);
    }
    return entries;
  }

  async #expireOne(entry: Deno.KvEntry<ActiveRecord>): Promise<MembershipEvent | undefined> {
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const [current, head] = await this.#kv.getMany<[ActiveRecord, number]>([entry.key, headKey]);
      if (current.value === null || current.value.deadlineMs > this.#clock.nowMs()) {
        return undefined;
      }
      const op = this.#kv.atomic().check(current).delete(entry.key);
      const event = this.#appendEvent(op, head, "expired", current.value);
      if ((await op.commit()).ok) return event;
      await backoff(attempt);
    }
    return undefined; // another sweeper keeps winning; it emits the event
  }
}
