/**
 * What the SQLite store holds per connection (the writer, the durable
 * snapshot's reader): its prepared message statements, its search index and
 * its update log, each bound to that connection.
 *
 * Invariant: everything here is prepared once at open and finalized at close.
 * @module
 */

import type { Database } from "bun:sqlite";
import {
  finalizeMessageStatements,
  type MessageStatements,
  prepareMessageStatements,
} from "./sqlite_message_statements.ts";
import { SqliteSearchIndex } from "./sqlite_search_index.ts";
import { SqliteUpdateLog } from "./sqlite_update_log.ts";

/** One connection's statements, search index and update log. */
export interface Connection {
  db: Database;
  statements: MessageStatements;
  search: SqliteSearchIndex;
  updates: SqliteUpdateLog;
}

export function connect(db: Database): Connection {
  return {
    db,
    statements: prepareMessageStatements(db),
    search: new SqliteSearchIndex(db),
    updates: new SqliteUpdateLog(db),
  };
}

/** Finalizes what connect() prepared (the database itself is closed by its owner). */
export function finalizeConnection(connection: Connection): void {
  finalizeMessageStatements(connection.statements);
  connection.search.finalize();
  connection.updates.finalize();
}
