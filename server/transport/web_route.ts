/**
 * The web client route: GET / and the page's assets, as built by
 * server/web/web_assets.ts (with their strict CSP headers). When the page
 * cannot be built, GET / gets a small placeholder page instead.
 *
 * Invariant: a broken web client never stops the node from serving chat.
 * @module
 */

import type { Logger } from "../../common/logger.ts";
import { loadWebAssets } from "../web/web_assets.ts";
import { methodNotAllowed } from "./http_api.ts";

export type WebRoute = (request: Request) => Response | undefined;

const PLACEHOLDER_HEADERS = {
  "content-type": "text/html; charset=utf-8",
  "content-security-policy":
    "default-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
};

const PLACEHOLDER = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>DSatter node</title></head>
<body><h1>DSatter node</h1><p>This node is running, but its web client could not be built;
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

/** Builds the web client, or falls back to the placeholder page when that fails. */
export async function loadWebRoute(logger: Logger): Promise<WebRoute> {
  try {
    const assets = await loadWebAssets();
    return (request) => assets.respond(request);
  } catch (error) {
    logger.warn("web client not served", { error: (error as Error).message });
    return placeholderRoute;
  }
}
