/**
 * The node's HTTP routes (PROTOCOL.md sections 4 and 8) besides the web client:
 * /healthz (liveness), /readyz (readiness), /metrics, /api/clients (the other live nodes, for the web page's
 * failover) and the chats REST API. Pure request -> response over the
 * chat node, so tests can call it without a socket.
 *
 * Invariants: POST answers 201 only after the message is durable (and fanned
 * out); bad input (not UTF-8, not JSON, a wrong field, over 64 KiB) gets 400/413
 * with {"error"} and changes nothing; a POST past its address's rate gets 429
 * with Retry-After before its body is read; a retry reusing a clientMsgId for
 * another chat or text gets 409; one error handler turns anything unexpected
 * into 500 {"error"} without details.
 * The chats and search API (section 6): a POST whose Content-Type is not application/json
 * gets 415, a bad token (or none, with --auth required) 401, a private chat the
 * caller may not use or a sender other than its token's sub 403; /healthz,
 * /metrics and /api/clients need no token.
 * @module
 */

import { StorageRefusedError } from "../core/storage_guard.ts";
import { ClientMsgIdConflictError } from "../core/chat_node.ts";
import type { RateDecision } from "./address_rate_limit.ts";
import { parseChatIdParam, validatePostMessageBody } from "../../common/client_frame_validation.ts";
import type { ClientEntry } from "../../common/discovery_protocol.ts";
import { readJsonBody } from "../../common/json_body.ts";
import { parseSearchQuery } from "../../common/message_event_validation.ts";
import { Limits } from "../../common/protocol.ts";
import type { ChatNode } from "../core/chat_node.ts";
import type { Logger } from "../../common/logger.ts";
import type { MetricsRegistry, NodeMetrics } from "../observability/metrics_registry.ts";
import type { Identity } from "../core/chat_access.ts";
import { unauthorized, type UserAuth } from "./user_auth.ts";
import { type ReadinessPhase, readyzResponse } from "../process/readiness.ts";

export interface HttpApiContext {
  node: ChatNode;
  registry: MetricsRegistry;
  metrics: NodeMetrics;
  /** Reads the caller's token (--auth). */
  auth: UserAuth;
  logger: Logger;
  /** Open client connections. */
  clientCount: () => number;
  /** Open peer links. */
  peerCount: () => number;
  /**
   * The other live nodes' client addresses, best first (discovery's node list or
   * `--peers`; empty when standalone): `GET /api/clients`, discovery's shape.
   */
  peerClients: () => ClientEntry[];
  /** The node's phase for `/readyz`. @default always serving */
  readiness?: () => ReadinessPhase;
  /** Charges a REST POST to its client's address. @default not limited */
  admitPost?: () => RateDecision;
}

/** The largest POST body read. */
export const POST_BODY_MAX_BYTES = 64 * 1024;

const JSON_HEADERS = { "cache-control": "no-store" };

function json(body: unknown, status = 200): Response {
  return Response.json(body, { status, headers: JSON_HEADERS });
}

function fail(status: number, error: string): Response {
  return json({ error }, status);
}

/** 405 with the methods the path takes (RFC 9110: an Allow header). */
export function methodNotAllowed(allowed: readonly string[]): Response {
  return Response.json({ error: `Cannot handle method: use ${allowed.join(" or ")}` }, {
    status: 405,
    headers: { ...JSON_HEADERS, allow: allowed.join(", ") },
  });
}

const isRead = (request: Request) => request.method === "GET" || request.method === "HEAD";

const MESSAGES_PATH = /^\/api\/chats\/([^/]+)\/messages\/?$/;

/** The answer for an API path; undefined when the path is not one of these routes. */
export async function handleApiRequest(
  request: Request,
  context: HttpApiContext,
): Promise<Response | undefined> {
  const url = new URL(request.url);
  const path = url.pathname;
  try {
    if (path === "/healthz") {
      if (!isRead(request)) return methodNotAllowed(["GET", "HEAD"]);
      return json({
        ok: true,
        nodeId: context.node.nodeId,
        peers: context.peerCount(),
        clients: context.clientCount(),
      });
    }
    if (path === "/readyz") {
      if (!isRead(request)) return methodNotAllowed(["GET", "HEAD"]);
      return readyzResponse(context.readiness?.() ?? "serving");
    }
    if (path === "/metrics") {
      if (!isRead(request)) return methodNotAllowed(["GET", "HEAD"]);
      return new Response(context.registry.render(), {
        headers: { "content-type": "text/plain; version=0.0.4; charset=utf-8", ...JSON_HEADERS },
      });
    }
    if (path === "/api/clients") {
      if (!isRead(request)) return methodNotAllowed(["GET", "HEAD"]);
      const activeNodes = context.peerClients().map(({ address, clientport }) => ({
        address,
        clientport,
      }));
      return json({ activeNodes });
    }
    if (path === "/api/chats" || path === "/api/chats/") {
      if (!isRead(request)) return methodNotAllowed(["GET", "HEAD"]);
      const reader = await identify(request, context);
      if (reader instanceof Response) return reader;
      return json(context.node.access.chatsFor(reader));
    }
    if (path === "/api/search" || path === "/api/search/") {
      if (!isRead(request)) return methodNotAllowed(["GET", "HEAD"]);
      const reader = await identify(request, context);
      if (reader instanceof Response) return reader;
      return searchResponse(url, reader, context);
    }
    const match = MESSAGES_PATH.exec(path);
    if (!match) return undefined;
    if (!isRead(request) && request.method !== "POST") {
      return methodNotAllowed(["GET", "HEAD", "POST"]);
    }
    if (request.method === "POST" && !isJsonMediaType(request.headers.get("content-type"))) {
      context.metrics.refused.inc();
      return fail(415, "Cannot accept: the body must be Content-Type application/json");
    }
    if (request.method === "POST") {
      const refusal = postRateRefusal(context);
      if (refusal) return refusal;
    }
    const reader = await identify(request, context);
    if (reader instanceof Response) return reader;
    const chatId = parseChatIdParam(match[1]);
    if (chatId === null) return fail(400, "Cannot read chat: the chat id must be an integer >= 0");
    const forbidden = context.node.access.checkChat(chatId, reader);
    if (forbidden) return refuse(context, `Cannot use chat: ${forbidden.message}`);
    if (isRead(request)) return getMessages(url, chatId, reader, context);
    return await postMessage(request, chatId, reader, context);
  } catch (error) {
    context.logger.error("http request failed", { path, error: (error as Error).message });
    return fail(500, "Cannot answer: internal error");
  }
}

