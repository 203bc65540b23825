/**
 * Creates a file with its whole content at once, failing if it exists: the
 * content goes to a temporary file first, which is then hard-linked to the
 * final name (link(2) fails with EEXIST, atomically). Another process never
 * sees the file empty or half written, which a create-then-write would allow.
 * @module
 */

import { linkSync, unlinkSync, writeFileSync } from "node:fs";

export function createFileExclusively(path: string, content: string, mode = 0o600): void {
  const temporary = `${path}.${process.pid}.${Date.now()}.tmp`;
  writeFileSync(temporary, content, { flag: "wx", mode });
  try {
    linkSync(temporary, path);
  } finally {
    unlinkSync(temporary);
  }
}
