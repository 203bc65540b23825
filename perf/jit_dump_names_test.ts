import { describe, expect, test } from "bun:test";
import { renameJitDumps } from "./jit_dump_names.ts";

const bytes = (text: string) => new TextEncoder().encode(text);

describe("renameJitDumps()", () => {
  test("renames jit-<tid>-<pid>.dump to jit-<pid>.dump in place, padded with NULs", () => {
    const record = "\x01\x02\x80r-xp\0/tmp/prof/jit-4273-4271.dump\0\0\0\x09tail";
    const { recording, renames } = renameJitDumps(bytes(record));
    expect(renames).toEqual([
      { from: "/tmp/prof/jit-4273-4271.dump", to: "/tmp/prof/jit-4271.dump" },
    ]);
    expect(recording.length).toBe(bytes(record).length);
    const expected = "\x01\x02\x80r-xp\0/tmp/prof/jit-4271.dump\0\0\0\0\0\0\0\0\x09tail";
    expect(recording).toEqual(bytes(expected));
  });

  test("renames every occurrence, and reports each file once", () => {
    const record = "\0/d/jit-11-10.dump\0x\0/d/jit-11-10.dump\0\0/d/jit-21-20.dump\0";
    const { recording, renames } = renameJitDumps(bytes(record));
    expect(renames.map((r) => r.to)).toEqual(["/d/jit-10.dump", "/d/jit-20.dump"]);
    const text = new TextDecoder().decode(recording);
    expect(text.includes("jit-11-10")).toBe(false);
    expect(text.split("/d/jit-10.dump").length).toBe(3);
  });

  test("leaves a recording without JIT dumps as it was", () => {
    const record = bytes("\0/usr/lib/libc.so.6\0/tmp/jit-1.dump\0");
    const { recording, renames } = renameJitDumps(record);
    expect(renames).toEqual([]);
    expect(recording).toEqual(record);
  });
});
