/** `GET /api/nodes/watch`: the Bearer secret, the snapshot and events, keepalives. */
import assert from "node:assert/strict";
import { readSse } from "./testing/sse_reader.ts";
import { WATCH_AUTH, withApp } from "./testing/discovery_app_harness.ts";

Deno.test("GET /api/nodes/watch needs the Bearer cluster secret", async () => {
  await withApp(async (h) => {
    for (
      const headers of [{}, { authorization: "Bearer wrong-secret" }] as Array<
        Record<string, string>
      >
    ) {
      const response = await h.request("/api/nodes/watch", { headers });
      assert.equal(response.status, 401);
      assert.match((await response.json()).error, /cluster secret/);
    }
  });
});

Deno.test("GET /api/nodes/watch streams a snapshot, then joined, left and expired", async () => {
  await withApp(async (h) => {
    const early = await h.register();
    await h.login(early);
    const response = await h.request("/api/nodes/watch", WATCH_AUTH);
    assert.equal(response.status, 200);
    assert.match(response.headers.get("content-type") ?? "", /^text\/event-stream/);
    const sse = readSse(response);
    try {
      const snapshot = await sse.next();
      assert.equal(snapshot.event, "snapshot");
      assert.deepEqual(JSON.parse(snapshot.data).activeNodes.map((n: { id: number }) => n.id), [
        early,
      ]);

      const late = await h.register();
      await h.login(late, { address: "10.1.1.1" });
      const joined = await sse.next();
      assert.equal(joined.event, "joined");
      assert.deepEqual(JSON.parse(joined.data), {
        id: late,
        address: "10.1.1.1",
        syncport: 4000 + late,
        clientport: 4000 + late,
        load: 0,
      });

      await h.post("/api/nodes/active/logout", { id: late, password: "node-password" });
      const left = await sse.next();
      assert.equal(left.event, "left");
      assert.equal(JSON.parse(left.data).id, late);

      // `early` stops heartbeating: the stream's sweep nudge reports it once its deadline passes.
      h.clock.advanceMs(10_001);
      const expired = await sse.next();
      assert.equal(expired.event, "expired");
      assert.equal(JSON.parse(expired.data).id, early);
      assert.ok(Number(expired.id) > Number(left.id));
    } finally {
      await sse.close();
    }
  }, { sweepIntervalMs: 50 });
});

Deno.test("GET /api/nodes/watch sends keepalive comments on a quiet stream", async () => {
  await withApp(async (h) => {
    const sse = readSse(await h.request("/api/nodes/watch", WATCH_AUTH));
    try {
      assert.equal((await sse.next()).event, "snapshot");
      await sse.waitForRawText(": keepalive\n\n");
    } finally {
      await sse.close();
    }
  }, { keepaliveIntervalMs: 50 });
});
