/**
 * The cluster secret of a process (discovery, a node, `make dev`):
 * DSATTER_CLUSTER_SECRET, else in development the shared file
 * `<dataDir>/cluster-secret`, created once (common/cluster_secret.ts decides;
 * this reads and writes the file). The file system is injected in the shape of
 * `node:fs`, which Deno and Bun both provide: callers pass
 * the `node:fs` module itself; tests an in-memory one.
 *
 * Invariant: the file is created with its whole content at once: the content
 * goes to a temporary file first, which is then hard-linked to the final name
 * (link(2) fails with EEXIST, atomically). A process starting alongside never
 * sees it empty or half written, which a create-then-write would allow.
 * @module
 */

import { type ClusterSecretResult, resolveClusterSecret } from "./cluster_secret.ts";
import { randomHex } from "./random_hex.ts";

/** The part of `node:fs` the secret file needs. */
export interface SecretFileSystem {
  readFileSync(path: string, encoding: "utf8"): string;
  writeFileSync(path: string, data: string, options: { flag: "wx"; mode: number }): void;
  linkSync(existingPath: string, newPath: string): void;
  unlinkSync(path: string): void;
  mkdirSync(path: string, options: { recursive: true; mode: number }): unknown;
}

/** Writes `content` to `path` in one step; throws when `path` already exists. */
export function createFileExclusively(
  fs: SecretFileSystem,
  path: string,
  options: { content: string; mode?: number },
): void {
  const temporary = `${path}.${randomHex(8)}.tmp`;
  fs.writeFileSync(temporary, options.content, { flag: "wx", mode: options.mode ?? 0o600 });
  try {
    fs.linkSync(temporary, path);
  } finally {
    fs.unlinkSync(temporary);
  }
}

/** The secret for a process whose data folder is dataDir, or why there is none. */
export function clusterSecretFromDataDir(
  dataDir: string,
  sources: { env: (name: string) => string | undefined; fs: SecretFileSystem },
): ClusterSecretResult {
  const { fs } = sources;
  const file = `${dataDir.replace(/\/+$/, "")}/cluster-secret`;
  try {
    return resolveClusterSecret({
      env: sources.env,
      readSecretFile: () => {
        try {
          return fs.readFileSync(file, "utf8");
        } catch (error) {
          if ((error as { code?: string }).code === "ENOENT") return null;
          throw error;
        }
      },
      writeSecretFile: (secret) => {
        fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
        createFileExclusively(fs, file, { content: secret + "\n" });
      },
      randomHex,
    });
  } catch (error) {
    return { ok: false, error: `Cannot read ${file}: ${(error as Error).message}` };
  }
}
