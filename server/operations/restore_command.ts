/**
 * `bun run server restore --from BACKUP --db PATH`: makes PATH, a new node
 * database, from a backup, for a node that replaces a lost one. The copy keeps
 * every message and chat but not the node identity: the node started on it
 * takes a new id (registers with discovery, or makes a local one), so it can
 * never issue a (nodeId, seq) the lost node already issued after the backup
 * and peers still hold. Its old messages keep their origin and replicate as
 * usual; what the lost node acknowledged after the backup comes back from the
 * peers that have it.
 *
 * Invariants: PATH is created new, mode 0600, and never overwritten (nor is a
 * database beside it); the backup file is only read; exit 0 only when the new
 * file passed the integrity check. Usage errors exit 2, everything else 1.
 * @module
 */

import { Database } from "bun:sqlite";
import { chmodSync, constants, copyFileSync, existsSync, unlinkSync } from "node:fs";
import { parseCommandFlags } from "./command_flags.ts";
import { ExitCode } from "../../common/exit_code.ts";
import { checkCopy } from "./backup_command.ts";

export const RESTORE_HELP = `Usage: bun run server restore --from BACKUP --db PATH

Makes a new node database at PATH (must not exist) from a backup made by
\`bun run server backup\`. Start a node with --db PATH afterwards: it gets a new
node id and catches up from its peers on what the backup lacks.`;

export function runRestoreCommand(argv: readonly string[]): number {
  const parsed = parseCommandFlags(argv, {
    name: "restore",
    action: "restore",
    help: RESTORE_HELP,
    options: {
      from: { type: "string" },
      db: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
    required: ["from", "db"],
  });
  if ("exitCode" in parsed) return parsed.exitCode;
  const { values } = parsed;
  try {
    console.log(restore(values.from!, values.db!));
    return ExitCode.ok;
  } catch (error) {
    console.error((error as Error).message);
    return ExitCode.refused;
  }
}

function restore(from: string, dbPath: string): string {
  for (const path of [dbPath, `${dbPath}-wal`, `${dbPath}-shm`]) {
    if (existsSync(path)) throw new Error(`Cannot restore: ${path} already exists`);
  }
  const facts = checkCopy(from);
  try {
    copyFileSync(from, dbPath, constants.COPYFILE_EXCL);
    chmodSync(dbPath, 0o600);
  } catch (error) {
    throw new Error(`Cannot restore into ${dbPath}: ${(error as Error).message}`, { cause: error });
  }
  let db: Database | undefined;
  let previous: number | undefined;
  try {
    db = new Database(dbPath);
    const row = db.query("SELECT node_id FROM node_identity").get() as { node_id: number } | null;
    previous = row?.node_id;
    db.exec("DELETE FROM node_identity");
    const check = db.query("PRAGMA integrity_check").get() as { integrity_check: string };
    if (check.integrity_check !== "ok") throw new Error(check.integrity_check);
  } catch (error) {
    db?.close();
    db = undefined;
    unlinkSync(dbPath); // our own half-made copy, never a database a node used
    throw new Error(`Cannot restore into ${dbPath}: ${(error as Error).message}`, { cause: error });
  } finally {
    db?.close();
  }
  return `restored ${facts.messages} messages into ${dbPath} (backup of node ${
    previous ?? "?"
  }); ` +
    "a node started on it takes a new id and catches up from its peers";
}
