/**
 * What the soak and the fuzzers watch of a local process, read from /proc:
 * resident memory, open file descriptors, and the size of files it writes
 * (SQLite database and WAL). node:fs only, so Bun and Deno harnesses share it.
 *
 * Invariant: read-only; a value that cannot be read is undefined (the process
 * is gone, or this is not Linux), never a guess.
 * @module
 */

import { readdir, readFile, stat } from "node:fs/promises";

/** Resident set size in bytes (VmRSS), or undefined. */
export async function readRssBytes(pid: number | undefined): Promise<number | undefined> {
  if (pid === undefined) return undefined;
  try {
    const status = await readFile(`/proc/${pid}/status`, "utf8");
    const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
    return match ? Number(match[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** Open file descriptors (sockets, files, pipes), or undefined. */
export async function readOpenFdCount(pid: number | undefined): Promise<number | undefined> {
  if (pid === undefined) return undefined;
  try {
    return (await readdir(`/proc/${pid}/fd`)).length;
  } catch {
    return undefined;
  }
}

/** Size of a file in bytes; 0 when it does not exist (a WAL after a checkpoint-truncate). */
export async function fileSizeBytes(path: string): Promise<number> {
  try {
    return (await stat(path)).size;
  } catch {
    return 0;
  }
}
