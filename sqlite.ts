/**
 * `@greentic/state/sqlite`: {@linkcode SqliteStateStore}, a durable store in one SQLite
 * file, on the runtime's built-in `node:sqlite` (Deno 2.2+, Node.js 22.5+; no npm
 * dependency).
 *
 * A separate entry point, so that `@greentic/state` itself never loads `node:sqlite`.
 * Importing it where `node:sqlite` is missing (Node.js 20) throws a `StateError`
 * `unavailable` saying which runtime versions have it.
 *
 * @example Open a store on a file
 * ```ts
 * import { SqliteStateStore } from "@greentic/state/sqlite";
 * import { TenantCtx } from "@greentic/state";
 * import assert from "node:assert/strict";
 *
 * await using store = new SqliteStateStore({ path: ":memory:" });
 * const ctx = new TenantCtx("dev", "tenant-123");
 * await store.setJson(ctx, "flow", "doc", "/steps/0", "start", 60);
 * assert.deepEqual(await store.getJson(ctx, "flow", "doc"), { steps: ["start"] });
 * ```
 *
 * @module
 */

export { SqliteStateStore, type SqliteStateStoreOptions } from "./src/sqlite/sqlite_state_store.ts";
