/**
 * The store's durability worker (a Bun Worker, started by sqlite_durability.ts):
 * checkpoints off the event loop. `checkpoint` copies the write-ahead log into
 * the database file through the worker's own connection, with SQLite's full
 * syncs (log before, database after), and with `TRUNCATE` empties the log (an
 * erased text must leave no older page behind). Each answer carries the log's
 * frame count afterwards.
 *
 * Invariants: requests are answered one at a time, in the order they came;
 * an answer `ok` means what it did is on disk; a failure is answered, never
 * thrown away (the node decides what it means).
 * @module
 */

import { Database } from "bun:sqlite";
import { closeSync, fdatasyncSync, openSync } from "node:fs";
import { readWalFrames } from "./sqlite_wal_index.ts";

export type SyncRequest =
  | { id: number; op: "open"; path: string; busyTimeoutMs: number }
  | { id: number; op: "checkpoint"; mode: "PASSIVE" | "TRUNCATE" }
  | { id: number; op: "close" };

export type SyncReply =
  | { id: number; ok: true; walFrames: number; complete?: boolean }
  | { id: number; ok: false; error: string; code?: string };

interface Files {
  connection: Database;
  walFd: number;
  shmFd: number;
}

declare const self: {
  onmessage: ((event: MessageEvent<SyncRequest>) => void) | null;
  postMessage(reply: SyncReply): void;
};

let files: Files | undefined;

function open(path: string, busyTimeoutMs: number): Files {
  const connection = new Database(path);
  connection.exec(`PRAGMA busy_timeout = ${busyTimeoutMs}`);
  connection.exec("PRAGMA synchronous = FULL");
  return {
    connection,
    walFd: openSync(`${path}-wal`, "r+"),
    shmFd: openSync(`${path}-shm`, "r"),
  };
}

function opened(): Files {
  if (!files) throw new Error("the durability worker has no open database");
  return files;
}

/** A checkpoint through the worker's connection: true when the whole log went into the file. */
function checkpoint(mode: "PASSIVE" | "TRUNCATE"): boolean {
  const { connection, walFd } = opened();
  const row = connection.query(`PRAGMA wal_checkpoint(${mode})`).get() as {
    busy: number;
    log: number;
    checkpointed: number;
  };
  // The truncation itself is metadata: make it stick like the rest.
  if (mode === "TRUNCATE") fdatasyncSync(walFd);
  return row.busy === 0 && row.checkpointed === row.log;
}

function answer(request: SyncRequest): SyncReply {
  switch (request.op) {
    case "open":
      files = open(request.path, request.busyTimeoutMs);
      return { id: request.id, ok: true, walFrames: readWalFrames(files.shmFd) };
    case "checkpoint": {
      const complete = checkpoint(request.mode);
      return { id: request.id, ok: true, walFrames: readWalFrames(opened().shmFd), complete };
    }
    case "close":
      if (files) {
        files.connection.close();
        closeSync(files.walFd);
        closeSync(files.shmFd);
        files = undefined;
      }
      return { id: request.id, ok: true, walFrames: 0 };
  }
}

self.onmessage = (event) => {
  const request = event.data;
  try {
    self.postMessage(answer(request));
  } catch (error) {
    const { message, code } = error as { message?: string; code?: string };
    self.postMessage({ id: request.id, ok: false, error: message ?? String(error), code });
  }
};
