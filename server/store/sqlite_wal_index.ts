/**
 * How many frames a database's write-ahead log holds, read from the header of
 * its wal-index (the `-shm` file), without a checkpoint or a lock: the header
 * is part of SQLite's documented file format (https://sqlite.org/walformat.html,
 * "The WAL-Index Header": `mxFrame`, a 32-bit integer in the machine's byte
 * order at offset 16). The store checkpoints when this passes a bound (SQLite's
 * own automatic checkpoint is off: it would run before the commit is durable).
 *
 * Invariant: a read never changes the file; an unreadable header reads as 0
 * (no checkpoint is forced by a failed read).
 * @module
 */

import { readSync } from "node:fs";
import { endianness } from "node:os";

const HEADER_BYTES = 48;
const MX_FRAME_OFFSET = 16;
const LITTLE_ENDIAN = endianness() === "LE";

/** Frames in the log now (0 after a restart of the log), from an open `-shm` descriptor. */
export function readWalFrames(shmFd: number): number {
  const header = new Uint8Array(HEADER_BYTES);
  try {
    if (readSync(shmFd, header, 0, HEADER_BYTES, 0) < HEADER_BYTES) return 0;
  } catch {
    return 0;
  }
  return new DataView(header.buffer).getUint32(MX_FRAME_OFFSET, LITTLE_ENDIAN);
}
