import { test } from "node:test";
import assert from "node:assert/strict";
import {
  clusterSecretFromDataDir,
  createFileExclusively,
  type SecretFileSystem,
} from "./cluster_secret_file.ts";

/** Files in a Map, with node:fs's errors for what the adapter relies on. */
function memoryFs(files = new Map<string, string>()) {
  const fail = (code: string) => Object.assign(new Error(code), { code });
  const fs: SecretFileSystem & { files: Map<string, string>; dirs: Set<string> } = {
    files,
    dirs: new Set(),
    readFileSync(path) {
      const text = files.get(path);
      if (text === undefined) throw fail("ENOENT");
      return text;
    },
    writeFileSync(path, data, options) {
      if (options.flag === "wx" && files.has(path)) throw fail("EEXIST");
      files.set(path, data);
    },
    linkSync(existing, path) {
      if (files.has(path)) throw fail("EEXIST");
      files.set(path, files.get(existing)!);
    },
    unlinkSync(path) {
      files.delete(path);
    },
    mkdirSync(path) {
      fs.dirs.add(path);
    },
  };
  return fs;
}

const noEnv = () => undefined;

test("createFileExclusively() writes once, refuses a second time, leaves no temporary file", () => {
  const fs = memoryFs();
  createFileExclusively(fs, "data/cluster-secret", { content: "first\n" });
  assert.throws(() => createFileExclusively(fs, "data/cluster-secret", { content: "second\n" }));
  assert.deepEqual([...fs.files], [["data/cluster-secret", "first\n"]]);
});

test("clusterSecretFromDataDir() generates once into <dataDir>/cluster-secret, then reads it", () => {
  const fs = memoryFs();
  const first = clusterSecretFromDataDir("data/", { env: noEnv, fs });
  const second = clusterSecretFromDataDir("data", { env: noEnv, fs });
  assert.equal(first.ok && first.origin, "generated");
  assert.equal(second.ok && second.origin, "file");
  assert.ok(first.ok && second.ok && first.secret === second.secret);
  assert.deepEqual([...fs.files.keys()], ["data/cluster-secret"]);
  assert.ok(fs.dirs.has("data/"));
});

test("clusterSecretFromDataDir() prefers DSATTER_CLUSTER_SECRET and writes nothing", () => {
  const fs = memoryFs();
  const env = (name: string) =>
    name === "DSATTER_CLUSTER_SECRET" ? "0123456789abcdef0123" : undefined;
  const result = clusterSecretFromDataDir("data", { env, fs });
  assert.deepEqual(result, { ok: true, secret: "0123456789abcdef0123", origin: "env" });
  assert.equal(fs.files.size, 0);
});

test("clusterSecretFromDataDir() says why when the file cannot be read", () => {
  const fs = memoryFs();
  fs.readFileSync = () => {
    throw Object.assign(new Error("permission denied"), { code: "EACCES" });
  };
  const result = clusterSecretFromDataDir("data", { env: noEnv, fs });
  assert.deepEqual(result, {
    ok: false,
    error: "Cannot read data/cluster-secret: permission denied",
  });
});
