import assert from "node:assert/strict";
import type { ActiveNode } from "../common/discovery_protocol.ts";
import { createManualClock } from "../common/clock.ts";
import { createKvRegistry } from "./kv_registry.ts";
import { hashPassword } from "./password_hash.ts";

function node(id: number, overrides: Partial<ActiveNode> = {}): ActiveNode {
  return {
    id,
    address: "10.0.0.1",
    syncport: 4000 + id,
    clientport: 4000 + id,
    load: 0,
    ...overrides,
  };
}

async function withRegistry(
  run: (
    registry: ReturnType<typeof createKvRegistry>,
    clock: ReturnType<typeof createManualClock>,
  ) => Promise<void>,
) {
  const kv = await Deno.openKv(":memory:");
  const clock = createManualClock();
  try {
    await run(createKvRegistry({ kv, clock, ttlMs: 1000 }), clock);
  } finally {
    kv.close();
  }
}

Deno.test("registerNode() hands out distinct ids to a concurrent burst", async () => {
  await withRegistry(async (registry) => {
    const passwordHash = await hashPassword("pw", 1000);
    const ids = await Promise.all(
      Array.from({ length: 50 }, () => registry.registerNode(passwordHash)),
    );
    assert.equal(new Set(ids).size, 50);
    assert.deepEqual([...ids].sort((a, b) => a - b), Array.from({ length: 50 }, (_, i) => i + 1));
    assert.equal((await registry.getNode(ids[0]))?.passwordHash.hash, passwordHash.hash);
    assert.equal(await registry.getNode(999), undefined);
  });
});

Deno.test("heartbeat() emits joined once, then only when the endpoint changes", async () => {
  await withRegistry(async (registry) => {
    const joined = await registry.heartbeat(node(1));
    assert.equal(joined?.kind, "joined");
    assert.equal(joined?.seq, 1);
    assert.equal(await registry.heartbeat(node(1, { load: 5 })), undefined);
    const moved = await registry.heartbeat(node(1, { address: "10.0.0.2" }));
    assert.equal(moved?.kind, "joined");
    assert.equal(moved?.seq, 2);
    assert.deepEqual(await registry.listActive(), [node(1, { address: "10.0.0.2" })]);
  });
});

Deno.test("listActive() hides a node past its deadline before any sweep", async () => {
  await withRegistry(async (registry, clock) => {
    await registry.heartbeat(node(1));
    clock.advanceMs(600);
    await registry.heartbeat(node(2));
    clock.advanceMs(500);
    assert.deepEqual((await registry.listActive()).map((n) => n.id), [2]);
    // A heartbeat after the deadline is a rejoin, with its event.
    assert.equal((await registry.heartbeat(node(1)))?.kind, "joined");
  });
});

Deno.test("sweepExpired() emits one expired event per stale node, once", async () => {
  await withRegistry(async (registry, clock) => {
    await registry.heartbeat(node(1));
    await registry.heartbeat(node(2));
    clock.advanceMs(500);
    await registry.heartbeat(node(2));
    assert.deepEqual(await registry.sweepExpired(), []);
    clock.advanceMs(600);
    const [first, second] = await Promise.all([
      registry.sweepExpired(),
      registry.sweepExpired(),
    ]);
    const events = [...first, ...second];
    assert.deepEqual(events.map((e) => [e.kind, e.node.id]), [["expired", 1]]);
    assert.deepEqual((await registry.listActive()).map((n) => n.id), [2]);
  });
});

Deno.test("logout() emits left only when the node was listed", async () => {
  await withRegistry(async (registry) => {
    assert.equal(await registry.logout(1), undefined);
    await registry.heartbeat(node(1));
    assert.equal((await registry.logout(1))?.kind, "left");
    assert.deepEqual(await registry.listActive(), []);
  });
});

Deno.test("snapshot() and eventsAfter() replay the log in order from a position", async () => {
  await withRegistry(async (registry) => {
    await registry.heartbeat(node(1));
    const snapshot = await registry.snapshot();
    assert.equal(snapshot.position, 1);
    assert.deepEqual(snapshot.activeNodes, [node(1)]);
    await registry.heartbeat(node(2));
    await registry.logout(1);
    const { events, gap } = await registry.eventsAfter(snapshot.position);
    assert.equal(gap, false);
    assert.deepEqual(events.map((e) => [e.seq, e.kind, e.node.id]), [[2, "joined", 2], [
      3,
      "left",
      1,
    ]]);
    assert.deepEqual(await registry.eventsAfter(3), { events: [], gap: false });
  });
});

Deno.test("eventsAfter() reports a gap when the events were already dropped", async () => {
  const kv = await Deno.openKv(":memory:");
  try {
    const registry = createKvRegistry({ kv, clock: createManualClock(), ttlMs: 1000 });
    await registry.heartbeat(node(1));
    await registry.heartbeat(node(2));
    assert.equal((await registry.eventsAfter(0)).gap, false);
    // What retention expiry does, eventually: the oldest event is gone.
    await kv.delete(["discovery", "membership_events", 1]);
    assert.equal((await registry.eventsAfter(0)).gap, true);
    assert.equal((await registry.eventsAfter(1)).gap, false);
  } finally {
    kv.close();
  }
});

Deno.test("watchPosition() wakes up on every appended event", async () => {
  await withRegistry(async (registry) => {
    const reader = registry.watchPosition().getReader();
    try {
      assert.equal((await reader.read()).value, 0);
      await registry.heartbeat(node(1));
      let position = 0;
      while (position < 1) position = (await reader.read()).value ?? position;
      assert.equal(position, 1);
    } finally {
      await reader.cancel();
    }
  });
});
