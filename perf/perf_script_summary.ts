/**
 * A summary of `perf script -F comm,tid,ip,sym,dso` text (a recording with call chains, JIT
 * frames named by `perf inject --jit`) for one thread: how many samples, where each one's
 * leaf was (kernel, the runtime's own code, JIT-compiled JS, a library), which system call
 * the kernel samples were in, and the JS functions on the stack (inclusive: a function
 * counts once per sample it is anywhere in). Counts are samples, not time-weighted, so an
 * idle thread adds nothing (unlike Bun's --cpu-prof-md, whose weights include idle gaps).
 *
 * Invariants: pure; lines it does not understand are skipped; percentages are of the
 * thread's samples.
 * @module
 */

export interface ThreadSummary {
  tid: string;
  /** The thread's name (perf's comm), when the text has it. */
  name: string;
  samples: number;
  /** Leaf location: "kernel", "jit", "runtime" (the bun executable), or a library name. */
  leaf: Map<string, number>;
  /** Kernel samples by the system call they were in ("irq/fault/other" otherwise). */
  syscalls: Map<string, number>;
  /** JS functions anywhere on the stack, once per sample. */
  jsInclusive: Map<string, number>;
}

interface Frame {
  sym: string;
  dso: string;
}

interface Sample {
  tid: string;
  name: string;
  /** Leaf first. */
  frames: Frame[];
}

/** A sample's first line: [comm] tid [time:], comm padded and possibly with spaces. */
const HEADER = /^\s*(?:(.*?)\s+)?(\d+)(?:\s+[\d.]+:)?\s*$/;
/** A frame of its call chain: tab, address, symbol, (dso). */
const FRAME = /^\t\s*[0-9a-f]+ (.*) \((.*)\)$/;
const JIT_NAME = /^JSC-[A-Za-z]+: (.*?)(?:#\w+)?$/;

/** Each sample's thread id and frames, leaf first. */
export function parseSamples(text: string): Sample[] {
  const samples: Sample[] = [];
  let current: Sample | undefined;
  for (const line of text.split("\n")) {
    if (line.startsWith("\t")) {
      const frame = FRAME.exec(line);
      if (frame && current) current.frames.push({ sym: frame[1], dso: frame[2] });
      continue;
    }
    const header = HEADER.exec(line);
    if (!header) continue;
    current = { name: header[1] ?? "", tid: header[2], frames: [] };
    samples.push(current);
  }
  return samples;
}

/** The summary of one thread's samples. */
export function summarizeThread(text: string, tid: string): ThreadSummary {
  const summary: ThreadSummary = {
    tid,
    name: "",
    samples: 0,
    leaf: new Map(),
    syscalls: new Map(),
    jsInclusive: new Map(),
  };
  for (const sample of parseSamples(text)) {
    if (sample.tid !== tid || sample.frames.length === 0) continue;
    summary.samples += 1;
    summary.name ||= sample.name;
    const leaf = sample.frames[0];
    const where = leafKind(leaf);
    bump(summary.leaf, where);
    if (where === "kernel") {
      const call = sample.frames.find((f) => /^__(?:x64|do)_sys_/.test(f.sym));
      bump(summary.syscalls, call ? call.sym.replace(/^__(?:x64|do)_sys_/, "") : "irq/fault/other");
    }
    const seen = new Set<string>();
    for (const frame of sample.frames) {
      if (!frame.dso.includes("jitted-")) continue;
      const name = JIT_NAME.exec(frame.sym)?.[1] || "(anonymous)";
      if (seen.has(name)) continue;
      seen.add(name);
      bump(summary.jsInclusive, name);
    }
  }
  return summary;
}

/** The threads with the most samples, busiest first. */
export function busiestThreads(text: string, count: number): Array<[string, number]> {
  const samples = new Map<string, number>();
  for (const sample of parseSamples(text)) {
    if (sample.tid !== "0") bump(samples, sample.tid);
  }
  return [...samples].sort((a, b) => b[1] - a[1]).slice(0, count);
}

/** The summary as text: the top `top` lines of each part. */
export function formatSummary(summary: ThreadSummary, top = 25): string {
  const name = summary.name ? ` (${summary.name})` : "";
  const lines = [`thread ${summary.tid}${name}: ${summary.samples} samples`];
  const part = (title: string, counts: Map<string, number>) => {
    lines.push(`  ${title}`);
    for (const [name, n] of [...counts].sort((a, b) => b[1] - a[1]).slice(0, top)) {
      const share = summary.samples ? (100 * n / summary.samples).toFixed(1) : "0.0";
      lines.push(`    ${String(n).padStart(7)} ${share.padStart(5)}%  ${name}`);
    }
  };
  part("leaf", summary.leaf);
  part("kernel, by system call", summary.syscalls);
  part("JS functions on the stack (inclusive)", summary.jsInclusive);
  return lines.join("\n");
}

function leafKind(frame: Frame): string {
  if (frame.dso.includes("kernel")) return "kernel";
  if (frame.dso.includes("jitted-")) return "jit";
  if (/\/bun(\.exe)?$/.test(frame.dso)) return "runtime";
  return frame.dso.split("/").pop() ?? frame.dso;
}

function bump(counts: Map<string, number>, key: string): void {
  counts.set(key, (counts.get(key) ?? 0) + 1);
}
