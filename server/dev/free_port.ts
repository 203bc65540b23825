/**
 * Whether a TCP port can be listened on, asked before `make dev` starts its
 * processes, so a busy port is one clear line naming it and the make variable
 * that picks another, instead of a process failing deep in the output.
 *
 * Invariant: the probe listener is closed before the answer is given.
 * @module
 */

import { createServer } from "node:net";

/** True when `host:port` can be bound now (it may of course be taken a moment later). */
export function isPortFree(port: number, host = "127.0.0.1"): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once("error", () => resolve(false));
    probe.listen({ port, host, exclusive: true }, () => probe.close(() => resolve(true)));
  });
}

/** The line `make dev` prints for a busy port, with the variable that moves it. */
export function busyPortLine(what: string, port: number, variable: string, suggestion: number) {
  return `Cannot start ${what}: port ${port} is busy (another program listens there). ` +
    `Pick another: make dev ${variable}=${suggestion}`;
}
