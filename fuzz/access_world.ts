/**
 * What the access surface fuzzes: one discovery and two linked nodes that verify
 * user tokens, `required` (R) with `--auth required` and `optional` (O) with
 * `--auth optional`, both with no token leeway (so a short token ends its
 * connection within seconds); a private chat P of ann and bob made by ann on R,
 * three messages of ann's in chat 11 and three in P, each known on both nodes
 * before the run; the token holders' names known on O.
 *
 * Invariant: stop() stops every process started here, even after a failed start.
 * @module
 */

import { waitUntil } from "../common/testing/wait_until.ts";
import { signUserToken } from "../common/user_token.ts";
import { waitForPeers } from "../server/testing/peer_test_cluster.ts";
import { startFuzzDiscovery } from "./fuzz_cluster.ts";
import type { SpawnedNode } from "../server/testing/spawn_node.ts";
import type { AccessTargets } from "./access_frame_cases.ts";
import type { AuthNode } from "./access_http_cases.ts";
import { AccessRules, type KnownMessage } from "./access_rules.ts";
import { AccessConnection } from "./access_connection.ts";
import type { FuzzTarget } from "./node_state.ts";

export const ACCESS_AUTH_SECRET = "access-fuzz-auth-secret-0123456789abcdef";
/** The token holders of the run (the witness reads the state for the unchanged check). */
export const TOKEN_HOLDERS = ["ann", "bob", "eve", "fuzz"];

export interface AccessNodeTarget extends FuzzTarget {
  label: AuthNode;
  port: number;
}

export interface AccessWorld {
  nodes: Record<AuthNode, AccessNodeTarget>;
  rules: AccessRules;
  targets: AccessTargets;
  /** A user token signed with the nodes' auth secret. */
  token(sub: string, options?: { ttlSeconds?: number; chats?: number[] }): Promise<string>;
  stop(): Promise<void>;
}

function targetOf(node: SpawnedNode, label: AuthNode): AccessNodeTarget {
  if (node.nodeId === undefined) {
    throw new Error("Cannot fuzz a node whose /healthz gave no nodeId");
  }
  return {
    label,
    url: node.url,
    wsUrl: node.wsUrl,
    nodeId: node.nodeId,
    pid: node.child.pid,
    port: node.port,
  };
}

const token: AccessWorld["token"] = (sub, options = {}) =>
  signUserToken({
    secret: ACCESS_AUTH_SECRET,
    sub,
    ttlSeconds: options.ttlSeconds ?? 3600,
    chats: options.chats,
  });

/** ann on R makes P and her six messages; returns them. */
async function makeTargets(required: AccessNodeTarget, rules: AccessRules): Promise<AccessTargets> {
  const noop = () => {};
  const ann = await AccessConnection.open({
    url: `${required.wsUrl}?token=${await token("ann")}`,
    inspect: noop,
    stray: noop,
  });
  try {
    const ask = async (type: string, payload: unknown, ref: string) => {
      const answer = await ann.ask({ type, payload, ref });
      if (!answer || answer.type === "error") {
        throw new Error(`Cannot set up the access fuzz: ${type} got ${JSON.stringify(answer)}`);
      }
      return answer.payload as Record<string, unknown>;
    };
    await ask("hello", { name: "ann" }, "hello");
    const created = await ask("createChat", {
      name: "fuzz private",
      private: true,
      members: ["bob"],
    }, "create");
    const privateChat = created.chatId as number;
    rules.addPrivateChat(privateChat, created.members as string[]);
    const messages: KnownMessage[] = [];
    for (const chatId of [11, 11, 11, privateChat, privateChat, privateChat]) {
      const ref = `m${messages.length}`;
      const ack = await ask("newMessageFromClient", {
        chatId,
        sender: "ann",
        text: `target ${ref}`,
        clientMsgId: ref,
      }, ref);
      const message = { messageId: ack.messageId as string, chatId, sender: "ann" };
      rules.addMessage(message);
      messages.push(message);
    }
    return { privateChat, messages };
  } finally {
    await ann.close();
  }
}

/** True once O refuses an anonymous hello under each token holder's name and has P's messages. */
async function optionalNodeCaughtUp(
  optional: AccessNodeTarget,
  targets: AccessTargets,
): Promise<boolean> {
  const history = await fetch(`${optional.url}/api/chats/${targets.privateChat}/messages`, {
    headers: { authorization: `Bearer ${await token("bob")}` },
  });
  if (history.status !== 200 || (await history.json() as unknown[]).length < 3) return false;
  const noop = () => {};
  const anonymous = await AccessConnection.open({
    url: optional.wsUrl,
    inspect: noop,
    stray: noop,
  });
  try {
    for (const name of TOKEN_HOLDERS) {
      const answer = await anonymous.ask({ type: "hello", payload: { name }, ref: name });
      if ((answer?.payload as { code?: string })?.code !== "forbidden") return false;
    }
    return true;
  } finally {
    await anonymous.close();
  }
}

export async function startAccessWorld(options: { echo?: boolean } = {}): Promise<AccessWorld> {
  const cluster = await startFuzzDiscovery({
    echo: options.echo,
    env: { DSATTER_AUTH_SECRET: ACCESS_AUTH_SECRET },
  });
  try {
    // Fuzzers send far faster than people: the rate and chat quotas have their own tests.
    const flags = [
      "--token-leeway",
      "0",
      "--rate-limit",
      "1000000",
      "--chats-per-minute",
      "1000000",
      "--node-chats-per-minute",
      "1000000",
    ];
    const requiredNode = await cluster.addNode({ extraArgs: ["--auth", "required", ...flags] });
    const optionalNode = await cluster.addNode({ extraArgs: ["--auth", "optional", ...flags] });
    await waitForPeers([requiredNode, optionalNode], 1);
    const nodes = {
      required: targetOf(requiredNode, "required"),
      optional: targetOf(optionalNode, "optional"),
    };
    const rules = new AccessRules([nodes.required.nodeId, nodes.optional.nodeId]);
    for (const holder of TOKEN_HOLDERS) rules.addTokenHolder(holder);
    const targets = await makeTargets(nodes.required, rules);
    // Every holder's token is seen by a node (R) once, so that O learns the names.
    for (const holder of TOKEN_HOLDERS) {
      const seen = await fetch(`${nodes.required.url}/api/chats`, {
        headers: { authorization: `Bearer ${await token(holder)}` },
      });
      await seen.body?.cancel();
    }
    await waitUntil(() => optionalNodeCaughtUp(nodes.optional, targets), {
      deadlineMs: 30_000,
      pollMs: 200,
      what: "the optional node knows P, ann's messages and the token holders' names",
    });
    return { nodes, rules, targets, token, stop: () => cluster.stop() };
  } catch (error) {
    await cluster.stop();
    throw error;
  }
}
