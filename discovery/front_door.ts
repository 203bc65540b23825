/**
 * Discovery's `GET /`: the one stable URL to give people. A browser is sent
 * (302) to the best live node's web page, `http(s)://ADDRESS:CLIENTPORT/`
 * with the query string kept (`/?chat=42` opens chat 42 there); when no node
 * is alive, a short page says so and reloads itself every few seconds.
 *
 * Invariant: the redirect targets only a node from the active list, with the
 * scheme that node serves (`"tls": true` -> https); nothing from the request
 * but its query string reaches the Location header.
 * @module
 */

import type { ActiveNode } from "../common/discovery_protocol.ts";
import { hostForUrl } from "../common/host_address.ts";

const RETRY_SECONDS = 5;

/** The web page URL of a node, with `search` (`?chat=42` or ""). */
export function nodePageUrl(node: ActiveNode, search: string): string {
  const scheme = node.tls ? "https" : "http";
  const host = hostForUrl(node.address.replace(/^\[(.*)\]$/, "$1"));
  return `${scheme}://${host}:${node.clientport}/${search}`;
}

const NO_NODE_PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="refresh" content="${RETRY_SECONDS}">
<title>DSatter: no chat node is up</title>
<style>body{font:1.1rem/1.5 system-ui,sans-serif;max-width:36rem;margin:4rem auto;padding:0 1rem}</style>
</head>
<body>
<h1>No chat node is up right now</h1>
<p>This address sends you to a live DSatter chat node, and none is running at the moment.
This page tries again every ${RETRY_SECONDS} seconds.</p>
<p>Running the cluster yourself? Start a node: <code>bun run server</code> (or <code>make dev</code>).</p>
</body>
</html>
`;

/** The answer to `GET /` given the ranked live nodes (best first). */
export function frontDoorResponse(ranked: readonly ActiveNode[], search: string): Response {
  const best = ranked[0];
  if (!best) {
    return new Response(NO_NODE_PAGE, {
      status: 503,
      headers: {
        "content-type": "text/html; charset=utf-8",
        "cache-control": "no-store",
        "retry-after": String(RETRY_SECONDS),
      },
    });
  }
  return new Response(null, {
    status: 302,
    headers: { location: nodePageUrl(best, search), "cache-control": "no-store" },
  });
}
