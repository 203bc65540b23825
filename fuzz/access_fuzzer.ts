/**
 * The access surface (PROTOCOL.md sections 6 and 7) on its own cluster
 * (access_world.ts): upgrades and REST requests with hostile and valid tokens,
 * and frames from six identities (ann, bob, eve with tokens on R; bob, eve and
 * an anonymous client on O) aimed at a private chat, another sender's messages
 * and token holders' names, half with a hostile field. Every answer is checked
 * against the contract, nothing a node sends may name a private chat its
 * reader may not read, and the connections nobody fuzzes (a hello client on R,
 * an original client that never says hello on O) stay open, answered, and see
 * only what they should. Each batch also watches one connection whose token
 * expires end with 4003. The refused-only half must leave both nodes' state
 * (as a `chats` claim holder and each identity see it) unchanged.
 *
 * Invariant: every connection and process started here is closed before this returns.
 * @module
 */

import type { SeededRandom } from "../chaos/seeded_random.ts";
import { readRssBytes } from "../soak/process_stats.ts";
import type { AnswerFrame } from "./access_connection.ts";
import { nextAccessFrameCase } from "./access_frame_cases.ts";
import { type Bystander, openSpeakers, type Speaker } from "./access_speakers.ts";
import { type AccessHttpCase, nextAccessHttpCase } from "./access_http_cases.ts";
import { sendAccessHttpCase } from "./access_http_sender.ts";
import { answerAllowed, describeAnswer, describeAnswers, LeakCheck } from "./access_checks.ts";
import { ExpiryProbe } from "./access_expiry_probe.ts";
import { ACCESS_AUTH_SECRET, type AccessWorld, startAccessWorld } from "./access_world.ts";
import { FuzzRecorder, type SurfaceReport } from "./fuzz_report.ts";
import { accessSnapshot, proveAccessStillWorks } from "./access_state.ts";
import { isHealthy } from "./client_frame_fuzzer.ts";

export interface AccessFuzzOptions {
  random: SeededRandom;
  cases: number;
  /** Cases between two health, RSS, bystander and leak checks. @default 500 */
  batchSize?: number;
  echo?: boolean;
}

/** Runs the surface; the report's RSS is the `--auth required` node's. */
export async function fuzzAccess(options: AccessFuzzOptions): Promise<SurfaceReport> {
  const recorder = new FuzzRecorder("access (tokens, private chats, section 7 events)");
  const world = await startAccessWorld({ echo: options.echo });
  const run = new AccessRun(world, recorder, options);
  try {
    recorder.sampleRss(await readRssBytes(world.nodes.required.pid));
    await run.open();
    const mixed = Math.ceil(options.cases / 2);
    if (await run.phase(mixed, false)) {
      const before = await accessSnapshot(world, { settle: true });
      if (await run.phase(options.cases - mixed, true)) {
        const after = await accessSnapshot(world, { settle: true });
        if (after !== before) {
          recorder.fail({
            label: "unchanged",
            input: "refused cases only",
            expected: before,
            got: after,
          });
        }
        recorder.report.unchangedChecked = true;
        const problem = await proveAccessStillWorks(world);
        if (problem) {
          recorder.fail({
            label: "still works",
            input: "",
            expected: "ack and history",
            got: problem,
          });
        }
      }
    }
    await run.finish();
  } finally {
    await run.close();
    await world.stop();
  }
  return recorder.finish();
}

class AccessRun {
  #world: AccessWorld;
  #recorder: FuzzRecorder;
  #options: AccessFuzzOptions;
  #leaks: LeakCheck;
  #speakers: Speaker[] = [];
  #bystanders: Bystander[] = [];
  #expiry: ExpiryProbe;
  #refs = 0;

  constructor(world: AccessWorld, recorder: FuzzRecorder, options: AccessFuzzOptions) {
    this.#world = world;
    this.#recorder = recorder;
    this.#options = options;
    this.#leaks = new LeakCheck(world.rules, recorder);
    this.#expiry = new ExpiryProbe(world, recorder);
  }

