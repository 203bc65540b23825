/**
 * The seam between the node and the web client (server/web/, the web-client
 * engineer's): when server/web/web_assets.ts is there, its loadWebAssets()
 * answers GET / and its assets (with their strict CSP headers); when it is
 * missing or fails to load, GET / gets a small placeholder page instead.
 *
 * Invariant: a broken web client never stops the node from serving chat.
 * @module
 */

import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { ClientEntry } from "../common/discovery_protocol.ts";
import type { Logger } from "./logger.ts";
import { methodNotAllowed } from "./http_api.ts";

export type WebRoute = (request: Request) => Response | undefined;

const WEB_ASSETS_MODULE = new URL("./web/web_assets.ts", import.meta.url);

const PLACEHOLDER_HEADERS = {
  "content-type": "text/html; charset=utf-8",
  "content-security-policy":
    "default-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
};

const PLACEHOLDER = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>DSatter node</title></head>
<body><h1>DSatter node</h1><p>This node is running. The web client is not installed here;
use the terminal client (<code>deno task client</code>) or WebSocket <code>/</code>.</p></body></html>
`;

function placeholderRoute(request: Request): Response | undefined {
  const path = new URL(request.url).pathname;
  if (path !== "/" && path !== "/index.html") return undefined;
  if (request.method !== "GET" && request.method !== "HEAD") {
    return methodNotAllowed(["GET", "HEAD"]);
  }
  return new Response(request.method === "HEAD" ? null : PLACEHOLDER, {
    headers: PLACEHOLDER_HEADERS,
  });
}

export interface WebRouteOptions {
  /**
   * The other live nodes' client addresses (discovery's node list, or `--peers`): served
   * at `GET /api/clients` so the page can fail over to them (docs/WEB.md).
   */
  peerClients?: () => ClientEntry[];
}

/** Loads the web client, or the placeholder when it is absent or broken. */
export async function loadWebRoute(
  logger: Logger,
  options: WebRouteOptions = {},
): Promise<WebRoute> {
  if (!existsSync(fileURLToPath(WEB_ASSETS_MODULE))) return placeholderRoute;
  try {
    const module = await import(WEB_ASSETS_MODULE.href) as {
      loadWebAssets(options: WebRouteOptions): Promise<{ respond: WebRoute }>;
    };
    const assets = await module.loadWebAssets(options);
    return (request) => assets.respond(request);
  } catch (error) {
    logger.warn("web client not served", { error: (error as Error).message });
    return placeholderRoute;
  }
}
