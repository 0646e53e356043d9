/**
 * The SQLite schema of {@linkcode SqliteStateStore}: its versions, the steps between
 * them, and the statements the store runs.
 *
 * @module
 */

/**
 * Marks a database as written by this package (`PRAGMA application_id`, "GrSt"), so a
 * database of another application is refused rather than written into.
 */
export const APPLICATION_ID = 0x47725374;

/** The entries table. */
export const TABLE = "greentic_state";

/**
 * The steps from one schema version to the next (`PRAGMA user_version`): step `i` takes
 * a database from version `i` to `i + 1`. Append a step to change the schema; never edit
 * one that has shipped.
 */
export const MIGRATIONS: readonly string[] = [
  // 0 -> 1: the entries, one row per (namespace, key). `ns` is `namespaceOf(ctx, prefix)`;
  // `json` the document as JSON text; `deadline` the expiry in epoch ms, NULL for none.
  // The primary key makes lookups and `WHERE ns = ?` (delPrefix, listKeys) index ranges.
  `CREATE TABLE ${TABLE} (
     ns TEXT NOT NULL,
     key TEXT NOT NULL,
     json TEXT NOT NULL,
     deadline INTEGER,
     PRIMARY KEY (ns, key)
   )`,
  // 1 -> 2: an index of the entries that expire, so each write can purge a few expired
  // rows without scanning the table.
  `CREATE INDEX ${TABLE}_deadline ON ${TABLE} (deadline) WHERE deadline IS NOT NULL`,
];

/** The schema version this code writes and reads. */
export const SCHEMA_VERSION = MIGRATIONS.length;

/** How many expired rows each write removes at most. */
export const PURGE_PER_WRITE = 8;

/** How many keys `listKeys` reads per query. */
export const LIST_PAGE = 256;

/** The statements of the store, prepared once per connection. */
export const SQL = {
  begin: "BEGIN IMMEDIATE",
  commit: "COMMIT",
  rollback: "ROLLBACK",
  select: `SELECT json, deadline FROM ${TABLE} WHERE ns = ? AND key = ?`,
  selectDeadline: `SELECT deadline FROM ${TABLE} WHERE ns = ? AND key = ?`,
  /** Params: ns, key, json, deadline. Replaces the document and the deadline. */
  upsert: `INSERT INTO ${TABLE} (ns, key, json, deadline) VALUES (?, ?, ?, ?)
    ON CONFLICT (ns, key) DO UPDATE SET json = excluded.json, deadline = excluded.deadline`,
  /**
   * Params: ns, key, json, now. Replaces the document and keeps a live entry's deadline;
   * an expired entry is replaced by one without TTL, as if it had not been there.
   */
  upsertKeep: `INSERT INTO ${TABLE} (ns, key, json, deadline) VALUES (?, ?, ?, NULL)
    ON CONFLICT (ns, key) DO UPDATE SET json = excluded.json,
      deadline = CASE WHEN deadline > ? THEN deadline ELSE NULL END`,
  /** Params: ns, key. */
  delete: `DELETE FROM ${TABLE} WHERE ns = ? AND key = ? RETURNING deadline`,
  /**
   * Params: ns, now. Removes the namespace's expired rows; `+deadline` keeps the planner
   * on the primary key (the namespace's range) rather than the whole store's expiry index.
   */
  deleteExpiredOfNs: `DELETE FROM ${TABLE} WHERE ns = ? AND +deadline <= ?`,
  /** Params: ns. Run after `deleteExpiredOfNs`, its change count is the live rows removed. */
  deleteNs: `DELETE FROM ${TABLE} WHERE ns = ?`,
  /** Params: ns, now, limit. Keys as BLOBs: some runtimes cut TEXT at U+0000. */
  listFirst: `SELECT CAST(key AS BLOB) AS k, deadline FROM ${TABLE}
    WHERE ns = ? AND (deadline IS NULL OR deadline > ?) ORDER BY key LIMIT ?`,
  /** Params: ns, after, now, limit. */
  listNext: `SELECT CAST(key AS BLOB) AS k, deadline FROM ${TABLE}
    WHERE ns = ? AND key > ? AND (deadline IS NULL OR deadline > ?) ORDER BY key LIMIT ?`,
  /** Params: now, limit. */
  purge: `DELETE FROM ${TABLE} WHERE rowid IN (
    SELECT rowid FROM ${TABLE} WHERE deadline <= ? ORDER BY deadline LIMIT ?)`,
  count: `SELECT count(*) AS n FROM ${TABLE}`,
} as const;
