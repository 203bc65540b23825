import { describe, expect, test } from "bun:test";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { clusterSecretFromDataDir, createFileExclusively } from "./cluster_secret_file.ts";

function withDir(run: (dir: string) => void): void {
  const dir = mkdtempSync(join(tmpdir(), "dsatter-secret-"));
  try {
    run(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe("cluster secret file", () => {
  test("createFileExclusively() writes the whole file once and refuses a second time", () => {
    withDir((dir) => {
      const path = join(dir, "cluster-secret");
      createFileExclusively(path, "first\n");
      expect(() => createFileExclusively(path, "second\n")).toThrow();
      expect(readFileSync(path, "utf8")).toBe("first\n");
      expect(readdirSync(dir)).toEqual(["cluster-secret"]); // no temporary file left
    });
  });

  test("clusterSecretFromDataDir() generates the secret once, then every process reads it", () => {
    withDir((dir) => {
      const dataDir = join(dir, "data");
      const first = clusterSecretFromDataDir(dataDir, () => undefined);
      const second = clusterSecretFromDataDir(dataDir, () => undefined);
      expect(first.ok && first.origin).toBe("generated");
      expect(second.ok && second.origin).toBe("file");
      expect(first.ok && second.ok && first.secret === second.secret).toBe(true);
    });
  });

  test("clusterSecretFromDataDir() prefers DSATTER_CLUSTER_SECRET and writes nothing", () => {
    withDir((dir) => {
      const env = (name: string) =>
        name === "DSATTER_CLUSTER_SECRET" ? "0123456789abcdef0123" : undefined;
      const result = clusterSecretFromDataDir(dir, env);
      expect(result).toEqual({ ok: true, secret: "0123456789abcdef0123", origin: "env" });
      expect(readdirSync(dir)).toEqual([]);
    });
  });
});
