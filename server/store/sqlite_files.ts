/**
 * Opens a node database's files for the SQLite store: the process lock
 * (sqlite_process_lock.ts), the writer connection (WAL, secure_delete, schema
 * migrated with full syncs, then `synchronous=OFF` and no automatic
 * checkpoint: sqlite_durability.ts makes its commits durable), and the reader
 * connection the durable snapshot lives on. ":memory:" is one connection, no
 * lock, no reader.
 *
 * Invariants: a file this creates is mode 0600 (its -wal and -shm take the
 * mode from it); a refused file (locked, newer schema) is left closed and
 * unlocked, with one "Cannot open database PATH: why" error.
 * @module
 */

import { Database } from "bun:sqlite";
import { closeSync, openSync } from "node:fs";
import { migrate, type MigrationOutcome } from "./schema_migrations.ts";
import { type ProcessLock, takeProcessLock } from "./sqlite_process_lock.ts";

export const BUSY_TIMEOUT_MS = 2000;

export interface SqliteFiles {
  writer: Database;
  /** Undefined for ":memory:". */
  reader: Database | undefined;
  lock: ProcessLock | undefined;
  migration: MigrationOutcome;
}

/** Opens (creating when absent) the database at path. */
export function openSqliteFiles(path: string): SqliteFiles {
  const onDisk = path !== ":memory:";
  let lock: ProcessLock | undefined;
  let writer: Database | undefined;
  let reader: Database | undefined;
  try {
    if (onDisk) {
      createPrivateFile(path);
      // One node per file: a second node started on the same --db fails instead of reusing
      // its node id.
      lock = takeProcessLock(path, BUSY_TIMEOUT_MS);
    }
    writer = new Database(path, { create: true });
    writer.exec(`PRAGMA busy_timeout = ${BUSY_TIMEOUT_MS}`);
    writer.exec("PRAGMA journal_mode = WAL");
    writer.exec("PRAGMA synchronous = FULL");
    writer.exec("PRAGMA secure_delete = ON");
    const migration = migrate(writer);
    if (onDisk) {
      writer.exec("PRAGMA wal_autocheckpoint = 0");
      writer.exec("PRAGMA synchronous = OFF");
      reader = new Database(path);
      reader.exec(`PRAGMA busy_timeout = ${BUSY_TIMEOUT_MS}`);
      reader.exec("PRAGMA query_only = 1");
    }
    return { writer, reader, lock, migration };
  } catch (error) {
    reader?.close();
    writer?.close();
    lock?.release();
    throw new Error(`Cannot open database ${path}: ${(error as Error).message}`, {
      cause: error,
    });
  }
}

/** Creates `path` empty with mode 0600 when it does not exist (SQLite copies the mode to -wal). */
export function createPrivateFile(path: string): void {
  try {
    closeSync(openSync(path, "wx", 0o600));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
  }
}
