import { describe, expect, test } from "bun:test";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createFileExclusively } from "./exclusive_file.ts";

describe("createFileExclusively", () => {
  test("createFileExclusively() writes the whole file once and refuses a second time", () => {
    const dir = mkdtempSync(join(tmpdir(), "dsatter-exclusive-"));
    try {
      const path = join(dir, "cluster-secret");
      createFileExclusively(path, "first\n");
      expect(() => createFileExclusively(path, "second\n")).toThrow();
      expect(readFileSync(path, "utf8")).toBe("first\n");
      expect(readdirSync(dir)).toEqual(["cluster-secret"]); // no temporary file left
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