  /** The six fuzzed identities (each says hello first) and the two bystanders. */
  async open(): Promise<void> {
    const opened = await openSpeakers(this.#world, {
      random: this.#options.random,
      recorder: this.#recorder,
      leaks: this.#leaks,
    });
    this.#speakers = opened.speakers;
    this.#bystanders = opened.bystanders;
  }

  /** `cases` cases in batches; false when a node stopped answering or a connection was lost. */
  async phase(cases: number, refusedOnly: boolean): Promise<boolean> {
    const batchSize = this.#options.batchSize ?? 500;
    for (let done = 0; done < cases;) {
      const size = Math.min(batchSize, cases - done);
      await this.#batch(size, refusedOnly);
      done += size;
      if (!(await this.#checkBetweenBatches())) return false;
    }
    return true;
  }

  async #batch(size: number, refusedOnly: boolean): Promise<void> {
    const random = this.#options.random;
    const queues = this.#speakers.map(() => [] as (() => Promise<void>)[]);
    // The private chats made before this batch: what a speaker may aim at, the same in every run.
    const chats = this.#world.rules.privateChats();
    const http: AccessHttpCase[] = [];
    for (let i = 0; i < size; i++) {
      if (random.chance(0.3)) {
        const testCase = await nextAccessHttpCase(random, {
          rules: this.#world.rules,
          targets: this.#world.targets,
          authSecret: ACCESS_AUTH_SECRET,
        }, { refusedOnly });
        this.#recorder.count(testCase.label, !testCase.stores);
        http.push(testCase);
        continue;
      }
      const index = random.int(0, this.#speakers.length - 1);
      const speaker = this.#speakers[index];
      const ref = `a${++this.#refs}`;
      queues[index].push(() => this.#frameCase(speaker, { ref, chats }, refusedOnly));
    }
    let next = 0;
    const httpWorker = async () => {
      while (next < http.length) {
        await sendAccessHttpCase(http[next++], {
          nodes: this.#world.nodes,
          recorder: this.#recorder,
          leaks: this.#leaks,
        });
      }
    };
    await Promise.all([
      ...queues.map(async (queue) => {
        for (const run of queue) await run();
      }),
      ...Array.from({ length: 4 }, httpWorker),
    ]);
  }

  async #frameCase(
    speaker: Speaker,
    { ref, chats }: { ref: string; chats: number[] },
    refusedOnly: boolean,
  ): Promise<void> {
    const { rules, targets } = this.#world;
    // Drawn when its turn comes, so that it sees the name its last hello gave.
    const testCase = nextAccessFrameCase(
      speaker.random,
      { rules, actor: speaker, targets, ref, chats },
      { refusedOnly },
    );
    this.#recorder.count(`${testCase.label} (${speaker.label})`, !testCase.stores);
    const { connection } = speaker;
    const mayBeSilent = testCase.answers.some((answer) => "none" in answer);
    const answer = connection.answer(ref);
    connection.send(testCase.text);
    if (mayBeSilent) {
      await connection.ask({ type: "listChats", payload: {}, ref: `${ref}~` });
      connection.cancel(ref);
    }
    const frame = await answer;
    if (!answerAllowed(testCase.answers, frame)) {
      this.#recorder.fail({
        label: `${testCase.label} (${speaker.label})`,
        input: testCase.text,
        expected: describeAnswers(testCase.answers),
        got: frame ? JSON.stringify(frame).slice(0, 300) : describeAnswer(frame),
      });
      return;
    }
    this.#learn(speaker, testCase.type, testCase.text, frame);
  }

  /** What an accepted frame changed: a hello's name, a private chat's members. */
  #learn(speaker: Speaker, type: string, text: string, frame: AnswerFrame | undefined): void {
    if (frame?.type === "welcome" && type === "hello") {
      speaker.helloName = (JSON.parse(text).payload as { name: string }).name;
    }
    if (frame?.type !== "chatCreated") return;
    const created = frame.payload as { chatId: number; private?: boolean; members?: string[] };
    if (created.private !== true) return;
    const sent = (JSON.parse(text).payload as { members?: string[] }).members ?? [];
    const wanted = [...new Set([...sent, speaker.identity.sub!])].sort();
    const got = [...(created.members ?? [])].sort();
    if (JSON.stringify(wanted) !== JSON.stringify(got)) {
      this.#recorder.fail({
        label: "private chat members",
        input: text,
        expected: wanted.join(","),
        got: got.join(","),
      });
    }
    this.#world.rules.addPrivateChat(created.chatId, got, true);
  }

  /** Health and RSS, the speakers and bystanders still open and answered, held leaks judged. */
  async #checkBetweenBatches(): Promise<boolean> {
    const { nodes } = this.#world;
    this.#recorder.sampleRss(await readRssBytes(nodes.required.pid));
    for (const node of [nodes.required, nodes.optional]) {
      if (!(await isHealthy(node.url))) {
        this.#recorder.fail({
          label: "health",
          input: node.label,
          expected: "/healthz ok",
          got: "no answer",
        });
        return false;
      }
    }
    this.#leaks.settle();
    for (const { label, connection } of [...this.#speakers, ...this.#bystanders]) {
      const alive = label === "original@O"
        ? connection.isOpen
        : (await connection.ask({ type: "listChats", payload: {}, ref: `alive-${++this.#refs}` }))
          ?.type === "chatList";
      if (!alive) {
        this.#recorder.fail({
          label: "connection untouched",
          input: label,
          expected: "still open and answered",
          got: connection.isOpen ? "no chatList" : `closed with ${connection.closeCode}`,
        });
        return false; // the run stops here: its cases would all fail on a closed connection
      }
    }
    await this.#expiry.step();
    return true;
  }

  async finish(): Promise<void> {
    await this.#expiry.finish();
    this.#leaks.settle();
  }

  async close(): Promise<void> {
    await this.#expiry.close();
    await Promise.all(
      [...this.#speakers, ...this.#bystanders].map(({ connection }) => connection.close()),
    );
  }
}
