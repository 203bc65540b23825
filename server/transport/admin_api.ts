/**
 * The node's operator routes, authorised by the cluster secret
 * (`Authorization: Bearer <DSATTER_CLUSTER_SECRET>`, like discovery's writes):
 * `POST /admin/backup` answers with a consistent copy of the node's database,
 * made while it runs (docs/OPERATIONS.md "Backups and restore";
 * `bun run server backup` is its client).
 *
 * Invariants: nothing is answered or done without the secret (401, compared in
 * constant time); the copy is made in a private temporary file next to the
 * database (same disk), which is unlinked as soon as it is open, so no copy is
 * left behind whatever happens to the download; the database itself is never
 * touched beyond the read.
 * @module
 */

import { createHash, timingSafeEqual } from "node:crypto";
import { createReadStream, fstatSync, openSync, unlinkSync } from "node:fs";
import { Readable } from "node:stream";
import type { Logger } from "../../common/logger.ts";

export interface AdminContext {
  secret: string;
  /** The database file (the temporary copy goes beside it). */
  dbPath: string;
  nodeId: number;
  /** Writes a consistent copy of the store to a new file at path (when the store allows). */
  backupTo(path: string): Promise<void> | void;
  schemaVersion(): number;
  logger: Logger;
}

export const ADMIN_BACKUP_PATH = "/admin/backup";

function digest(text: string): Buffer {
  return createHash("sha256").update(text).digest();
}

/** True when the request carries the cluster secret as a Bearer token. */
export function hasClusterSecret(request: Request, secret: string): boolean {
  const match = /^Bearer\s+(.+)$/i.exec(request.headers.get("authorization") ?? "");
  return match !== null && timingSafeEqual(digest(match[1].trim()), digest(secret));
}

function fail(status: number, error: string, headers: Record<string, string> = {}): Response {
  return Response.json({ error }, { status, headers: { "cache-control": "no-store", ...headers } });
}

/** The answer for an `/admin/` path; undefined for any other path. */
export function handleAdminRequest(
  request: Request,
  context: AdminContext,
): Response | Promise<Response> | undefined {
  const path = new URL(request.url).pathname;
  if (!path.startsWith("/admin/")) return undefined;
  if (!hasClusterSecret(request, context.secret)) {
    return fail(401, "Cannot run admin requests: missing or wrong cluster secret", {
      "www-authenticate": 'Bearer realm="dsatter"',
    });
  }
  if (path !== ADMIN_BACKUP_PATH) return fail(404, "Cannot find this admin path");
  if (request.method !== "POST") {
    return Response.json({ error: "Cannot handle method: use POST" }, {
      status: 405,
      headers: { allow: "POST" },
    });
  }
  return backup(context);
}

async function backup(context: AdminContext): Promise<Response> {
  const stamp = new Date().toISOString().replace(/[-:.]/g, "");
  const temporary = `${context.dbPath}.backup-${stamp}-${process.pid}.tmp`;
  const startMs = performance.now();
  let fd: number;
  try {
    await context.backupTo(temporary);
    fd = openSync(temporary, "r");
  } catch (error) {
    removeQuietly(temporary);
    context.logger.error("backup failed", { error: (error as Error).message });
    return fail(503, `Cannot back up: ${(error as Error).message}`);
  }
  removeQuietly(temporary); // the open descriptor keeps the bytes until the download ends
  const size = fstatSync(fd).size;
  context.logger.info("backup made", {
    bytes: size,
    ms: Math.round(performance.now() - startMs),
  });
  const stream = Readable.toWeb(createReadStream("", { fd, autoClose: true }));
  return new Response(stream as unknown as ReadableStream, {
    headers: {
      "content-type": "application/vnd.sqlite3",
      "content-length": String(size),
      "content-disposition": `attachment; filename="dsatter-node-${context.nodeId}-${stamp}.db"`,
      "cache-control": "no-store",
      "x-dsatter-node-id": String(context.nodeId),
      "x-dsatter-schema-version": String(context.schemaVersion()),
    },
  });
}

function removeQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // already gone
  }
}
