/**
 * PeerLink on an in-memory socket: what a link does with frames it refuses.
 */
import { describe, expect, test } from "bun:test";
import type { Logger } from "../../common/logger.ts";
import { type LinkHost, type MeshNode, PeerLink } from "./peer_link.ts";
import { NOTHING_REFUSED } from "../core/remote_screen.ts";

function quietNode(): MeshNode {
  return {
    nodeId: 1,
    vector: () => ({}),
    readAfter: () => [],
    acceptRemote: () => Promise.resolve(NOTHING_REFUSED),
    chats: () => [],
    acceptRemoteChats: () => {},
    onLocalCommitted: () => () => {},
    onLocalChatCreated: () => () => {},
    localPresence: () => [],
    onLocalPresenceChanged: () => () => {},
    setRemotePresence: () => {},
    updates: {
      vector: () => ({}),
      readAfter: () => [],
      acceptRemote: () => Promise.resolve(),
      onLocalUpdated: () => () => {},
    },
    typingRelay: { remote: () => {}, onLocal: () => () => {} },
    tokenNames: {
      list: () => [],
      acceptRemote: () => Promise.resolve(),
      onLocalNames: () => () => {},
    },
  };
}

function recordingLogger(lines: string[]): Logger {
  const record = (event: string, fields?: Record<string, unknown>) =>
    lines.push(`${event} ${JSON.stringify(fields ?? {})}`);
  return { debug: () => {}, info: record, warn: record, error: record };
}

describe("PeerLink", () => {
  test("refused frames are logged a line per period with their count, not a line each", () => {
    const lines: string[] = [];
    let nowMs = 0;
    const host: LinkHost = {
      node: quietNode(),
      log: recordingLogger(lines),
      verifyAccept: () => Promise.resolve(true),
      register: () => true,
      unregister: () => {},
      clock: { nowMs: () => nowMs },
    };
    const socket = { send: () => {}, close: () => {}, bufferedAmount: () => 0 };
    const link = new PeerLink({
      host,
      socket,
      direction: "accepted",
      peerNodeId: 7,
    });
    link.start();
    for (let i = 0; i < 1000; i++) link.receive("not json");
    nowMs += 10_000;
    for (let i = 0; i < 500; i++) link.receive('{"type":"peerMessages","payload":{}}');
    link.closed();
    const refused = lines.filter((line) => line.startsWith("peer frames refused"));
    expect(refused.length).toBeLessThanOrEqual(3);
    const counted = refused.reduce(
      (sum, line) => sum + JSON.parse(line.slice(line.indexOf("{"))).count,
      0,
    );
    expect(counted).toBe(1500);
  });
});
