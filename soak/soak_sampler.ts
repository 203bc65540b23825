/**
 * Samples the soak cluster every few seconds: each node's RSS, open file
 * descriptors and SQLite file sizes (database and WAL), discovery's RSS and
 * descriptors, and the load so far. Written out as JSON and CSV.
 *
 * Invariant: one sample per tick, in time order; a value that cannot be read is
 * recorded as null (a process gone), never skipped.
 * @module
 */

import { writeFileSync } from "node:fs";
import { fileSizeBytes, readOpenFdCount, readRssBytes } from "./process_stats.ts";

export interface SampledProcess {
  name: string;
  pid: number | undefined;
  /** SQLite database path (nodes only). */
  dbPath?: string;
}

export interface ProcessSample {
  rssBytes: number | null;
  fds: number | null;
  dbBytes?: number;
  walBytes?: number;
}

export interface Sample {
  /** Seconds since the load started. */
  t: number;
  processes: Record<string, ProcessSample>;
  acked: number;
  sent: number;
}

export async function sampleProcess(process: SampledProcess): Promise<ProcessSample> {
  const sample: ProcessSample = {
    rssBytes: (await readRssBytes(process.pid)) ?? null,
    fds: (await readOpenFdCount(process.pid)) ?? null,
  };
  if (process.dbPath) {
    sample.dbBytes = await fileSizeBytes(process.dbPath);
    sample.walBytes = await fileSizeBytes(`${process.dbPath}-wal`);
  }
  return sample;
}

export async function takeSample(
  processes: SampledProcess[],
  t: number,
  load: { acked: number; sent: number },
): Promise<Sample> {
  const sampled: Record<string, ProcessSample> = {};
  for (const process of processes) sampled[process.name] = await sampleProcess(process);
  return { t, processes: sampled, ...load };
}

/** The series of one field of one process, null samples left out. */
export function series(samples: Sample[], name: string, field: keyof ProcessSample): number[] {
  return samples.map((s) => s.processes[name]?.[field]).filter((v): v is number =>
    typeof v === "number"
  );
}

/** One CSV row per sample and process. */
export function samplesCsv(samples: Sample[]): string {
  const rows = ["t_s,process,rss_bytes,fds,db_bytes,wal_bytes,acked,sent"];
  for (const sample of samples) {
    for (const [name, p] of Object.entries(sample.processes)) {
      rows.push(
        [
          sample.t,
          name,
          p.rssBytes ?? "",
          p.fds ?? "",
          p.dbBytes ?? "",
          p.walBytes ?? "",
          sample.acked,
          sample.sent,
        ].join(","),
      );
    }
  }
  return rows.join("\n") + "\n";
}

export function writeSamples(basePath: string, samples: Sample[], summary: unknown): void {
  writeFileSync(`${basePath}.json`, JSON.stringify({ summary, samples }, null, 1));
  writeFileSync(`${basePath}.csv`, samplesCsv(samples));
}
