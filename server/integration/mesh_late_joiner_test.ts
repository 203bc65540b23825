/**
 * A node that joins late with an empty DB catches up 100,000 existing messages
 * by anti-entropy (bounded pages), while live traffic keeps flowing to it.
 */
import { describe, expect, test } from "bun:test";
import type { ChatMessage } from "../../common/protocol.ts";
import {
  QUIET_CHAT,
  vectorOf,
  vectorTotal,
  waitForConvergence,
} from "../testing/peer_test_cluster.ts";
import { openClient } from "../testing/ws_test_client.ts";
import { waitUntil } from "../../common/testing/wait_until.ts";
import { useTestCluster } from "../testing/cluster_fixture.ts";

const TOTAL = 100_000;
const CONNECTIONS = 10;
const CHAT = 31;
/**
 * Loading and catching up 100k take seconds on a quiet machine; a loaded 2-core CI machine
 * running other suites can be ten times slower. Speed is perf/RESULTS.md's business.
 */
const LOAD_DEADLINE_MS = 180_000;
const CATCH_UP_DEADLINE_MS = 180_000;

describe("late joiner", () => {
  const suite = useTestCluster({ size: 1 });
  const clients = suite.clients;

  test("a node started late with an empty DB catches up 100k messages", async () => {
    const [nodeA] = suite.cluster.nodes;
    // 10 connections x 10,000 frames: each within the per-connection burst allowance.
    const senders = await Promise.all(
      Array.from({ length: CONNECTIONS }, () => openClient(nodeA.wsUrl)),
    );
    clients.push(...senders);
    for (const sender of senders) {
      sender.send({ type: "subscribe", payload: { chatIds: [QUIET_CHAT] } });
    }
    const text = "x".repeat(40);
    senders.forEach((sender, c) => {
      for (let i = 0; i < TOTAL / CONNECTIONS; i++) {
        sender.send({
          type: "newMessageFromClient",
          payload: { chatId: CHAT, sender: `s${c}`, text: `${text} ${i}` },
        });
      }
    });
    const started = Date.now();
    await waitForConvergence([nodeA], TOTAL, LOAD_DEADLINE_MS);
    const loadedMs = Date.now() - started;

    const joinStarted = Date.now();
    const late = await suite.cluster.addNode();
    const listener = await openClient(late.wsUrl);
    clients.push(listener);
    // Live traffic during the catch-up still reaches the late node's clients.
    const live = await openClient(nodeA.wsUrl);
    clients.push(live);
    live.send({
      type: "newMessageFromClient",
      payload: { chatId: CHAT, sender: "live", text: "during catch-up" },
    });
    // The late node holds the live message back until the 100k before it are in (per-origin
    // seqs are gapless), so it reaches the listener at the end of the catch-up: one deadline.
    const vector = await waitForConvergence([nodeA, late], TOTAL + 1, CATCH_UP_DEADLINE_MS);
    const catchUpMs = Date.now() - joinStarted;
    await waitUntil(
      () =>
        listener.frames.some((f) =>
          f.type === "newMessagesForClient" &&
          (f.payload as ChatMessage[])[0].text === "during catch-up"
        ),
      { deadlineMs: 30_000, pollMs: 50, what: "the live message on the late node's client" },
    );
    expect(vectorTotal(vector)).toBe(TOTAL + 1);
    expect(vectorTotal(await vectorOf(late))).toBe(TOTAL + 1);
    // Caught up: no peer reports anything this node lacks.
    await waitUntil(
      async () => {
        const metrics = await (await fetch(`${late.url}/metrics`)).text();
        return /^dsatter_sync_lag_messages 0$/m.test(metrics);
      },
      { deadlineMs: 30_000, pollMs: 100, what: "no sync lag left on the late node" },
    );
    console.log(`late joiner: loaded ${TOTAL} in ${loadedMs} ms, caught up in ${catchUpMs} ms`);
  }, LOAD_DEADLINE_MS + CATCH_UP_DEADLINE_MS + 120_000);
});
