import { test } from "node:test";
import assert from "node:assert/strict";
import { LivenessMonitor } from "./liveness_monitor.ts";

const options = { idleProbeMs: 15_000, probeTimeoutMs: 10_000 };

test("LivenessMonitor asks for a probe after the idle time, then calls a silent node hung", () => {
  const monitor = new LivenessMonitor(options, 0);
  assert.equal(monitor.check(14_999), "fine");
  assert.equal(monitor.msUntilNextCheck(14_999), 1);
  assert.equal(monitor.check(15_000), "probe");
  monitor.awaitingReply(15_000);
  assert.equal(monitor.check(24_999), "fine");
  assert.equal(monitor.check(25_000), "hung");
});

test("LivenessMonitor: any frame ends a wait and restarts the idle time", () => {
  const monitor = new LivenessMonitor(options, 0);
  monitor.awaitingReply(1_000);
  monitor.awaitingReply(9_000); // a later request does not push the deadline
  assert.equal(monitor.msUntilNextCheck(9_000), 2_000);
  monitor.frameReceived(10_000);
  assert.equal(monitor.check(20_000), "fine");
  assert.equal(monitor.check(25_000), "probe");
  assert.throws(() => new LivenessMonitor({ idleProbeMs: 0, probeTimeoutMs: 1 }, 0), RangeError);
});
