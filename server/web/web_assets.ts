/**
 * The web client as the node serves it: index.html, styles.css and one
 * JavaScript bundle that Bun builds from page/main.ts (TypeScript) once, at
 * start-up, in memory. The browser gets plain files: no build step on the
 * user's side, no CDN, nothing fetched from elsewhere.
 *
 * Invariant: every answer carries a strict Content-Security-Policy (scripts
 * and styles from this node only, no inline script, no eval, no framing), so
 * even text that slipped into the DOM as HTML could not run; the page's only
 * outside connections are WebSockets to other nodes of the cluster.
 * @module
 */

import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { methodNotAllowed } from "../transport/http_api.ts";

/** The policy on every web client answer. `ws:`/`wss:` let the page fail over to other nodes. */
export const WEB_CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self' ws: wss:",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join("; ");

/** Headers every web client answer carries. */
export const WEB_SECURITY_HEADERS: Record<string, string> = {
  "content-security-policy": WEB_CONTENT_SECURITY_POLICY,
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "x-frame-options": "DENY",
  "cache-control": "no-cache",
};

interface Asset {
  body: string;
  contentType: string;
}

export interface WebAssets {
  /**
   * The answer for a web client path (`/`, `/index.html`, `/assets/...`): the asset on
   * GET or HEAD, 405 on another method; undefined for any other path, so the caller
   * routes it on.
   */
  respond(request: Request): Response | undefined;
  /** The paths served, for logs and tests. */
  paths(): string[];
}

export interface LoadWebAssetsOptions {
  /** Minify the bundle. @default true */
  minify?: boolean;
}

const WEB_DIR = new URL("./", import.meta.url);
async function buildBundle(minify: boolean): Promise<string> {
  const entry = fileURLToPath(new URL("page/main.ts", WEB_DIR));
  const result = await Bun.build({
    entrypoints: [entry],
    target: "browser",
    format: "esm",
    minify,
  });
  if (!result.success || result.outputs.length !== 1) {
    const reasons = result.logs.map((log) => String(log)).join("; ");
    throw new Error(`Cannot build the web client: ${reasons || "no single output"}`);
  }
  return await result.outputs[0].text();
}

/** Reads the page and builds its script. Throws "Cannot build the web client: ..." on failure. */
export async function loadWebAssets(options: LoadWebAssetsOptions = {}): Promise<WebAssets> {
  const [html, css, script] = await Promise.all([
    readFile(new URL("index.html", WEB_DIR), "utf8"),
    readFile(new URL("styles.css", WEB_DIR), "utf8"),
    buildBundle(options.minify ?? true),
  ]);
  const page: Asset = { body: html, contentType: "text/html; charset=utf-8" };
  const assets = new Map<string, Asset>([
    ["/", page],
    ["/index.html", page],
    ["/assets/app.js", { body: script, contentType: "text/javascript; charset=utf-8" }],
    ["/assets/styles.css", { body: css, contentType: "text/css; charset=utf-8" }],
  ]);
  return {
    respond(request) {
      const path = new URL(request.url).pathname;
      if (!assets.has(path)) return undefined;
      if (request.method !== "GET" && request.method !== "HEAD") {
        return methodNotAllowed(["GET", "HEAD"]);
      }
      const asset = assets.get(path)!;
      const headers = { ...WEB_SECURITY_HEADERS, "content-type": asset.contentType };
      return new Response(request.method === "HEAD" ? null : asset.body, { headers });
    },
    paths: () => [...assets.keys()],
  };
}
