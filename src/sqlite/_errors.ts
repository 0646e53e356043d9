/**
 * Turns errors of `node:sqlite` into {@linkcode StateError}s that name the database file.
 *
 * @module
 */

import { quote, StateError } from "../core/errors.ts";

// SQLite primary result codes (https://sqlite.org/rescode.html).
const SQLITE_BUSY = 5;
const SQLITE_LOCKED = 6;
const SQLITE_NOMEM = 7;
const SQLITE_READONLY = 8;
const SQLITE_IOERR = 10;
const SQLITE_CORRUPT = 11;
const SQLITE_FULL = 13;
const SQLITE_TOOBIG = 18;
const SQLITE_CANTOPEN = 14;
const SQLITE_PROTOCOL = 15;
const SQLITE_NOTADB = 26;

const UNAVAILABLE = new Set([
  SQLITE_NOMEM,
  SQLITE_READONLY,
  SQLITE_IOERR,
  SQLITE_CORRUPT,
  SQLITE_FULL,
  SQLITE_CANTOPEN,
  SQLITE_PROTOCOL,
  SQLITE_NOTADB,
]);

// Node.js sets a numeric `errcode`; Deno sets only the message, so match the messages
// SQLite gives for the same codes (sqlite3ErrStr).
const BUSY_MESSAGE = /database (?:table )?is locked/i;
const UNAVAILABLE_MESSAGE = new RegExp(
  [
    "out of memory",
    "attempt to write a readonly database",
    "disk I/O error",
    "database disk image is malformed",
    "database or disk is full",
    "unable to open database file",
    "locking protocol",
    "file is not a database",
    "database is not open",
  ].join("|"),
  "i",
);

/** The kinds of failure this module tells apart. */
type Kind = "busy" | "unavailable" | "too_big" | "other";

function kindOf(error: unknown): Kind {
  // A stored document that no longer parses: the file was damaged behind SQLite's back.
  if (error instanceof SyntaxError) return "unavailable";
  const errcode = (error as { errcode?: unknown } | null)?.errcode;
  if (typeof errcode === "number") {
    const primary = errcode & 0xff;
    if (primary === SQLITE_BUSY || primary === SQLITE_LOCKED) return "busy";
    if (primary === SQLITE_TOOBIG) return "too_big";
    if (UNAVAILABLE.has(primary)) return "unavailable";
    return "other";
  }
  const message = error instanceof Error ? error.message : String(error);
  if (BUSY_MESSAGE.test(message)) return "busy";
  if (/string or blob too big/i.test(message)) return "too_big";
  if (UNAVAILABLE_MESSAGE.test(message)) return "unavailable";
  if ((error as { code?: unknown } | null)?.code === "ERR_INVALID_STATE") return "unavailable";
  return "other";
}

/** Whether `error` is SQLite's "database is locked" (another connection holds the lock). */
export function isBusy(error: unknown): boolean {
  return kindOf(error) === "busy";
}

/**
 * Returns the `StateError` for an error raised while using the database at `path`: a
 * `StateError` as it is; a lock held too long by another connection as `timeout`; a file
 * that cannot be opened, read or written (corrupt, not a database, read-only, disk full)
 * as `unavailable`; anything else as `internal`.
 */
export function toStateError(error: unknown, path: string, busyTimeoutMs: number): StateError {
  if (error instanceof StateError) return error;
  const detail = error instanceof Error ? error.message : String(error);
  switch (kindOf(error)) {
    case "busy":
      return new StateError(
        "timeout",
        `The SQLite database ${quote(path, 200)} stayed locked by another connection for ` +
          `more than ${busyTimeoutMs} ms (${detail}); nothing was changed: retry, or raise ` +
          `busyTimeoutMs`,
        { cause: error },
      );
    case "too_big":
      return new StateError(
        "invalid_input",
        `Cannot store the document in the SQLite database ${quote(path, 200)}: ${detail} ` +
          `(SQLite's limit is about 1 GB per value); nothing was changed: store less`,
        { cause: error },
      );
    case "unavailable":
      return new StateError(
        "unavailable",
        `Cannot use the SQLite database ${quote(path, 200)}: ${detail}; check that the ` +
          `path names a readable, writable @greentic/state database on a disk with room ` +
          `left, or restore the file from a backup`,
        { cause: error },
      );
    default:
      return new StateError(
        "internal",
        `The SQLite database ${quote(path, 200)} failed unexpectedly: ${detail}`,
        { cause: error },
      );
  }
}
