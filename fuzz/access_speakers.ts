/**
 * The connections of the access surface: six speakers, each one identity on one
 * node (ann, bob, eve with tokens on R; bob, eve with tokens and an anonymous
 * client on O), each having said hello, with the leak check watching all they
 * receive; and two bystanders nobody fuzzes: ann on R (hello) and an original
 * client on O that never says hello, which must only ever get
 * `newMessagesForClient` frames (PROTOCOL.md section 3).
 *
 * Invariant: each speaker has its own stream of the seed (its cases are drawn
 * in its own order whatever the timing); a frame with a ref no case waits for
 * is a failure on every connection.
 * @module
 */

import type { SeededRandom } from "../chaos/seeded_random.ts";
import { AccessConnection, type AnswerFrame } from "./access_connection.ts";
import { describeAnswer, type LeakCheck } from "./access_checks.ts";
import type { Actor } from "./access_frame_cases.ts";
import type { AccessWorld } from "./access_world.ts";
import type { FuzzRecorder } from "./fuzz_report.ts";

export interface Speaker extends Actor {
  connection: AccessConnection;
  /** Its own stream of the seed. */
  random: SeededRandom;
}

export interface Bystander {
  label: string;
  connection: AccessConnection;
}

interface Context {
  random: SeededRandom;
  recorder: FuzzRecorder;
  leaks: LeakCheck;
}

async function connect(
  world: AccessWorld,
  context: Context,
  who: { wsUrl: string; sub?: string; label: string; inspect: (frame: AnswerFrame) => void },
): Promise<AccessConnection> {
  const url = who.sub === undefined
    ? who.wsUrl
    : `${who.wsUrl}?token=${await world.token(who.sub)}`;
  return await AccessConnection.open({
    url,
    inspect: who.inspect,
    stray: (frame) =>
      context.recorder.fail({
        label: "stray answer",
        input: who.label,
        expected: "one answer per frame, none after its sentinel",
        got: JSON.stringify(frame).slice(0, 300),
      }),
  });
}

async function hello(connection: AccessConnection, name: string): Promise<void> {
  const welcome = await connection.ask({ type: "hello", payload: { name }, ref: `hello-${name}` });
  if (welcome?.type !== "welcome") {
    throw new Error(`Cannot say hello as ${name}: ${describeAnswer(welcome)}`);
  }
}

export async function openSpeakers(
  world: AccessWorld,
  context: Context,
): Promise<{ speakers: Speaker[]; bystanders: Bystander[] }> {
  const { required, optional } = world.nodes;
  const plan: [string, typeof required, string | undefined][] = [
    ["ann@R", required, "ann"],
    ["bob@R", required, "bob"],
    ["eve@R", required, "eve"],
    ["bob@O", optional, "bob"],
    ["eve@O", optional, "eve"],
    ["anonymous@O", optional, undefined],
  ];
  const speakers: Speaker[] = [];
  for (const [label, node, sub] of plan) {
    const name = sub ?? `anon-${context.random.int(0, 1e9)}`;
    const identity = sub === undefined ? {} : { sub };
    const connection = await connect(world, context, {
      wsUrl: node.wsUrl,
      sub,
      label,
      inspect: (frame) =>
        context.leaks.inspect(label, identity, frame, `${frame.type} to ${label}`),
    });
    await hello(connection, name);
    speakers.push({ label, identity, helloName: name, connection, random: context.random.fork() });
  }
  const watcher = await connect(world, context, {
    wsUrl: required.wsUrl,
    sub: "ann",
    label: "ann@R (bystander)",
    inspect: () => {},
  });
  await hello(watcher, "ann");
  const original = await connect(world, context, {
    wsUrl: optional.wsUrl,
    label: "original@O",
    inspect: (frame) => {
      context.leaks.inspect("original@O", {}, frame, `${frame.type} to an original client`);
      if (frame.type === "newMessagesForClient") return;
      context.recorder.fail({
        label: "original client",
        input: "a connection that never said hello",
        expected: "only newMessagesForClient frames",
        got: `a ${frame.type} frame`,
      });
    },
  });
  return {
    speakers,
    bystanders: [
      { label: "ann@R (bystander)", connection: watcher },
      { label: "original@O", connection: original },
    ],
  };
}
