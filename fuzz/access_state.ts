/**
 * What the access surface's refused-only half must leave as it is, on both
 * nodes: every message a `chats` claim holder of P reads (paged with `since`),
 * the vector, the stored and held-back counters (node_state.ts), and the chat
 * list as each identity sees it (ann, bob, eve, an anonymous client), so that a
 * private chat made by a refused frame would show to its creator.
 *
 * Invariant: read-only (the reader only says hello, syncs and lists).
 * @module
 */

import { waitUntil } from "../common/testing/wait_until.ts";
import type { AccessWorld } from "./access_world.ts";
import { type FuzzTarget, proveNodeStillWorks, readNodeState } from "./node_state.ts";

const READER = "fuzz";

async function readerTargets(world: AccessWorld): Promise<FuzzTarget[]> {
  const token = await world.token(READER, { chats: [world.targets.privateChat] });
  const { required, optional } = world.nodes;
  return [required, optional].map((node) => ({ ...node, reader: { token, sub: READER } }));
}

async function readState(world: AccessWorld): Promise<{ text: string; converged: boolean }> {
  const states = await Promise.all((await readerTargets(world)).map(readNodeState));
  const lists: Record<string, string> = {};
  for (const node of Object.values(world.nodes)) {
    for (const holder of ["ann", "bob", "eve", undefined]) {
      if (holder === undefined && node.label === "required") continue;
      const headers: Record<string, string> = holder === undefined
        ? {}
        : { authorization: `Bearer ${await world.token(holder)}` };
      const response = await fetch(`${node.url}/api/chats`, { headers });
      lists[`${holder ?? "anonymous"}@${node.label}`] = await response.text();
    }
  }
  const [required, optional] = states;
  return {
    text: JSON.stringify({ required, optional, lists }),
    converged: JSON.stringify(required.vector) === JSON.stringify(optional.vector),
  };
}

/**
 * Both nodes' state as text. `settle`: first wait until what the mixed half sent has
 * replicated (the nodes' vectors agree and two reads in a row are the same).
 */
export async function accessSnapshot(
  world: AccessWorld,
  options: { settle: boolean },
): Promise<string> {
  let last = await readState(world);
  if (!options.settle) return last.text;
  await waitUntil(async () => {
    const next = await readState(world);
    const stable = next.converged && next.text === last.text;
    last = next;
    return stable;
  }, { deadlineMs: 60_000, pollMs: 250, what: "both access nodes settled" });
  return last.text;
}

/** A valid message on each node is acknowledged and readable. */
export async function proveAccessStillWorks(world: AccessWorld): Promise<string | undefined> {
  for (const target of await readerTargets(world)) {
    const problem = await proveNodeStillWorks(target, "access");
    if (problem) return problem;
  }
  return undefined;
}
