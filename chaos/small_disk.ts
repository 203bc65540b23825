/**
 * A node's small disk: a tmpfs of a fixed size mounted on a folder of the run,
 * holding the node's database, that the nemesis fills with a ballast file (the
 * database then cannot grow: SQLITE_FULL) and frees again. Needs root.
 *
 * Invariants: fill() leaves no free block (it writes until ENOSPC, in ever
 * smaller pieces); free() removes only the ballast, never a database file;
 * unmount() is idempotent; removeLeftoverDisks() unmounts the disks of chaos
 * runs whose process is gone (their folders carry the pid).
 * @module
 */

import { execFileSync } from "node:child_process";
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  rmSync,
  writeSync,
} from "node:fs";
import { join } from "node:path";
import process from "node:process";

const BALLAST = "ballast.bin";
/** Piece sizes of a fill: big first, then smaller until not one byte fits. */
const PIECES = [1024 * 1024, 64 * 1024, 4096, 512, 1];

export interface SmallDisk {
  readonly path: string;
  /** Fills every free byte; returns how many bytes the ballast took. */
  fill(): number;
  /** Removes the ballast. */
  free(): void;
  unmount(): void;
}

export function mountSmallDisk(path: string, sizeMiB: number): SmallDisk {
  mkdirSync(path, { recursive: true });
  execFileSync("mount", ["-t", "tmpfs", "-o", `size=${sizeMiB}m,mode=0755`, "tmpfs", path], {
    stdio: ["ignore", "ignore", "pipe"],
  });
  let mounted = true;
  const ballast = join(path, BALLAST);
  return {
    path,
    fill() {
      const fd = openSync(ballast, "a");
      let bytes = 0;
      try {
        for (const size of PIECES) {
          const piece = new Uint8Array(size).fill(0x5a);
          for (;;) {
            try {
              bytes += writeSync(fd, piece);
            } catch (error) {
              if ((error as NodeJS.ErrnoException).code === "ENOSPC") break;
              throw error;
            }
          }
        }
      } finally {
        closeSync(fd);
      }
      return bytes;
    },
    free() {
      rmSync(ballast, { force: true });
    },
    unmount() {
      if (!mounted) return;
      mounted = false;
      try {
        execFileSync("umount", ["-l", path], { stdio: "ignore" });
      } catch { /* not mounted */ }
    },
  };
}

/** Unmounts the tmpfs disks of chaos runs whose process is gone; returns their paths. */
export function removeLeftoverDisks(): string[] {
  if (process.getuid?.() !== 0 || !existsSync("/proc/mounts")) return [];
  const removed: string[] = [];
  for (const line of readFileSync("/proc/mounts", "utf8").split("\n")) {
    const mountPoint = line.split(" ")[1];
    const match = mountPoint && /\/dsatter-chaos-(\d+)-[^/]*\/disk-\d+$/.exec(mountPoint);
    if (!match) continue;
    try {
      process.kill(Number(match[1]), 0);
      continue;
    } catch { /* gone */ }
    try {
      execFileSync("umount", ["-l", mountPoint], { stdio: "ignore" });
      removed.push(mountPoint);
    } catch { /* already unmounted */ }
  }
  return removed;
}
