/**
 * `bun run server backup --node URL --out FILE [--ca FILE]`: asks a running
 * node for a consistent copy of its database (`POST /admin/backup` with the
 * cluster secret) and writes it to FILE, then checks the copy opens and passes
 * SQLite's integrity check. Works while the node serves: the node makes the
 * copy itself (`VACUUM INTO`), so its exclusive lock is no obstacle.
 *
 * Invariants: FILE is created new (never overwritten) and mode 0600; it only
 * gets its name once the whole copy arrived and checked out (a `.partial` file
 * before); exit 0 only then. Usage errors exit 2, everything else 1.
 * @module
 */

import { Database } from "bun:sqlite";
import * as fs from "node:fs";
import { createWriteStream, existsSync, readFileSync, renameSync, unlinkSync } from "node:fs";
import { once } from "node:events";
import { parseCommandFlags } from "./command_flags.ts";
import { ExitCode } from "../../common/exit_code.ts";
import { clusterSecretFromDataDir } from "../../common/cluster_secret_file.ts";
import { createOutbound } from "../process/outbound.ts";
import { ADMIN_BACKUP_PATH } from "../transport/admin_api.ts";

export const BACKUP_HELP = `Usage: bun run server backup --node URL --out FILE [--ca FILE]

Copies a running node's database to FILE (created new, mode 0600) while it serves.
  --node URL   the node, e.g. http://127.0.0.1:3001 (https:// for a TLS node)
  --out FILE   where the copy goes; must not exist
  --ca FILE    PEM CA bundle to trust for an https:// node with a private CA
The cluster secret comes from DSATTER_CLUSTER_SECRET (or, in development, data/cluster-secret).
Restore with: bun run server restore --from FILE --db PATH`;

export async function runBackupCommand(
  argv: readonly string[],
  env: (name: string) => string | undefined,
): Promise<number> {
  const parsed = parseCommandFlags(argv, {
    name: "backup",
    action: "back up",
    help: BACKUP_HELP,
    options: {
      node: { type: "string" },
      out: { type: "string" },
      ca: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
    required: ["node", "out"],
  });
  if ("exitCode" in parsed) return parsed.exitCode;
  const { values } = parsed;
  try {
    const summary = await backUp({ ...values, node: values.node!, out: values.out! }, env);
    console.log(summary);
    return ExitCode.ok;
  } catch (error) {
    console.error((error as Error).message);
    return ExitCode.refused;
  }
}

async function backUp(
  options: { node: string; out: string; ca?: string },
  env: (name: string) => string | undefined,
): Promise<string> {
  if (existsSync(options.out)) throw new Error(`Cannot back up: ${options.out} already exists`);
  const secret = clusterSecretFromDataDir(env("DSATTER_DATA_DIR") || "data", { env, fs });
  if (!secret.ok) throw new Error(secret.error);
  const caPem = options.ca ? readFileSync(options.ca, "utf8") : undefined;
  const url = `${options.node.replace(/\/+$/, "")}${ADMIN_BACKUP_PATH}`;
  let response: Response;
  try {
    response = await createOutbound(caPem).fetch(url, {
      method: "POST",
      headers: { authorization: `Bearer ${secret.secret}` },
    });
  } catch (error) {
    throw new Error(`Cannot back up: cannot reach ${url}: ${(error as Error).message}`);
  }
  if (!response.ok || !response.body) {
    const body = await response.text().catch(() => "");
    throw new Error(`Cannot back up: ${url} answered ${response.status} ${body}`.trim());
  }
  const partial = `${options.out}.partial`;
  await writeStream(response.body, partial);
  try {
    const facts = checkCopy(partial);
    renameSync(partial, options.out);
    return `backup of node ${response.headers.get("x-dsatter-node-id")} written to ${options.out}` +
      ` (${facts.bytes} bytes, ${facts.messages} messages, schema ${facts.schema})`;
  } catch (error) {
    unlinkSync(partial);
    throw error;
  }
}

async function writeStream(body: ReadableStream<Uint8Array>, path: string): Promise<void> {
  const file = createWriteStream(path, { flags: "wx", mode: 0o600 });
  const reader = body.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (!file.write(value)) await once(file, "drain");
    }
  } finally {
    file.end();
    await once(file, "close");
  }
}

/** Opens the copy read-only and checks it; throws with the reason when it is not usable. */
export function checkCopy(path: string): { bytes: number; messages: number; schema: number } {
  let db: Database | undefined;
  try {
    db = new Database(path, { readonly: true });
    const check = db.query("PRAGMA integrity_check").get() as { integrity_check: string };
    if (check.integrity_check !== "ok") throw new Error(check.integrity_check);
    const { count } = db.query("SELECT COUNT(*) AS count FROM messages").get() as {
      count: number;
    };
    const { user_version } = db.query("PRAGMA user_version").get() as { user_version: number };
    return { bytes: Bun.file(path).size, messages: count, schema: user_version };
  } catch (error) {
    throw new Error(`Cannot use the copy ${path}: ${(error as Error).message}`, { cause: error });
  } finally {
    db?.close();
  }
}
