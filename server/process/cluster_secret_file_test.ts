/**
 * common/cluster_secret_file.ts on the real node:fs of Bun (the nodes, `make dev`); the pure
 * rules are tested in common/ with an in-memory file system.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  clusterSecretFromDataDir,
  createFileExclusively,
} from "../../common/cluster_secret_file.ts";

function withDir(run: (dir: string) => void): void {
  const dir = fs.mkdtempSync(join(tmpdir(), "dsatter-secret-"));
  try {
    run(dir);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const noEnv = () => undefined;

test("createFileExclusively() writes the whole file once and refuses a second time", () => {
  withDir((dir) => {
    const path = join(dir, "cluster-secret");
    createFileExclusively(fs, path, { content: "first\n" });
    assert.throws(() => createFileExclusively(fs, path, { content: "second\n" }));
    assert.equal(fs.readFileSync(path, "utf8"), "first\n");
    assert.deepEqual(fs.readdirSync(dir), ["cluster-secret"]); // no temporary file left
    assert.equal(fs.statSync(path).mode & 0o777, 0o600);
  });
});

test("clusterSecretFromDataDir() generates the secret once, then every process reads it", () => {
  withDir((dir) => {
    const dataDir = join(dir, "data");
    const first = clusterSecretFromDataDir(dataDir, { env: noEnv, fs });
    const second = clusterSecretFromDataDir(dataDir, { env: noEnv, fs });
    assert.equal(first.ok && first.origin, "generated");
    assert.equal(second.ok && second.origin, "file");
    assert.ok(first.ok && second.ok && first.secret === second.secret);
    assert.match(first.ok ? first.secret : "", /^[0-9a-f]{64}$/);
  });
});

test("clusterSecretFromDataDir() prefers DSATTER_CLUSTER_SECRET and writes nothing", () => {
  withDir((dir) => {
    const env = (name: string) =>
      name === "DSATTER_CLUSTER_SECRET" ? "0123456789abcdef0123" : undefined;
    const result = clusterSecretFromDataDir(dir, { env, fs });
    assert.deepEqual(result, { ok: true, secret: "0123456789abcdef0123", origin: "env" });
    assert.deepEqual(fs.readdirSync(dir), []);
  });
});

test("clusterSecretFromDataDir() says why when the file cannot be read", () => {
  withDir((dir) => {
    // The secret's path is a folder: reading it fails with something other than "missing".
    fs.mkdirSync(join(dir, "cluster-secret"));
    const result = clusterSecretFromDataDir(dir, { env: noEnv, fs });
    assert.equal(result.ok, false);
    assert.match(result.ok ? "" : result.error, /^Cannot read .*cluster-secret: /);
  });
});