/**
 * Who a REST request speaks for (Authorization: Bearer, never a URL token), or the 401 to
 * answer. Every route that reads or writes chats starts here.
 */
export async function identify(
  request: Request,
  context: Pick<HttpApiContext, "auth" | "metrics">,
): Promise<Identity | Response> {
  const who = await context.auth.authenticate(request);
  if (who.ok) return who.identity;
  context.metrics.refused.inc();
  return unauthorized(who.error);
}

function refuse(context: HttpApiContext, error: string): Response {
  context.metrics.refused.inc();
  return fail(403, error);
}

/** `application/json`, with parameters (charset) or not; nothing else. */
export function isJsonMediaType(contentType: string | null): boolean {
  if (contentType === null) return false;
  return contentType.split(";")[0].trim().toLowerCase() === "application/json";
}

function getMessages(
  url: URL,
  chatId: number,
  reader: Identity,
  context: HttpApiContext,
): Response {
  const limitParam = url.searchParams.get("limit");
  let limit: number = Limits.syncDefaultLimit;
  if (limitParam !== null && limitParam !== "") {
    if (!/^[0-9]{1,4}$/.test(limitParam)) return fail(400, "Cannot read: limit must be 1..1000");
    limit = Number(limitParam);
    if (limit < 1 || limit > Limits.syncLimitMax) {
      return fail(400, `Cannot read: limit must be 1..${Limits.syncLimitMax}`);
    }
  }
  const before = url.searchParams.get("before") || undefined;
  if (before !== undefined && !/^[0-9]{1,40}$/.test(before)) {
    return fail(400, "Cannot read: before must be a messageId");
  }
  const result = context.node.history({ chatId, before, limit }, reader);
  if (!result.ok) return fail(404, `Cannot read: ${result.error.message}`);
  return new Response(JSON.stringify(result.messages), {
    headers: {
      "content-type": "application/json",
      "x-more": String(result.more),
      ...JSON_HEADERS,
    },
  });
}

/** `GET /api/search`: the same answer as the `search` frame, the cursor in headers. */
function searchResponse(url: URL, reader: Identity, context: HttpApiContext): Response {
  const query = parseSearchQuery(url.searchParams);
  if (!query.ok) return fail(400, `Cannot search: ${query.error.message}`);
  const outcome = context.node.search(query.value, reader);
  if (!outcome.ok) {
    const error = `Cannot search: ${outcome.error.message}`;
    return outcome.error.code === "forbidden" ? refuse(context, error) : fail(400, error);
  }
  const headers: Record<string, string> = {
    "content-type": "application/json",
    "x-more": String(outcome.more),
    ...JSON_HEADERS,
  };
  if (outcome.before !== undefined) headers["x-next-before"] = outcome.before;
  return new Response(JSON.stringify(outcome.messages), { headers });
}

/** 429 with Retry-After when the POST is past its address's rate (before any token check). */
function postRateRefusal(context: HttpApiContext): Response | undefined {
  const admitted = context.admitPost?.();
  if (!admitted || admitted.ok) return undefined;
  const error =
    `Cannot accept: too many requests from your address; retry after ${admitted.retryAfterSeconds} s`;
  return Response.json({ error }, {
    status: 429,
    headers: { ...JSON_HEADERS, "retry-after": String(admitted.retryAfterSeconds) },
  });
}

async function postMessage(
  request: Request,
  chatId: number,
  reader: Identity,
  context: HttpApiContext,
): Promise<Response> {
  const body = await readJsonBody(request, POST_BODY_MAX_BYTES);
  if (!body.ok) return fail(body.status, body.error);
  const payload = validatePostMessageBody(body.value, chatId);
  if (!payload.ok) return fail(400, `Cannot accept: ${payload.error.message}`);
  const speaker = context.node.access.checkSpeaker(payload.value.sender, reader);
  if (speaker) return refuse(context, `Cannot accept: ${speaker.message}`);
  try {
    const outcome = await context.node.sendLocal(payload.value);
    return json(outcome.message, 201);
  } catch (error) {
    if (error instanceof StorageRefusedError) return fail(503, error.message);
    if (error instanceof ClientMsgIdConflictError) {
      return fail(409, `Cannot accept: ${error.message}`);
    }
    context.logger.error("message not stored", { error: (error as Error).message });
    return fail(503, "Cannot store the message now: try again");
  }
}
