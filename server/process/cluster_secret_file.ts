/**
 * The cluster secret of a Bun process (a node, `make dev`): DSATTER_CLUSTER_SECRET,
 * else in development the shared file `<dataDir>/cluster-secret`, created once
 * (common/cluster_secret.ts decides; this adapter reads and writes the file).
 *
 * The file is created with its whole content at once: the content goes to a
 * temporary file first, which is then hard-linked to the final name (link(2)
 * fails with EEXIST, atomically). A process starting alongside never sees it
 * empty or half written, which a create-then-write would allow.
 * @module
 */

import { randomBytes } from "node:crypto";
import { linkSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { type ClusterSecretResult, resolveClusterSecret } from "../../common/cluster_secret.ts";

export function createFileExclusively(path: string, content: string, mode = 0o600): void {
  const temporary = `${path}.${process.pid}.${Date.now()}.tmp`;
  writeFileSync(temporary, content, { flag: "wx", mode });
  try {
    linkSync(temporary, path);
  } finally {
    unlinkSync(temporary);
  }
}

export function clusterSecretFromDataDir(
  dataDir: string,
  env: (name: string) => string | undefined,
): ClusterSecretResult {
  const file = join(dataDir, "cluster-secret");
  return resolveClusterSecret({
    env,
    readSecretFile: () => {
      try {
        return readFileSync(file, "utf8");
      } catch {
        return null;
      }
    },
    writeSecretFile: (secret) => {
      mkdirSync(dataDir, { recursive: true });
      createFileExclusively(file, secret + "\n");
    },
    randomHex: (bytes) => randomBytes(bytes).toString("hex"),
  });
}
