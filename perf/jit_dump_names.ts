/**
 * JavaScriptCore (Bun) writes its JIT code map for `perf` as `jit-<tid>-<pid>.dump`
 * (`BUN_JSC_useJITDump=1`), and `perf inject --jit` of perf 6.1 (Debian bookworm) only
 * recognises `jit-<pid>.dump`: without a fix every JIT-compiled JS frame is an address.
 * renameJitDumps() rewrites those names inside a perf.data recording, padding with NULs
 * so no record changes length (the name is a C string inside its mmap record).
 *
 * Invariants: pure (bytes in, bytes out); every other byte stays as it was; a recording
 * without such names comes back unchanged, with no renames.
 * @module
 */

const JIT_DUMP = /\/jit-(\d+)-(\d+)\.dump/g;

export interface JitDumpRename {
  /** The path as recorded (the file JavaScriptCore wrote). */
  from: string;
  /** The path perf looks for: a copy of `from` must exist there. */
  to: string;
}

/** The recording with each `jit-<tid>-<pid>.dump` path renamed `jit-<pid>.dump`. */
export function renameJitDumps(
  recording: Uint8Array,
): { recording: Uint8Array; renames: JitDumpRename[] } {
  // latin1 keeps one char per byte, so string offsets are byte offsets.
  const text = new TextDecoder("latin1").decode(recording);
  const out = recording.slice();
  const renames = new Map<string, JitDumpRename>();
  for (const match of text.matchAll(JIT_DUMP)) {
    const start = text.lastIndexOf("\0", match.index) + 1;
    const from = text.slice(start, match.index + match[0].length);
    const to = from.slice(0, from.length - match[0].length) + `/jit-${match[2]}.dump`;
    renames.set(from, { from, to });
    for (let i = 0; i < from.length; i++) {
      out[start + i] = i < to.length ? to.charCodeAt(i) : 0;
    }
  }
  return { recording: out, renames: [...renames.values()] };
}
