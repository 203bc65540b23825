/**
 * One node per database file: a lock held for the life of the process on a
 * small file beside the database (`<db>-lock`, an empty SQLite database in
 * EXCLUSIVE locking mode). The database itself can no longer carry that lock:
 * the store reads it through a second connection (its durable snapshot,
 * sqlite_durability.ts), which an exclusive lock on the database would shut out.
 *
 * Invariant: while a process holds the lock, no other process (nor another
 * store in this one) can take it; the operating system drops it when the
 * process exits or is killed, so a SIGKILL never leaves a file locked.
 * @module
 */

import { Database } from "bun:sqlite";

/** The lock file of a database path. */
export function lockPathOf(databasePath: string): string {
  return `${databasePath}-lock`;
}

export interface ProcessLock {
  /** Lets the lock go (the store is closing). */
  release(): void;
}

/**
 * Takes the lock of databasePath, waiting up to busyTimeoutMs; throws SQLite's
 * "database is locked" when another holder keeps it.
 */
export function takeProcessLock(databasePath: string, busyTimeoutMs = 2000): ProcessLock {
  const lock = new Database(lockPathOf(databasePath), { create: true });
  try {
    lock.exec(`PRAGMA busy_timeout = ${Math.max(0, Math.floor(busyTimeoutMs))}`);
    lock.exec("PRAGMA locking_mode = EXCLUSIVE");
    // An exclusive transaction takes the file's exclusive lock; EXCLUSIVE locking mode keeps it.
    lock.exec("BEGIN EXCLUSIVE; COMMIT");
  } catch (error) {
    lock.close();
    throw error;
  }
  return { release: () => lock.close() };
}
