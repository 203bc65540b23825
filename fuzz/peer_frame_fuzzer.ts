/**
 * The peer-frame surface: a test peer holding the cluster secret sends fuzzed
 * peer frames to node A, which also has a real peer B. Checked: A stays up with
 * bounded RSS, keeps B, keeps the test peer's link (a binary frame closes it
 * with 1003, a hello naming another node with 4401: then the peer dials again),
 * stores exactly the valid messages and chats and nothing of a malformed frame,
 * and after the refused-only half holds exactly what it held before it.
 *
 * Invariant: the test peer's link is closed before this returns.
 * @module
 */

import { readRssBytes } from "../soak/process_stats.ts";
import { waitUntil } from "../common/testing/wait_until.ts";
import { isHealthy } from "./client_frame_fuzzer.ts";
import { FuzzRecorder, type SurfaceReport } from "./fuzz_report.ts";
import { checkRefusedPhase, type FuzzTarget, metricValue, readNodeState } from "./node_state.ts";
import {
  type PeerCase,
  PeerCaseSource,
  REFUSED_CHAT_BASE,
  VALID_CHAT_BASE,
} from "./peer_frame_cases.ts";
import type { SeededRandom } from "../chaos/seeded_random.ts";
import { TestPeer } from "./test_peer.ts";

export interface PeerFuzzOptions {
  target: FuzzTarget;
  /** The target's real peer: it must stay linked and converge. */
  realPeer: FuzzTarget;
  clusterSecret: string;
  random: SeededRandom;
  cases: number;
  /** @default 500 */
  batchSize?: number;
}

async function healthOf(url: string): Promise<{ peers?: number }> {
  const response = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(10_000) });
  return await response.json() as { peers?: number };
}

async function metrics(target: FuzzTarget): Promise<string> {
  return await (await fetch(`${target.url}/metrics`)).text();
}

/** What node A must hold after the mixed phase; problems as text. */
async function checkStoredExactlyValid(
  options: PeerFuzzOptions,
  source: PeerCaseSource,
  validChats: number[],
  peerId: number,
): Promise<string[]> {
  const problems: string[] = [];
  let vector: Record<string, number> = {};
  try {
    await waitUntil(
      async () => {
        vector = (await readNodeState(options.target)).vector;
        return (vector[String(peerId)] ?? 0) === source.validMessages;
      },
      { deadlineMs: 30_000, pollMs: 250 },
    );
  } catch {
    problems.push(
      `vector[${peerId}] is ${vector[String(peerId)]}, ${source.validMessages} valid messages sent`,
    );
  }
  if (vector[String(peerId + 1)] !== undefined) {
    problems.push(`messages of the refused origin are visible`);
  }
  const held = metricValue(await metrics(options.target), "dsatter_messages_held_back");
  if (held !== 0) problems.push(`${held} messages held back (stored past a gap)`);
  const chats = await (await fetch(`${options.target.url}/api/chats`)).json() as {
    chatId: number;
  }[];
  const ids = new Set(chats.map((chat) => chat.chatId));
  for (const chatId of validChats) {
    if (!ids.has(chatId)) problems.push(`valid chat ${chatId} missing`);
  }
  const refused = chats.filter((c) => c.chatId >= REFUSED_CHAT_BASE && c.chatId < VALID_CHAT_BASE);
  if (refused.length > 0) {
    problems.push(`chats of malformed frames stored: ${JSON.stringify(refused.slice(0, 5))}`);
  }
  return problems;
}

async function sendCase(peer: TestPeer, testCase: PeerCase, recorder: FuzzRecorder): Promise<void> {
  if (testCase.kind === "binary") {
    peer.sendBinary(testCase.bytes);
    const code = await Promise.race([
      peer.closed,
      new Promise<undefined>((r) => setTimeout(r, 10_000)),
    ]);
    if (code !== 1003) {
      recorder.fail({
        label: "binary",
        input: "<binary>",
        expected: "link closed 1003",
        got: String(code),
      });
    }
    return await peer.connect();
  }
  peer.sendText(testCase.text);
}

async function runPhase(
  options: PeerFuzzOptions,
  recorder: FuzzRecorder,
  source: PeerCaseSource,
  run: { cases: number; refusedOnly: boolean; validChats: number[] },
  peer: TestPeer,
): Promise<boolean> {
  const batchSize = options.batchSize ?? 500;
  for (let done = 0; done < run.cases;) {
    const batchEnd = Math.min(run.cases, done + batchSize);
    for (; done < batchEnd; done++) {
      const testCase = source.next({ refusedOnly: run.refusedOnly });
      recorder.count(testCase.label, testCase.kind === "binary" || !testCase.valid);
      if (testCase.kind === "text") run.validChats.push(...testCase.chats);
      await sendCase(peer, testCase, recorder);
    }
    if (!(await peer.barrier())) {
      recorder.fail({
        label: "link",
        input: "",
        expected: "test peer stays linked",
        got: `closed ${peer.closeCode}`,
      });
      await peer.connect();
    }
    recorder.sampleRss(await readRssBytes(options.target.pid));
    if (!(await isHealthy(options.target.url))) {
      recorder.fail({ label: "health", input: "", expected: "/healthz ok", got: "no answer" });
      return false;
    }
    const peers = (await healthOf(options.target.url)).peers;
    if (peers !== 2) {
      recorder.fail({
        label: "peers",
        input: "",
        expected: "2 peers (B and the test peer)",
        got: String(peers),
      });
    }
  }
  return true;
}

export async function fuzzPeerFrames(options: PeerFuzzOptions): Promise<SurfaceReport> {
  const recorder = new FuzzRecorder("peer frames (ws /peer)");
  recorder.sampleRss(await readRssBytes(options.target.pid));
  const peerId = 8_000_000 + options.random.int(0, 999_999) * 2;
  const source = new PeerCaseSource(options.random, peerId);
  const peer = new TestPeer({
    url: options.target.wsUrl + "peer",
    peerId,
    clusterSecret: options.clusterSecret,
  });
  await peer.connect();
  const validChats: number[] = [];
  try {
    const mixed = Math.ceil(options.cases / 2);
    if (
      !(await runPhase(
        options,
        recorder,
        source,
        { cases: mixed, refusedOnly: false, validChats },
        peer,
      ))
    ) {
      return recorder.finish();
    }
    for (const problem of await checkStoredExactlyValid(options, source, validChats, peerId)) {
      recorder.fail({
        label: "stored",
        input: "mixed phase",
        expected: "exactly the valid frames stored",
        got: problem,
      });
    }
    const refused = { cases: options.cases - mixed, refusedOnly: true, validChats };
    const alive = await checkRefusedPhase(
      options.target,
      recorder,
      "peer frames",
      () => runPhase(options, recorder, source, refused, peer),
    );
    if (!alive) return recorder.finish();
    await checkRealPeerConverges(options, recorder);
  } finally {
    await peer.close().catch(() => 0);
  }
  return recorder.finish();
}

/** B is still A's peer and holds what A holds. */
async function checkRealPeerConverges(options: PeerFuzzOptions, recorder: FuzzRecorder) {
  const wanted = JSON.stringify((await readNodeState(options.target)).vector);
  let got = "";
  try {
    await waitUntil(
      async () => {
        got = JSON.stringify((await readNodeState(options.realPeer)).vector);
        return got === wanted;
      },
      { deadlineMs: 30_000, pollMs: 250 },
    );
  } catch {
    recorder.fail({ label: "real peer", input: "", expected: `B's vector ${wanted}`, got });
  }
}
