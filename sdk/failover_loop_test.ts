import { test } from "node:test";
import assert from "node:assert/strict";
import { type FailoverStatus, HUNG_CLOSE_CODE, runFailoverLoop } from "./failover_loop.ts";
import { staticNodeSource } from "./node_source.ts";
import type { SessionLink } from "./session_event.ts";
import { createFakeDialer } from "./testing/fake_dialer.ts";
import { createFakeTimers } from "./testing/fake_timers.ts";

/** A session that records what reaches it. */
function recordingSession(ready = true) {
  const received: string[] = [];
  let link: SessionLink | undefined;
  return {
    received,
    link: () => link,
    attach: (l: SessionLink) => link = l,
    detach: () => link = undefined,
    receive: (text: string) => received.push(text),
    ready,
  };
}

function start(urls: string[], session = recordingSession()) {
  const dialer = createFakeDialer();
  const timers = createFakeTimers();
  const statuses: FailoverStatus[] = [];
  const controller = new AbortController();
  const loop = runFailoverLoop({
    session,
    source: staticNodeSource(urls),
    dial: dialer.dial,
    signal: controller.signal,
    onStatus: (status) => statuses.push(status),
    backoff: { baseMs: 100, maxMs: 400, random: () => 1 },
    timers,
  });
  const stop = async () => {
    controller.abort();
    await timers.settle();
    await loop;
  };
  return { dialer, timers, statuses, session, stop };
}

test("runFailoverLoop() moves to the next node when the connection is lost, the lost one last", async () => {
  const t = start(["ws://dead/", "ws://a/", "ws://b/"]);
  t.dialer.refused.add("ws://dead/");
  await t.timers.settle();
  assert.equal(t.dialer.connections.length, 1);
  t.dialer.connections[0].deliver("from a");
  t.dialer.connections[0].drop();
  await t.timers.advance(100); // the backoff
  t.dialer.connections[1].deliver("from b");
  assert.deepEqual(t.session.received, ["from a", "from b"]);
  assert.deepEqual(t.dialer.dialled, ["ws://dead/", "ws://a/", "ws://dead/", "ws://b/"]);
  const kinds = t.statuses.map((s) => s.kind === "dialFailed" ? `failed ${s.url}` : s.kind);
  assert.deepEqual(kinds, [
    "dialing",
    "failed ws://dead/",
    "dialing",
    "connected",
    "lost",
    "waiting",
    "dialing",
    "failed ws://dead/",
    "dialing",
    "connected",
  ]);
  await t.stop();
  assert.equal(t.session.link(), undefined);
  assert.equal(t.dialer.connections[1].closeInfo?.by, "client");
});

test("runFailoverLoop() keeps retrying with capped backoff while nothing answers, until aborted", async () => {
  const t = start(["ws://dead/"], recordingSession(false));
  t.dialer.refused.add("ws://dead/");
  await t.timers.advance(100 + 200 + 400 + 400);
  const delays = t.statuses.flatMap((s) => s.kind === "waiting" ? [s.delayMs] : []);
  assert.deepEqual(delays.slice(0, 4), [100, 200, 400, 400]);
  await t.stop();
});

test("runFailoverLoop() probes a quiet node and leaves it when nothing comes back", async () => {
  const t = start(["ws://a/", "ws://b/"]);
  await t.timers.settle();
  const a = t.dialer.connections[0];
  await t.timers.advance(14_999);
  assert.equal(a.sent.length, 0);
  await t.timers.advance(1);
  assert.deepEqual(a.sentFrames(), [{ type: "presence", payload: { chatId: 0 }, ref: "liveness" }]);
  // An answer keeps the node, and never reaches the session.
  a.deliver({ type: "presenceList", payload: [], ref: "liveness" });
  await t.timers.advance(14_999);
  assert.equal(a.sent.length, 1);
  assert.deepEqual(t.session.received, []);
  await t.timers.advance(1); // second probe
  await t.timers.advance(10_000); // no answer: hung
  assert.equal(a.closeInfo?.code, HUNG_CLOSE_CODE);
  const lost = t.statuses.find((s) => s.kind === "lost");
  assert.deepEqual(lost, {
    kind: "lost",
    url: "ws://a/",
    code: HUNG_CLOSE_CODE,
    reason: "no answer for 10 s",
  });
  a.deliver("late"); // a hung node that wakes up is not listened to any more
  await t.timers.advance(100);
  assert.equal(t.dialer.connections[1].url, "ws://b/");
  assert.deepEqual(t.session.received, []);
  await t.stop();
});

test("runFailoverLoop() leaves a node that answers no request within the probe timeout", async () => {
  const t = start(["ws://a/", "ws://b/"]);
  await t.timers.settle();
  const a = t.dialer.connections[0];
  await t.timers.advance(3_000);
  t.session.link()!.send('{"type":"hello","payload":{"name":"x"}}', true);
  t.session.link()!.send('{"type":"subscribe","payload":{"chatIds":[1]}}', false);
  const closeCode = () => a.closeInfo?.code;
  await t.timers.advance(9_999);
  assert.equal(closeCode(), undefined);
  await t.timers.advance(1);
  assert.equal(closeCode(), HUNG_CLOSE_CODE);
  await t.stop();
});
