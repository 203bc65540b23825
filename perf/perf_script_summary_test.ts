import { describe, expect, test } from "bun:test";
import {
  busiestThreads,
  formatSummary,
  parseSamples,
  summarizeThread,
} from "./perf_script_summary.ts";

// Three samples of thread 42 ("bun") and one of "Bun Pool 0" (43), as perf script prints them.
const SCRIPT = [
  "             bun    42 ",
  "\tffffffff8224d141 __x64_sys_pwrite64 ([kernel.kallsyms])",
  "\tffffffff81000130 entry_SYSCALL_64_after_hwframe ([kernel.kallsyms])",
  "\t7f00000010 JSC-FTL: insertMessage#AbC123 (/tmp/p/jitted-42-7.so)",
  "\t7f00000020 JSC-DFG: flush#XyZ987 (/tmp/p/jitted-42-3.so)",
  "",
  "             bun    42 ",
  "\t256c7dd [unknown] (/work/node_modules/bun/bin/bun.exe)",
  "\t7f00000030 JSC-FTL: insertMessage#AbC123 (/tmp/p/jitted-42-7.so)",
  "\t7f00000031 JSC-Baseline: insertMessage#AbC123 (/tmp/p/jitted-42-2.so)",
  "\t7f00000020 JSC-DFG: flush#XyZ987 (/tmp/p/jitted-42-3.so)",
  "",
  "             bun    42 ",
  "\t7f00000040 JSC-FTL: #send#Q1w2E3 (/tmp/p/jitted-42-9.so)",
  "",
  "      Bun Pool 0    43 ",
  "\tffffffff81000001 handle_softirqs ([kernel.kallsyms])",
  "",
  "         swapper     0 ",
  "\tffffffff8225295b pv_native_safe_halt ([kernel.kallsyms])",
  "",
].join("\n");

describe("parseSamples()", () => {
  test("reads each sample's thread, name and frames, leaf first", () => {
    const samples = parseSamples(SCRIPT);
    expect(samples.map((s) => [s.name, s.tid, s.frames.length])).toEqual([
      ["bun", "42", 4],
      ["bun", "42", 4],
      ["bun", "42", 1],
      ["Bun Pool 0", "43", 1],
      ["swapper", "0", 1],
    ]);
    expect(samples[0].frames[0]).toEqual({
      sym: "__x64_sys_pwrite64",
      dso: "[kernel.kallsyms]",
    });
  });

  test("takes a header with a time stamp and without a name", () => {
    const samples = parseSamples(" 4870  1482.644202: \n\tffff11 f ([kernel.kallsyms])\n");
    expect(samples).toEqual([
      { name: "", tid: "4870", frames: [{ sym: "f", dso: "[kernel.kallsyms]" }] },
    ]);
  });
});

describe("summarizeThread()", () => {
  test("counts leaves, system calls and JS functions once per sample", () => {
    const summary = summarizeThread(SCRIPT, "42");
    expect(summary.samples).toBe(3);
    expect(summary.name).toBe("bun");
    expect(Object.fromEntries(summary.leaf)).toEqual({ kernel: 1, runtime: 1, jit: 1 });
    expect(Object.fromEntries(summary.syscalls)).toEqual({ pwrite64: 1 });
    expect(Object.fromEntries(summary.jsInclusive)).toEqual({
      insertMessage: 2, // twice on one stack (FTL and Baseline) counts once
      flush: 2,
      "#send": 1,
    });
  });

  test("a kernel leaf outside a system call is counted as such", () => {
    expect(Object.fromEntries(summarizeThread(SCRIPT, "43").syscalls)).toEqual({
      "irq/fault/other": 1,
    });
  });
});

describe("busiestThreads() and formatSummary()", () => {
  test("orders threads by samples and leaves out the idle task", () => {
    expect(busiestThreads(SCRIPT, 5)).toEqual([["42", 3], ["43", 1]]);
  });

  test("prints shares of the thread's samples", () => {
    const text = formatSummary(summarizeThread(SCRIPT, "42"), 2);
    expect(text.split("\n")[0]).toBe("thread 42 (bun): 3 samples");
    expect(text).toContain("      2  66.7%  insertMessage");
    expect(text).toContain("kernel, by system call");
  });
});
