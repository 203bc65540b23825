import { test } from "node:test";
import assert from "node:assert/strict";
import { StatusNarrator } from "./status_lines.ts";

test("StatusNarrator says connected, reconnected with missed count, and lost", () => {
  const narrator = new StatusNarrator({ verbose: false });
  assert.equal(
    narrator.session({ kind: "ready", url: "ws://a/", nodeId: 3, resumed: false, missed: 0 }),
    "connected to node 3 (ws://a/)",
  );
  assert.equal(
    narrator.failover({ kind: "lost", url: "ws://a/", code: 1006, reason: "" }),
    "lost connection to node 3 (ws://a/) (dropped); failing over",
  );
  assert.equal(
    narrator.session({ kind: "ready", url: "ws://b/", nodeId: 4, resumed: true, missed: 12 }),
    "reconnected to node 4, 12 missed messages fetched",
  );
  assert.equal(
    narrator.session({ kind: "ready", url: "ws://c/", resumed: false, missed: 0 }),
    "connected to ws://c/",
  );
  assert.equal(
    narrator.failover({ kind: "lost", url: "ws://b/", code: 4900, reason: "no answer for 10 s" }),
    "lost connection to node 4 (ws://b/) (no answer for 10 s); failing over",
  );
  assert.equal(narrator.failover({ kind: "waiting", delayMs: 1200 }), undefined);
  assert.equal(
    new StatusNarrator({ verbose: true }).failover({ kind: "waiting", delayMs: 1200 }),
    "retrying in 1.2 s",
  );
});
