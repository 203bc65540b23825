/**
 * The fixture every browser test file shares: a real cluster (one discovery,
 * three chat nodes, each its own process and database, meshed) and Debian's
 * Chromium, started before the file's tests and stopped after them, with the
 * pages each test opened closed after it. Registered with bun:test's hooks by
 * useBrowserCluster().
 *
 * Invariant: every process and page this fixture started is stopped, even when
 * a test or the start itself fails; a test sees no page of an earlier test. The
 * nodes' output (`--verbose`: links, joins, refusals) is kept in
 * test-artifacts/browser-nodes-<test file>.log, for a failure on a loaded machine.
 * @module
 */

import { afterAll, afterEach, beforeAll, expect } from "bun:test";
import { mkdirSync, writeFileSync } from "node:fs";
import { basename } from "node:path";
import type { Browser } from "playwright-core";
import {
  spawnDiscovery,
  type SpawnedDiscovery,
} from "../../../discovery/testing/spawn_discovery.ts";
import {
  REPO_ROOT,
  type SpawnedNode,
  spawnNode,
  TEST_CLUSTER_SECRET,
} from "../../testing/spawn_node.ts";
import { waitForPeers } from "../../testing/peer_test_cluster.ts";
import {
  type ChatPage,
  launchChromium,
  openChatPage,
  type OpenChatPageOptions,
} from "./chat_page.ts";

export const ARTIFACTS = `${REPO_ROOT}test-artifacts`;
/** Per test: the machine is shared and loaded; every wait inside has its own deadline. */
export const TEST_TIMEOUT_MS = 90_000;
const CLUSTER_DEADLINE_MS = 45_000;

export interface BrowserCluster {
  nodes: SpawnedNode[];
  browser(): Browser;
  /** Opens a page on a node as a user (closed after the test). */
  open(
    node: SpawnedNode,
    name: string,
    options?: Omit<OpenChatPageOptions, "name">,
  ): Promise<ChatPage>;
  /** The same, chat and viewport by position (the older tests' shape). */
  openAt(
    node: SpawnedNode,
    name: string,
    chatId?: number,
    viewport?: { width: number; height: number },
  ): Promise<ChatPage>;
  /** No script error, console error (a CSP violation is one) or HTTP error on any page. */
  expectNoProblems(): void;
  /** Posts a message over REST; resolves with its messageId once stored. */
  post(node: SpawnedNode, chatId: number, sender: string, text: string): Promise<string>;
}

export async function postMessage(
  node: SpawnedNode,
  chatId: number,
  sender: string,
  text: string,
  clientMsgId?: string,
): Promise<string> {
  const response = await fetch(`${node.url}/api/chats/${chatId}/messages`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(clientMsgId ? { sender, text, clientMsgId } : { sender, text }),
    signal: AbortSignal.timeout(10_000),
  });
  expect(response.status).toBe(201);
  return ((await response.json()) as { messageId: string }).messageId;
}

/** Writes every node's output, node by node, to test-artifacts/browser-nodes-<file>.log. */
function keepNodeOutput(nodes: SpawnedNode[]): void {
  const file = `${ARTIFACTS}/browser-nodes-${basename(Bun.main, ".ts")}.log`;
  const text = nodes.map((node, index) =>
    [
      `== node ${index + 1} (${node.url})`,
      ...node.stdoutLines,
      ...node.stderrLines.map((line) => `stderr: ${line}`),
    ].join("\n")
  ).join("\n");
  writeFileSync(file, `${text}\n`);
}

/** Starts the cluster and the browser for this test file (bun:test hooks). */
export function useBrowserCluster(): BrowserCluster {
  let discovery: SpawnedDiscovery | undefined;
  const nodes: SpawnedNode[] = [];
  let browser: Browser | undefined;
  const pages: ChatPage[] = [];
  const opened: ChatPage[] = [];

  async function stopEverything() {
    await Promise.allSettled(pages.map((chatPage) => chatPage.close()));
    await browser?.close().catch(() => {});
    await Promise.allSettled(nodes.map((node) => node.stop()));
    await discovery?.stop();
    keepNodeOutput(nodes);
  }

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    try {
      discovery = await spawnDiscovery({ clusterSecret: TEST_CLUSTER_SECRET, ttlSeconds: 3 });
      for (let index = 0; index < 3; index++) {
        nodes.push(await spawnNode({ extraArgs: ["--discovery", discovery.url, "--verbose"] }));
      }
      await waitForPeers(nodes, nodes.length - 1, CLUSTER_DEADLINE_MS);
      browser = await launchChromium();
    } catch (error) {
      await stopEverything();
      throw error;
    }
  }, 120_000);

  afterEach(async () => {
    await Promise.allSettled(pages.splice(0).map((chatPage) => chatPage.close()));
    opened.length = 0;
  });

  afterAll(stopEverything, 60_000);

  async function open(
    node: SpawnedNode,
    name: string,
    options: Omit<OpenChatPageOptions, "name"> = {},
  ): Promise<ChatPage> {
    const chatPage = await openChatPage(browser!, node.url, { ...options, name });
    pages.push(chatPage);
    opened.push(chatPage);
    return chatPage;
  }

  return {
    nodes,
    browser: () => browser!,
    open,
    openAt: (node, name, chatId, viewport) => open(node, name, { chatId, viewport }),
    expectNoProblems() {
      expect(opened.flatMap((chatPage) => chatPage.problems)).toEqual([]);
    },
    post: (node, chatId, sender, text) => postMessage(node, chatId, sender, text),
  };
}
