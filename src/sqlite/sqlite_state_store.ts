/**
 * The SQLite backend: a durable store in one file, on the runtime's built-in
 * `node:sqlite` (Deno 2.2+, Node.js 22.5+), with no npm dependency.
 *
 * @module
 */

import { parseJson } from "../core/json_parse.ts";
import type { DatabaseSync, StatementSync } from "node:sqlite";
import { closedError, writeArgs } from "../core/args.ts";
import { invalidInput, quote, StateError } from "../core/errors.ts";
import { describeType } from "../core/ids.ts";
import type { JsonValue } from "../core/json_value.ts";
import { readAt, writeAt } from "../core/pointer.ts";
import { keyText, type StateKey } from "../core/state_key.ts";
import { pathSegments, type StatePath } from "../core/state_path.ts";
import type { StateStore } from "../core/state_store.ts";
import { namespaceOf } from "../core/storage_key.ts";
import type { TenantCtx } from "../core/tenant_ctx.ts";
import { secondsLeft } from "../core/ttl.ts";
import { isBusy, toStateError } from "./_errors.ts";
import { sqlite } from "./_node_sqlite.ts";
import {
  APPLICATION_ID,
  LIST_PAGE,
  MIGRATIONS,
  PURGE_PER_WRITE,
  SCHEMA_VERSION,
  SQL,
} from "./_schema.ts";

/** Options of {@linkcode SqliteStateStore}. */
export interface SqliteStateStoreOptions {
  /**
   * The database file, created with its schema if missing. `":memory:"` opens a private
   * in-memory database that lives as long as the store.
   */
  path: string;
  /**
   * The clock, in epoch milliseconds, that deadlines are set and checked with. Inject one
   * to test TTLs without waiting. Deadlines are stored as epoch ms, so every process
   * sharing a file should use the same kind of clock.
   *
   * @default {Date.now}
   */
  now?: () => number;
  /**
   * How long a call waits for another connection (of this or another process) to
   * release the database lock before it fails with `timeout`, in milliseconds. The wait
   * blocks the calling thread, as every `node:sqlite` call does.
   *
   * @default {5000}
   */
  busyTimeoutMs?: number;
  /**
   * When a write counts as done (SQLite's `synchronous` setting, in WAL mode):
   * - `"full"`: the write is flushed to the disk (fsync) before the call resolves, so it
   *   survives a crash of the process, the operating system or the machine.
   * - `"normal"`: the write survives a crash of the process, but the last writes before
   *   a power loss or an operating-system crash may be lost (never the file's
   *   consistency). Writes are many times faster: the disk is flushed only at checkpoints.
   *
   * @default {"full"}
   */
  synchronous?: "full" | "normal";
}

/** The default of {@linkcode SqliteStateStoreOptions.busyTimeoutMs}. */
const DEFAULT_BUSY_TIMEOUT_MS = 5000;

/** The default of {@linkcode SqliteStateStoreOptions.synchronous}. */
const DEFAULT_SYNCHRONOUS = "full";

interface Row {
  json: string;
  deadline: number | null;
}

type Statements = { -readonly [name in keyof typeof SQL]: StatementSync };

const decoder = new TextDecoder();

