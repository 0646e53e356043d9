/**
 * Operations per second of the SQLite store (on `:memory:`, and on a file with
 * `synchronous` "normal" and "full", the default) against the in-memory store, in one run: `deno bench --allow-all bench/sqlite_bench.ts`. Each group's
 * baseline is the in-memory store, so Deno prints the ratios.
 *
 * @module
 */

import { InMemoryStateStore, type StateStore, TenantCtx } from "../mod.ts";
import { SqliteStateStore } from "../sqlite.ts";

const dir = Deno.makeTempDirSync({ prefix: "greentic-sqlite-bench-" });
globalThis.addEventListener("unload", () => Deno.removeSync(dir, { recursive: true }));

const KEYS = 1_000;
const ctx = new TenantCtx("bench", "tenant-1").withTeam("ops");
const doc = {
  status: "running",
  step: 3,
  vars: { customer: "c-123", items: [1, 2, 3], note: "x".repeat(120) },
  steps: { a: { ok: true }, b: { ok: false, retries: 2 } },
};

const stores: [string, StateStore][] = [
  ["in-memory", new InMemoryStateStore()],
  ["sqlite :memory:", new SqliteStateStore({ path: ":memory:" })],
  ["sqlite file normal", new SqliteStateStore({ path: `${dir}/normal.db`, synchronous: "normal" })],
  ["sqlite file full", new SqliteStateStore({ path: `${dir}/full.db` })],
];
for (const [, store] of stores) {
  for (let i = 0; i < KEYS; i++) await store.setJson(ctx, "flow", `doc${i}`, null, doc, 3600);
}

for (const [name, store] of stores) {
  let n = 0;
  const baseline = name === "in-memory";
  Deno.bench({ name: `get ${name}`, group: "get", baseline }, async () => {
    await store.getJson(ctx, "flow", `doc${n++ % KEYS}`);
  });
  Deno.bench({ name: `set ${name}`, group: "set", baseline }, async () => {
    await store.setJson(ctx, "flow", `doc${n++ % KEYS}`, null, doc, 3600);
  });
  Deno.bench({ name: `path-set ${name}`, group: "path-set", baseline }, async () => {
    const i = n++;
    await store.setJson(ctx, "flow", `doc${i % KEYS}`, "/steps/c/count", i);
  });
}
