/**
 * Sends one access HTTP case (a raw WebSocket upgrade for its status, or a REST
 * request) to its node and checks the answer: a status the case allows, a
 * `{"error"}` body on a 4xx the node wrote itself (431/414 come from the HTTP
 * layer before it), and a 200 body that names no private chat its reader may
 * not read.
 *
 * Invariant: never throws for what the node does; a failed request is status 0.
 * @module
 */

import { upgradeStatus } from "../server/testing/raw_upgrade.ts";
import type { LeakCheck } from "./access_checks.ts";
import type { AccessHttpCase, AuthNode } from "./access_http_cases.ts";
import type { AccessNodeTarget } from "./access_world.ts";
import type { FuzzRecorder } from "./fuzz_report.ts";

export async function sendAccessHttpCase(
  testCase: AccessHttpCase,
  context: {
    nodes: Record<AuthNode, AccessNodeTarget>;
    recorder: FuzzRecorder;
    leaks: LeakCheck;
  },
): Promise<void> {
  const node = context.nodes[testCase.node];
  let status = 0;
  let body = "";
  try {
    if (testCase.upgrade) {
      status = await upgradeStatus(node.port, { path: testCase.path, headers: testCase.headers });
    } else {
      const response = await fetch(node.url + testCase.path, {
        method: testCase.method,
        headers: testCase.headers,
        body: testCase.body,
        signal: AbortSignal.timeout(30_000),
      });
      status = response.status;
      body = await response.text();
    }
  } catch (error) {
    body = String(error);
  }
  const problem = !testCase.statuses.includes(status)
    ? `status ${status}`
    : status >= 400 && status < 414 && !testCase.upgrade && !isErrorBody(body)
    ? 'a 4xx body without {"error": string}'
    : undefined;
  if (problem) {
    context.recorder.fail({
      label: testCase.label,
      input: `${testCase.method} ${testCase.path.slice(0, 200)} ${
        JSON.stringify(testCase.headers).slice(0, 200)
      } ${testCase.body ?? ""}`,
      expected: `status ${testCase.statuses.join("|")}`,
      got: `${problem}: ${body.slice(0, 200)}`,
    });
  } else if (status === 200 && testCase.reader) {
    context.leaks.inspect(
      `REST ${testCase.node}`,
      testCase.reader,
      JSON.parse(body),
      testCase.path,
    );
  }
}

function isErrorBody(body: string): boolean {
  try {
    return typeof (JSON.parse(body) as { error?: unknown }).error === "string";
  } catch {
    return false;
  }
}
