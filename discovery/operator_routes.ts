/**
 * Discovery's routes for operators and browsers, beside the REST contract:
 * `GET /readyz` (200 while it serves and its KV answers, 503 while draining on
 * SIGTERM or when KV fails), `GET /metrics` (Prometheus text) and `GET /`
 * (the front door: a redirect to the best live node's page).
 *
 * Invariant: none of these changes the registry; a KV failure is a 503, never
 * a 500.
 * @module
 */

import type { Hono } from "hono";
import { rankNodes } from "./client_ranking.ts";
import type { DiscoveryMetrics, MetricsRegistry } from "./discovery_metrics.ts";
import { frontDoorResponse } from "./front_door.ts";
import type { KvRegistry } from "./kv_registry.ts";

export interface OperatorRoutesOptions {
  registry: KvRegistry;
  kv: Deno.Kv;
  metricsRegistry: MetricsRegistry;
  metrics: DiscoveryMetrics;
  /** False from SIGTERM on (draining). @default always true */
  serving?: () => boolean;
}

const NO_STORE = { "cache-control": "no-store" };

// deno-lint-ignore no-explicit-any
export function addOperatorRoutes(app: Hono<any>, options: OperatorRoutesOptions): void {
  const { registry, metrics } = options;

  app.get("/readyz", async (c) => {
    if (options.serving && !options.serving()) {
      return c.json({ ready: false, phase: "draining" }, 503, NO_STORE);
    }
    try {
      await options.kv.get(["readyz"]);
    } catch (error) {
      return c.json({ ready: false, phase: "kv unavailable", error: String(error) }, 503, NO_STORE);
    }
    return c.json({ ready: true }, 200, NO_STORE);
  });

  app.get("/metrics", async (c) => {
    metrics.activeNodes.set((await registry.listActive()).length);
    return c.text(options.metricsRegistry.render(), 200, {
      "content-type": "text/plain; version=0.0.4; charset=utf-8",
      ...NO_STORE,
    });
  });

  app.get("/", async (c) => {
    const url = new URL(c.req.url);
    const region = url.searchParams.get("region") || undefined;
    return frontDoorResponse(rankNodes(await registry.listActive(), { region }), url.search);
  });
}
