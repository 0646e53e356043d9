/**
 * Loads the runtime's built-in `node:sqlite`, or fails with a message that says which
 * runtime versions have it.
 *
 * A static `import ... from "node:sqlite"` would fail on Node.js 20 with a bare
 * `ERR_UNKNOWN_BUILTIN_MODULE` before any of this package's code runs. Loading through
 * `process.getBuiltinModule` (Node.js 20.16+, 22.3+, Deno) is synchronous, so it works
 * in ES modules and CommonJS alike and lets the error say how to fix it.
 *
 * @module
 */

import process from "node:process";
import type * as NodeSqlite from "node:sqlite";
import { StateError } from "../core/errors.ts";

function load(): typeof NodeSqlite {
  const getBuiltin = (process as { getBuiltinModule?: (id: string) => unknown })
    .getBuiltinModule;
  let module: unknown;
  try {
    module = typeof getBuiltin === "function" ? getBuiltin.call(process, "node:sqlite") : undefined;
  } catch {
    module = undefined;
  }
  if (module === undefined || module === null) {
    const runtime = "Deno" in globalThis ? "this Deno" : `Node.js ${process.version}`;
    throw new StateError(
      "unavailable",
      `SqliteStateStore needs the built-in module node:sqlite, which ${runtime} does not ` +
        `have: use Node.js 22.5 or later (with --experimental-sqlite before 22.13) or ` +
        `Deno 2.2 or later, or use InMemoryStateStore or the Redis store instead`,
    );
  }
  return module as typeof NodeSqlite;
}

/** The `node:sqlite` module. */
export const sqlite: typeof NodeSqlite = load();