/**
 * A {@linkcode StateStore} that keeps documents in a SQLite database file, so they
 * survive restarts and can be shared by the processes of one machine.
 *
 * Every write is one transaction (`BEGIN IMMEDIATE`): a path write reads, changes and
 * writes the document under the database's write lock, so processes writing distinct
 * paths of one document through the same file lose no update. The file is in WAL mode
 * (readers do not wait for writers), and by default a write that resolved has been
 * flushed to the disk (see {@linkcode SqliteStateStoreOptions.synchronous}). Each write
 * also deletes a few expired rows, so the file does not grow with dead entries. Calls are
 * synchronous underneath: a call waiting for another process's lock blocks the thread,
 * for at most `busyTimeoutMs`.
 *
 * A file that is not a readable database of this package (corrupt, of another
 * application, of a newer schema) makes the constructor throw `StateError`
 * `unavailable` with the path in the message; an older schema is migrated.
 *
 * @example Keep state in a file across restarts
 * ```ts
 * import { SqliteStateStore } from "@greentic/state/sqlite";
 * import { TenantCtx } from "@greentic/state";
 * import assert from "node:assert/strict";
 *
 * const dir = await Deno.makeTempDir();
 * const path = `${dir}/state.db`;
 * const ctx = new TenantCtx("dev", "tenant-123");
 * {
 *   await using store = new SqliteStateStore({ path });
 *   await store.setJson(ctx, "flow/example", "node/state", null, { status: "ready" }, 300);
 *   await store.setJson(ctx, "flow/example", "node/state", "/status", "running");
 * }
 * {
 *   await using reopened = new SqliteStateStore({ path });
 *   assert.deepEqual(await reopened.getJson(ctx, "flow/example", "node/state"), {
 *     status: "running",
 *   });
 *   assert.equal(await reopened.ttl(ctx, "flow/example", "node/state"), 300);
 * }
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export class SqliteStateStore implements StateStore {
  readonly #path: string;
  readonly #now: () => number;
  readonly #busyTimeoutMs: number;
  readonly #db: DatabaseSync;
  readonly #sql: Statements;
  #closed = false;

  /**
   * Opens the database at `options.path`, creating it or migrating its schema as needed.
   *
   * @param options The file, the clock, the lock wait and the durability of writes.
   * @throws {StateError} `invalid_input` for bad options; `unavailable` if the file cannot
   *   be opened or is not a database of this package (the message names the path);
   *   `timeout` if another connection held the lock longer than `busyTimeoutMs`.
   */
  constructor(options: SqliteStateStoreOptions) {
    const { path, now, busyTimeoutMs, synchronous } = checkOptions(options);
    this.#path = path;
    this.#now = now;
    this.#busyTimeoutMs = busyTimeoutMs;
    let db: DatabaseSync | undefined;
    try {
      const opened = db = new sqlite.DatabaseSync(path);
      db.exec(`PRAGMA busy_timeout = ${busyTimeoutMs}`);
      // Before anything is written to a file that may not be ours:
      inReadTransaction(db, () => checkOwner(opened, path));
      enableWal(db, busyTimeoutMs);
      // After a checkpoint, cut the WAL file back instead of keeping its largest size.
      db.exec("PRAGMA journal_size_limit = 4194304");
      db.exec(`PRAGMA synchronous = ${synchronous === "full" ? "FULL" : "NORMAL"}`);
      migrate(db, path);
      const sql: Partial<Statements> = {};
      for (const name of Object.keys(SQL) as (keyof typeof SQL)[]) {
        sql[name] = db.prepare(SQL[name]);
      }
      this.#sql = sql as Statements;
      this.#db = db;
    } catch (error) {
      try {
        db?.close();
      } catch {
        // already failing: the first error is the one to report
      }
      throw toStateError(error, path, busyTimeoutMs);
    }
  }

  /** The database path this store was opened on. */
  get path(): string {
    return this.#path;
  }

  /**
   * Rows held in the database file, expired ones not yet purged included; 0 once closed.
   * It counts the rows (a scan of the primary-key index), so it costs time in proportion
   * to the data: meant for monitoring and tests, not for a hot path.
   */
  get size(): number {
    if (this.#closed) return 0;
    try {
      return (this.#sql.count.get() as { n: number }).n;
    } catch (error) {
      throw this.#error(error);
    }
  }

  /** {@inheritDoc StateStore.getJson} */
  getJson<T = JsonValue>(
    ctx: TenantCtx,
    prefix: string,
    key: StateKey | string,
    path?: StatePath | string | null,
  ): Promise<T | undefined> {
    try {
      this.#checkOpen();
      const ns = namespaceOf(ctx, prefix);
      const name = keyText(key);
      const segments = pathSegments(path);
      const row = this.#sql.select.get(ns, name) as Row | undefined;
      if (row === undefined || !this.#isLive(row.deadline, this.#now())) {
        return Promise.resolve(undefined);
      }
      const doc = parseJson(row.json) as JsonValue;
      return Promise.resolve((segments.length === 0 ? doc : readAt(doc, segments)) as T);
    } catch (error) {
      return Promise.reject(this.#error(error));
    }
  }

  /** {@inheritDoc StateStore.setJson} */
  setJson(
    ctx: TenantCtx,
    prefix: string,
    key: StateKey | string,
    path: StatePath | string | null | undefined,
    value: unknown,
    ttlSecs?: number | null,
  ): Promise<void> {
    try {
      this.#checkOpen();
      const ns = namespaceOf(ctx, prefix);
      const { key: name, segments, ttl, text } = writeArgs(key, path, value, ttlSecs);
      const now = this.#now();
      if (segments.length === 0) {
        // A whole document needs nothing from the stored one: one statement, no read.
        const json = text;
        this.#write(now, () => {
          if (ttl === null) this.#sql.upsertKeep.run(ns, name, json, now);
          else this.#sql.upsert.run(ns, name, json, ttl === 0 ? null : now + ttl * 1000);
        });
      } else {
        // Read, change and write under the write lock, so no other writer interleaves.
        this.#write(now, () => {
          const row = this.#sql.select.get(ns, name) as Row | undefined;
          const live = row !== undefined && this.#isLive(row.deadline, now) ? row : undefined;
          const doc = live === undefined ? undefined : parseJson(live.json) as JsonValue;
          const json = JSON.stringify(writeAt(doc, segments, parseJson(text)));
          const deadline = ttl === null
            ? live?.deadline ?? null
            : ttl === 0
            ? null
            : now + ttl * 1000;
          this.#sql.upsert.run(ns, name, json, deadline);
        });
      }
      return Promise.resolve();
    } catch (error) {
      return Promise.reject(this.#error(error));
    }
  }

  /** {@inheritDoc StateStore.ttl} */
  ttl(ctx: TenantCtx, prefix: string, key: StateKey | string): Promise<number | null | undefined> {
    try {
      this.#checkOpen();
      const ns = namespaceOf(ctx, prefix);
      const name = keyText(key);
      const row = this.#sql.selectDeadline.get(ns, name) as Pick<Row, "deadline"> | undefined;
      const now = this.#now();
      if (row === undefined || !this.#isLive(row.deadline, now)) return Promise.resolve(undefined);
      return Promise.resolve(row.deadline === null ? null : secondsLeft(row.deadline, now));
    } catch (error) {
      return Promise.reject(this.#error(error));
    }
  }

  /** {@inheritDoc StateStore.del} */
  del(ctx: TenantCtx, prefix: string, key: StateKey | string): Promise<boolean> {
    try {
      this.#checkOpen();
      const ns = namespaceOf(ctx, prefix);
      const name = keyText(key);
      const now = this.#now();
      const removed = this.#write(now, () => {
        const rows = this.#sql.delete.all(ns, name) as Pick<Row, "deadline">[];
        return rows.length > 0 && this.#isLive(rows[0]!.deadline, now);
      });
      return Promise.resolve(removed);
    } catch (error) {
      return Promise.reject(this.#error(error));
    }
  }

  /** {@inheritDoc StateStore.delPrefix} */
  delPrefix(ctx: TenantCtx, prefix: string): Promise<number> {
    try {
      this.#checkOpen();
      const ns = namespaceOf(ctx, prefix);
      const now = this.#now();
      const live = this.#write(now, () => {
        this.#sql.deleteExpiredOfNs.run(ns, now);
        return Number(this.#sql.deleteNs.run(ns).changes);
      });
      return Promise.resolve(live);
    } catch (error) {
      return Promise.reject(this.#error(error));
    }
  }

  /**
   * {@inheritDoc StateStore.listKeys}
   *
   * Keys come in pages of a few hundred, in UTF-8 byte order, each page a fresh query:
   * no statement stays open between pages, and keys written meanwhile after the last one
   * yielded are seen.
   */
  async *listKeys(ctx: TenantCtx, prefix: string): AsyncGenerator<string, void, undefined> {
    this.#checkOpen();
    const ns = namespaceOf(ctx, prefix);
    let after: string | null = null;
    for (;;) {
      let page: { k: Uint8Array; deadline: number | null }[];
      try {
        this.#checkOpen();
        const now = this.#now();
        page = (after === null
          ? this.#sql.listFirst.all(ns, now, LIST_PAGE)
          : this.#sql.listNext.all(ns, after, now, LIST_PAGE)) as typeof page;
      } catch (error) {
        throw this.#error(error);
      }
      for (const row of page) {
        after = decoder.decode(row.k);
        // The page was read at once; each key is yielded only if still live now.
        this.#checkOpen();
        if (row.deadline === null || this.#isLive(row.deadline, this.#now())) yield after;
      }
      if (page.length < LIST_PAGE) return;
    }
  }

  /** {@inheritDoc StateStore.close} */
  close(): Promise<void> {
    if (this.#closed) return Promise.resolve();
    this.#closed = true;
    try {
      this.#db.close();
      return Promise.resolve();
    } catch (error) {
      return Promise.reject(this.#error(error));
    }
  }

  /** Same as {@linkcode SqliteStateStore.close}. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  #checkOpen(): void {
    if (this.#closed) throw closedError("SQLite store");
  }

  #isLive(deadline: number | null, now: number): boolean {
    return deadline === null || now < deadline;
  }

  /**
   * Runs `change` in a write transaction that also purges a few expired rows, and commits;
   * on any error rolls back, so a failed write changes nothing.
   */
  #write<T>(now: number, change: () => T): T {
    this.#sql.begin.run();
    try {
      const result = change();
      this.#sql.purge.run(now, PURGE_PER_WRITE);
      this.#sql.commit.run();
      return result;
    } catch (error) {
      try {
        this.#sql.rollback.run();
      } catch {
        // SQLite may have rolled back already; the first error is the one to report
      }
      throw error;
    }
  }

  #error(error: unknown): StateError {
    return toStateError(error, this.#path, this.#busyTimeoutMs);
  }
}

function checkOptions(options: unknown): Required<SqliteStateStoreOptions> {
  if (options === null || typeof options !== "object") {
    throw invalidInput(
      `Invalid SqliteStateStore options: expected an object such as { path: "./state.db" }, ` +
        `got ${describeType(options)}`,
    );
  }
  const { path, now, busyTimeoutMs, synchronous } = options as Record<string, unknown>;
  if (typeof path !== "string" || path === "" || path.includes("\u0000")) {
    throw invalidInput(
      `Invalid SqliteStateStore path ${
        typeof path === "string" ? quote(path) : describeType(path)
      }: use a file path such as "./state.db", or ":memory:"`,
    );
  }
  if (now !== undefined && typeof now !== "function") {
    throw invalidInput(
      `Invalid SqliteStateStore clock: expected a function returning epoch ms, got ` +
        describeType(now),
    );
  }
  if (
    busyTimeoutMs !== undefined &&
    (typeof busyTimeoutMs !== "number" || !Number.isInteger(busyTimeoutMs) ||
      busyTimeoutMs < 0 || busyTimeoutMs > 2 ** 31 - 1)
  ) {
    throw invalidInput(
      `Invalid busyTimeoutMs ${
        typeof busyTimeoutMs === "number" ? String(busyTimeoutMs) : describeType(busyTimeoutMs)
      }: use a whole number of milliseconds from 0 to ${2 ** 31 - 1}`,
    );
  }
  if (synchronous !== undefined && synchronous !== "full" && synchronous !== "normal") {
    throw invalidInput(
      `Invalid synchronous ${
        typeof synchronous === "string" ? quote(synchronous) : describeType(synchronous)
      }: use "full" (flushed to disk on every write) or "normal" (faster; the last writes ` +
        `may be lost to a power loss)`,
    );
  }
  return {
    path,
    synchronous: synchronous ?? DEFAULT_SYNCHRONOUS,
    now: (now as (() => number) | undefined) ?? Date.now,
    busyTimeoutMs: busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS,
  };
}

function pragma(db: DatabaseSync, name: string): number {
  const row = db.prepare(`PRAGMA ${name}`).get() as Record<string, unknown> | undefined;
  return Number(row?.[name] ?? 0);
}

/**
 * Switches the database to WAL mode. SQLite answers "database is locked" at once, without
 * waiting on the busy timeout, when several connections switch a new file at the same
 * time; so retry, with short sleeps, for up to `busyTimeoutMs`.
 */
function enableWal(db: DatabaseSync, busyTimeoutMs: number): void {
  const deadline = Date.now() + busyTimeoutMs;
  const sleeper = new Int32Array(new SharedArrayBuffer(4));
  for (let delay = 1;; delay = Math.min(delay * 2, 50)) {
    try {
      db.exec("PRAGMA journal_mode = WAL");
      return;
    } catch (error) {
      if (!isBusy(error) || Date.now() >= deadline) throw error;
    }
    Atomics.wait(sleeper, 0, 0, delay); // a synchronous sleep: the constructor is synchronous
  }
}

/**
 * Runs `read` in one read transaction, so its statements see one snapshot: another
 * process creating the schema meanwhile is seen entirely or not at all.
 */
function inReadTransaction<T>(db: DatabaseSync, read: () => T): T {
  db.exec("BEGIN");
  try {
    return read();
  } finally {
    db.exec("COMMIT");
  }
}

/**
 * Throws `unavailable` unless the database is empty or one of this package whose schema
 * this code knows. Call it in a transaction: it reads three things that must agree.
 */
function checkOwner(db: DatabaseSync, path: string): number {
  const applicationId = pragma(db, "application_id");
  const version = pragma(db, "user_version");
  if (applicationId === APPLICATION_ID) {
    if (version > SCHEMA_VERSION) {
      throw new StateError(
        "unavailable",
        `Cannot open the SQLite database ${quote(path, 200)}: it was written by a newer ` +
          `version of @greentic/state (schema version ${version}; this version knows up to ` +
          `${SCHEMA_VERSION}); upgrade @greentic/state`,
      );
    }
    return version;
  }
  const objects = (db.prepare("SELECT count(*) AS n FROM sqlite_schema").get() as { n: number })
    .n;
  if (applicationId !== 0 || version !== 0 || objects !== 0) {
    throw new StateError(
      "unavailable",
      `Cannot open the SQLite database ${quote(path, 200)}: it belongs to another ` +
        `application (application_id ${applicationId}, user_version ${version}, ` +
        `${objects} schema objects); use a new file or one written by @greentic/state`,
    );
  }
  return 0;
}

/** Brings the schema to {@linkcode SCHEMA_VERSION}, in one transaction. */
function migrate(db: DatabaseSync, path: string): void {
  if (inReadTransaction(db, () => checkOwner(db, path)) === SCHEMA_VERSION) return;
  db.exec("BEGIN IMMEDIATE");
  try {
    // Again under the write lock: another process may have migrated meanwhile.
    const version = checkOwner(db, path);
    for (let step = version; step < SCHEMA_VERSION; step++) db.exec(MIGRATIONS[step]!);
    db.exec(`PRAGMA application_id = ${APPLICATION_ID}`);
    db.exec(`PRAGMA user_version = ${SCHEMA_VERSION}`);
    db.exec("COMMIT");
  } catch (error) {
    try {
      db.exec("ROLLBACK");
    } catch {
      // the first error is the one to report
    }
    throw error;
  }
}
