/**
 * The hub's rules on plain fake sockets and a manual clock: per-topic counts, slow readers
 * dropped, quiet clients pinged then closed, shutdown (client_hub_test.ts covers the resume gate
 * over a fake pub/sub).
 */
import { afterEach, describe, expect, test } from "bun:test";
import { createManualClock } from "../../common/clock.ts";
import { CloseCode } from "../../common/errors.ts";
import { silentLogger } from "../../common/logger.ts";
import { waitUntil } from "../../common/testing/wait_until.ts";
import { ChatNode } from "../core/chat_node.ts";
import { ALL_CHATS_TOPIC, chatTopic } from "../core/delivery_topics.ts";
import { MetricsRegistry, registerNodeMetrics } from "../observability/metrics_registry.ts";
import { MemoryMessageStore } from "../store/memory_message_store.ts";
import { FakeSocket } from "../testing/fake_socket.ts";
import { ClientHub, type HubClient } from "./client_hub.ts";
import { ClientSession } from "./client_session.ts";

const IDLE_MS = 10_000;
const SLOW_BYTES = 1000;
const hubs: ClientHub[] = [];

afterEach(() => {
  for (const hub of hubs.splice(0)) hub.close();
});

function setup() {
  const clock = createManualClock(0);
  const registry = new MetricsRegistry();
  const metrics = registerNodeMetrics(registry);
  const publishedToTopic: Array<{ topic: string; text: string }> = [];
  const hub = new ClientHub({
    publishToTopic: (topic, text) => publishedToTopic.push({ topic, text }),
    metrics,
    logger: silentLogger,
    slowReaderBytes: SLOW_BYTES,
    idleTimeoutMs: IDLE_MS,
    clock,
  });
  hubs.push(hub);
  const node = new ChatNode({
    store: new MemoryMessageStore(),
    nodeId: 1,
    metrics,
    publisher: { publish: (topic, text) => hub.publish(topic, text) },
  });
  const rateLimit = { perSecond: 1000, burst: 1000, strikesBeforeClose: 3 };
  /** One connection as the transport makes it: hub record, session, open. */
  function connect(): { socket: FakeSocket; client: HubClient; session: ClientSession } {
    const socket = new FakeSocket();
    const client = hub.add(socket);
    const session = new ClientSession(hub.socketOf(client), {
      node,
      metrics,
      logger: silentLogger,
      rateLimit,
    });
    client.session = session;
    session.open();
    return { socket, client, session };
  }
  /** What the transport does when a socket closed. */
  function disconnect(connection: { client: HubClient; session: ClientSession }): void {
    hub.remove(connection.client);
    connection.session.closed();
  }
  return { hub, clock, registry, publishedToTopic, connect, disconnect };
}

describe("ClientHub", () => {
  test("topicCount() counts open connections per topic, through subscribe and close", () => {
    const { hub, connect, disconnect } = setup();
    const a = connect();
    const b = connect();
    expect(hub.size).toBe(2);
    expect(hub.topicCount(ALL_CHATS_TOPIC)).toBe(2);
    a.session.handle(JSON.stringify({ type: "subscribe", payload: { chatIds: [5] } }));
    expect(hub.topicCount(ALL_CHATS_TOPIC)).toBe(1);
    expect(hub.topicCount(chatTopic(5))).toBe(1);
    a.session.handle(JSON.stringify({ type: "subscribe", payload: { chatIds: [5] } }));
    expect(hub.topicCount(chatTopic(5))).toBe(1); // subscribing twice counts once
    disconnect(a);
    disconnect(b);
    expect(hub.size).toBe(0);
    expect(hub.topicCount(chatTopic(5))).toBe(0);
    expect(hub.topicCount(ALL_CHATS_TOPIC)).toBe(0);
  });

  test("dropIfSlow() closes a reader past the limit with 4000 and counts it, nobody else", () => {
    const { hub, registry, connect } = setup();
    const slow = connect();
    const fine = connect();
    slow.socket.bufferedBytes = SLOW_BYTES; // at the limit: still fine
    hub.dropIfSlow(slow.client);
    expect(slow.socket.closedWith).toBeUndefined();
    slow.socket.bufferedBytes = SLOW_BYTES + 1;
    hub.dropIfSlow(slow.client);
    hub.dropIfSlow(fine.client);
    expect(slow.socket.closedWith?.code).toBe(CloseCode.slowReader);
    expect(fine.socket.closedWith).toBeUndefined();
    expect(registry.render()).toMatch(/^dsatter_clients_dropped_total 1$/m);
  });

  test("publish() fans out through the runtime, then drops readers that fell behind", async () => {
    const { hub, publishedToTopic, connect } = setup();
    const slow = connect();
    const fine = connect();
    slow.socket.bufferedBytes = SLOW_BYTES * 2;
    hub.publish(ALL_CHATS_TOPIC, '{"type":"newMessagesForClient","payload":[]}');
    expect(publishedToTopic.map((entry) => entry.topic)).toEqual([ALL_CHATS_TOPIC]);
    // The check after publishing runs soon after (once per burst, not per message).
    await waitUntil(() => slow.socket.closedWith !== undefined, {
      what: "the slow reader dropped",
    });
    expect(slow.socket.closedWith?.code).toBe(CloseCode.slowReader);
    expect(fine.socket.closedWith).toBeUndefined();
  });

  test("sweep() pings a quiet client after half the idle time and closes a silent one with 4001", () => {
    const { hub, clock, connect } = setup();
    const quiet = connect();
    const talker = connect();
    clock.advanceMs(IDLE_MS / 2 + 1);
    hub.seen(talker.client);
    hub.sweep();
    expect(quiet.socket.pings).toBe(1);
    expect(talker.socket.pings).toBe(0);
    hub.sweep();
    expect(quiet.socket.pings).toBe(1); // pinged once per quiet spell
    clock.advanceMs(IDLE_MS / 2);
    hub.sweep();
    expect(quiet.socket.closedWith?.code).toBe(CloseCode.idleTimeout);
    expect(talker.socket.closedWith).toBeUndefined();
    expect(talker.socket.pings).toBe(0);
  });

  test("seen() after a ping starts a new quiet spell: pinged again later, not closed", () => {
    const { hub, clock, connect } = setup();
    const client = connect();
    clock.advanceMs(IDLE_MS / 2 + 1);
    hub.sweep();
    hub.seen(client.client); // the pong
    clock.advanceMs(IDLE_MS / 2 + 1);
    hub.sweep();
    expect(client.socket.pings).toBe(2);
    expect(client.socket.closedWith).toBeUndefined();
  });

  test("closeAll() closes every client with the code and resolves once they are gone", async () => {
    const { hub, connect, disconnect } = setup();
    const connections = [connect(), connect(), connect()];
    const closing = hub.closeAll(CloseCode.goingAway, "node shutting down", 60_000);
    for (const connection of connections) {
      expect(connection.socket.closedWith).toEqual({
        code: CloseCode.goingAway,
        reason: "node shutting down",
      });
      disconnect(connection); // the runtime reports each close
    }
    await closing;
    expect(hub.size).toBe(0);
  });

  test("closeAll() gives up on clients that never finish closing after the grace", async () => {
    const { hub, connect } = setup();
    const stuck = connect();
    await hub.closeAll(CloseCode.goingAway, "node shutting down", 40);
    expect(stuck.socket.closedWith?.code).toBe(CloseCode.goingAway);
    expect(hub.size).toBe(1);
    stuck.session.closed();
  });
});
