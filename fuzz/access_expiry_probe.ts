/**
 * One connection at a time whose token expires a few seconds after it opens,
 * on R and O in turn: PROTOCOL.md section 6 says the connection lives no longer
 * than its token, and SECURITY.md that the node closes it with 4003 (`token
 * expired`). Checked between batches without waiting for it, so that it costs
 * the run no time; finish() waits for the last one.
 *
 * Invariant: at most one probe is open; close() closes it.
 * @module
 */

import { AccessConnection } from "./access_connection.ts";
import type { AccessWorld } from "./access_world.ts";
import type { FuzzRecorder } from "./fuzz_report.ts";

const TOKEN_TTL_SECONDS = 3;
/** How long after its token's exp a probe may stay open before that is a failure. */
const CLOSE_DEADLINE_MS = 30_000;
const LABEL = "connection whose token expires (4003)";

interface Probe {
  connection: AccessConnection;
  node: string;
  expiresAtMs: number;
  closed?: { code: number; reason: string };
}

export class ExpiryProbe {
  #world: AccessWorld;
  #recorder: FuzzRecorder;
  #probe?: Probe;
  #started = 0;

  constructor(world: AccessWorld, recorder: FuzzRecorder) {
    this.#world = world;
    this.#recorder = recorder;
  }

  /** Between batches: judge the probe if it ended (or is overdue), else leave it; start the next. */
  async step(): Promise<void> {
    const probe = this.#probe;
    if (probe && !probe.closed && Date.now() < probe.expiresAtMs + CLOSE_DEADLINE_MS) return;
    if (probe) this.#judge(probe);
    await this.#start();
  }

  /** Waits for the last probe and judges it. */
  async finish(): Promise<void> {
    const probe = this.#probe;
    if (!probe) return;
    const waitMs = Math.max(0, probe.expiresAtMs + CLOSE_DEADLINE_MS - Date.now());
    await Promise.race([
      probe.connection.closed,
      new Promise((resolve) => setTimeout(resolve, waitMs)),
    ]);
    this.#judge(probe);
  }

  async close(): Promise<void> {
    await this.#probe?.connection.close();
    this.#probe = undefined;
  }

  async #start(): Promise<void> {
    const node = this.#started++ % 2 === 0
      ? this.#world.nodes.required
      : this.#world.nodes.optional;
    const token = await this.#world.token("eve", { ttlSeconds: TOKEN_TTL_SECONDS });
    const expiresAtMs = (Math.floor(Date.now() / 1000) + TOKEN_TTL_SECONDS) * 1000;
    const noop = () => {};
    const connection = await AccessConnection.open({
      url: `${node.wsUrl}?token=${token}`,
      inspect: noop,
      stray: noop,
    });
    const probe: Probe = { connection, node: node.label, expiresAtMs };
    connection.closed.then((closed) => probe.closed = closed);
    connection.send(JSON.stringify({ type: "hello", payload: { name: "eve" } }));
    this.#probe = probe;
    const byLabel = this.#recorder.report.byLabel;
    byLabel[LABEL] = (byLabel[LABEL] ?? 0) + 1;
  }

  #judge(probe: Probe): void {
    this.#probe = undefined;
    const closed = probe.closed;
    if (closed?.code === 4003 && /token expired/.test(closed.reason)) return;
    this.#recorder.fail({
      label: LABEL,
      input: `a token living ${TOKEN_TTL_SECONDS} s, on ${probe.node}`,
      expected: "closed with 4003 (token expired) once it expired",
      got: closed
        ? `closed with ${closed.code} ${closed.reason}`
        : `open ${CLOSE_DEADLINE_MS} ms past exp`,
    });
    if (!closed) void probe.connection.close();
  }
}
