/**
 * How a node stops: SIGINT/SIGTERM (or its script runner gone) turn /readyz to
 * 503 at once; with a drain period the node first leaves discovery's lists and
 * keeps serving for that long (load balancers and clients move away), then it
 * closes the mesh, its clients (1001) and the store, and exits.
 *
 * Invariant: the sequence runs once, whatever asks for it and how often; a
 * fatal stop (exit code not 0) skips the drain.
 * @module
 */

import process from "node:process";
import type { Logger } from "../../common/logger.ts";
import { watchScriptRunnerParent } from "./parent_watch.ts";
import type { Readiness } from "./readiness.ts";

export interface NodeShutdownParts {
  readiness: Readiness;
  logger: Logger;
  /** `--drain-seconds`. */
  drainSeconds: number;
  /** Leaves discovery's lists, keeping links and clients. */
  leaveDiscovery(): Promise<void>;
  /** Closes the mesh, the transport, the core and the store, in that order. */
  close(): Promise<void>;
}

/** The one stop sequence; call it with the exit code. */
export function createNodeShutdown(parts: NodeShutdownParts): (exitCode: number) => Promise<void> {
  const { readiness, logger, drainSeconds } = parts;
  let shuttingDown = false;
  return async (exitCode) => {
    if (shuttingDown) return;
    shuttingDown = true;
    readiness.markDraining();
    try {
      if (exitCode === 0 && drainSeconds > 0) {
        // Out of discovery's lists first, so nobody is sent here; links and clients stay.
        logger.info("node draining", { seconds: drainSeconds, readyz: 503 });
        await parts.leaveDiscovery();
        await new Promise((resolve) => setTimeout(resolve, drainSeconds * 1000));
      }
      logger.info("node stopping", { exitCode });
      await parts.close();
    } catch (error) {
      logger.error("shutdown failed", { error: (error as Error).message });
      exitCode = exitCode || 1;
    }
    process.exit(exitCode);
  };
}

/** SIGINT, SIGTERM and a vanished script runner all stop the node cleanly. */
export function stopOnSignals(shutdown: (exitCode: number) => Promise<void>, logger: Logger) {
  process.on("SIGINT", () => void shutdown(0));
  process.on("SIGTERM", () => void shutdown(0));
  // `bun run server` killed with SIGKILL cannot pass the signal on: stop as if it had.
  watchScriptRunnerParent(() => {
    logger.info("parent process gone, stopping");
    void shutdown(0);
  });
  process.on("unhandledRejection", (reason) => {
    logger.error("unhandled rejection", { error: String(reason) });
  });
}
