/**
 * The client-frame surface: fuzzed frames on a node's WebSocket `/` from a few
 * connections at once, transport abuse on fresh connections, and between
 * batches the node's health and RSS. The second half of the cases is refused
 * input only, and the node's stored data must be the same before and after it;
 * a valid message then proves the node still works.
 *
 * Invariant: every connection this surface opens is closed before it returns.
 * @module
 */

import { connectRawWebSocket } from "../perf/raw_websocket.ts";
import { readRssBytes } from "../soak/process_stats.ts";
import { type ClientCase, isRefusedCase, nextClientCase } from "./client_frame_cases.ts";
import { ClientFrameChecker } from "./client_frame_checker.ts";
import { FuzzRecorder, type SurfaceReport } from "./fuzz_report.ts";
import { checkRefusedPhase, type FuzzTarget } from "./node_state.ts";
import type { SeededRandom } from "../chaos/seeded_random.ts";

export interface ClientFuzzOptions {
  target: FuzzTarget;
  random: SeededRandom;
  cases: number;
  /** @default 4 */
  connections?: number;
  /** Cases in flight per connection. @default 16 */
  window?: number;
  /** Cases between two health and RSS checks. @default 1000 */
  batchSize?: number;
}

/** True when /healthz answers ok. */
export async function isHealthy(url: string): Promise<boolean> {
  try {
    const response = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(10_000) });
    return response.ok && (await response.json() as { ok?: unknown }).ok === true;
  } catch {
    return false;
  }
}

type TransportCase = Extract<ClientCase, { kind: "transport" }>;

/** One transport case on its own connection: the node must close it with an expected code. */
async function runTransportCase(
  target: FuzzTarget,
  testCase: TransportCase,
  recorder: FuzzRecorder,
) {
  const ws = await connectRawWebSocket(target.wsUrl, { onText() {} });
  const { send } = testCase;
  if ("frame" in send) {
    ws.sendFrame(send.frame.opcode, send.frame.payload, {
      fin: send.frame.fin,
      rsv: send.frame.rsv,
    });
  } else {
    ws.writeBytes(send.bytes);
  }
  ws.flush();
  if ("bytes" in send && send.thenTerminate) return ws.terminate();
  const code = await new Promise<number | undefined>((resolve) => {
    const timer = setTimeout(() => resolve(undefined), 10_000);
    ws.closed.then((closeCode) => {
      clearTimeout(timer);
      resolve(closeCode);
    });
  });
  if (code === undefined || !testCase.closeCodes.includes(code)) {
    ws.terminate();
    recorder.fail({
      label: testCase.label,
      input: "frame" in send
        ? `opcode ${send.frame.opcode}, ${send.frame.payload.length} bytes`
        : `${send.bytes.length} raw bytes`,
      expected: `close ${testCase.closeCodes.join("|")}`,
      got: code === undefined ? "still open after 10 s" : `close ${code}`,
    });
  }
}

async function runPhase(
  options: ClientFuzzOptions,
  recorder: FuzzRecorder,
  cases: number,
  refusedOnly: boolean,
): Promise<boolean> {
  const { target, random } = options;
  const window = options.window ?? 16;
  const batchSize = options.batchSize ?? 1000;
  const checkers = Array.from(
    { length: options.connections ?? 4 },
    (_, i) =>
      new ClientFrameChecker({
        wsUrl: target.wsUrl,
        nodeId: target.nodeId,
        recorder,
        name: `${refusedOnly ? "r" : "m"}${i}`,
      }),
  );
  await Promise.all(checkers.map((checker) => checker.open()));
  try {
    for (let done = 0; done < cases;) {
      const batchEnd = Math.min(cases, done + batchSize);
      for (; done < batchEnd; done++) {
        const checker = checkers[done % checkers.length];
        const testCase = nextClientCase(random, `c${done}`, { refusedOnly });
        recorder.count(testCase.label, isRefusedCase(testCase));
        if (testCase.kind === "transport") {
          await runTransportCase(target, testCase, recorder);
          continue;
        }
        if (checker.closedUnexpectedly) await checker.open();
        await checker.waitBelow(window);
        checker.send(testCase);
      }
      await Promise.all(checkers.map((checker) => checker.drain()));
      recorder.sampleRss(await readRssBytes(target.pid));
      if (!(await isHealthy(target.url))) {
        recorder.fail({ label: "health", input: "", expected: "/healthz ok", got: "no answer" });
        return false;
      }
    }
    return true;
  } finally {
    await Promise.all(checkers.map((checker) => checker.close().catch(() => 0)));
  }
}

/** Runs `cases` cases: half mixed, half refused-only with stored data compared around it. */
export async function fuzzClientFrames(options: ClientFuzzOptions): Promise<SurfaceReport> {
  const recorder = new FuzzRecorder("client frames (ws /)");
  recorder.sampleRss(await readRssBytes(options.target.pid));
  const mixed = Math.ceil(options.cases / 2);
  if (await runPhase(options, recorder, mixed, false)) {
    await checkRefusedPhase(
      options.target,
      recorder,
      "client frames",
      () => runPhase(options, recorder, options.cases - mixed, true),
    );
  }
  return recorder.finish();
}
