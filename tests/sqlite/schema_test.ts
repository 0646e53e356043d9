import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { TenantCtx } from "../../mod.ts";
import { SqliteStateStore } from "../../sqlite.ts";
import { namespaceOf } from "../../src/core/storage_key.ts";
import { APPLICATION_ID, SCHEMA_VERSION, SQL } from "../../src/sqlite/_schema.ts";
import { FakeClock } from "../conformance.ts";
import { withTempDir } from "./_temp.ts";

function inspect(path: string) {
  const db = new DatabaseSync(path);
  try {
    const one = (sql: string) => Object.values(db.prepare(sql).get() ?? {})[0];
    return {
      applicationId: one("PRAGMA application_id"),
      version: one("PRAGMA user_version"),
      journal: one("PRAGMA journal_mode"),
      indexes: db.prepare(
        "SELECT name FROM sqlite_schema WHERE type = 'index' ORDER BY name",
      ).all().map((r) => r.name),
    };
  } finally {
    db.close();
  }
}

Deno.test("SQLite store: a new or empty file gets the current schema, in WAL mode", () =>
  withTempDir(async (dir) => {
    const empty = await Deno.makeTempFile({ dir, suffix: ".db" }); // zero bytes
    for (const path of [`${dir}/new.db`, empty]) {
      const store = new SqliteStateStore({ path });
      await store.setJson(new TenantCtx("dev", "t"), "p", "k", null, 1);
      await store.close();
      assert.deepEqual(inspect(path), {
        applicationId: APPLICATION_ID,
        version: SCHEMA_VERSION,
        journal: "wal",
        indexes: ["greentic_state_deadline", "sqlite_autoindex_greentic_state_1"],
      });
    }
  }));

Deno.test("SQLite store: a schema version 1 file is migrated, its data kept", () =>
  withTempDir(async (dir) => {
    const path = `${dir}/v1.db`;
    const clock = new FakeClock();
    const ctx = new TenantCtx("dev", "tenant-1");
    const ns = namespaceOf(ctx, "flow");
    // Schema version 1, by hand: the entries table without the expiry index.
    const old = new DatabaseSync(path);
    old.exec(`CREATE TABLE greentic_state (
      ns TEXT NOT NULL, key TEXT NOT NULL, json TEXT NOT NULL, deadline INTEGER,
      PRIMARY KEY (ns, key))`);
    old.exec(`PRAGMA application_id = ${APPLICATION_ID}`);
    old.exec("PRAGMA user_version = 1");
    const insert = old.prepare("INSERT INTO greentic_state VALUES (?, ?, ?, ?)");
    insert.run(ns, "forever", '{"a":[1,2]}', null);
    insert.run(ns, "ttl", '"soon"', clock.ms + 60_000);
    for (let i = 0; i < 20; i++) insert.run(ns, `dead${i}`, "0", clock.ms - 1);
    old.close();

    const store = new SqliteStateStore({ path, now: clock.now });
    try {
      assert.deepEqual(inspect(path).indexes, [
        "greentic_state_deadline",
        "sqlite_autoindex_greentic_state_1",
      ]);
      assert.equal(inspect(path).version, SCHEMA_VERSION);
      assert.deepEqual(await store.getJson(ctx, "flow", "forever"), { a: [1, 2] });
      assert.equal(await store.getJson(ctx, "flow", "ttl"), "soon");
      assert.equal(await store.ttl(ctx, "flow", "ttl"), 60);
      assert.equal(await store.getJson(ctx, "flow", "dead0"), undefined);
      assert.equal(store.size, 22);
      for (let i = 0; i < 3; i++) await store.setJson(ctx, "flow", "w", null, i);
      assert.equal(store.size, 22 + 1 - 20); // the new index lets writes purge the dead rows
    } finally {
      await store.close();
    }
    // Opening a migrated file again changes nothing.
    await new SqliteStateStore({ path, now: clock.now }).close();
    assert.equal(inspect(path).version, SCHEMA_VERSION);
  }));

Deno.test("SQLite store: writes purge expired rows, bounding the row count", async () => {
  const clock = new FakeClock();
  const store = new SqliteStateStore({ path: ":memory:", now: clock.now });
  const ctx = new TenantCtx("dev", "t");
  try {
    for (let i = 0; i < 5_000; i++) await store.setJson(ctx, `ns${i % 10}`, `k${i}`, null, i, 1);
    assert.equal(store.size, 5_000);
    clock.advance(1_000);
    for (let i = 0; i < 300; i++) await store.setJson(ctx, "live", `k${i % 100}`, null, i);
    assert.ok(store.size <= 100 + 5_000 - 8 * 250, `size ${store.size}`);
    for (let i = 0; i < 600; i++) await store.setJson(ctx, "live", `k${i % 100}`, null, i);
    assert.equal(store.size, 100);
  } finally {
    await store.close();
  }
});

Deno.test("SQLite store: a file churned with short-lived entries stays small", () =>
  withTempDir(async (dir) => {
    const path = `${dir}/churn.db`;
    const clock = new FakeClock();
    const store = new SqliteStateStore({ path, now: clock.now, synchronous: "normal" });
    const ctx = new TenantCtx("dev", "t");
    const doc = { payload: "x".repeat(500) };
    try {
      for (let i = 0; i < 1_000; i++) {
        await store.setJson(ctx, "session", `s${i}`, null, doc, 1);
        clock.advance(500);
      }
      assert.ok(store.size <= 3, `size ${store.size}`); // ~1,000 without the purge
    } finally {
      await store.close();
    }
    const db = new DatabaseSync(path);
    try {
      const pages = Object.values(db.prepare("PRAGMA page_count").get()!)[0] as number;
      assert.ok(pages < 20, `${pages} pages`); // 1,000 x 500 bytes would need > 120
    } finally {
      db.close();
    }
  }));

Deno.test("SQLite store: lookups and deletes by namespace search the primary key", () =>
  withTempDir(async (dir) => {
    const path = `${dir}/plan.db`;
    const clock = new FakeClock();
    const store = new SqliteStateStore({ path, now: clock.now, synchronous: "normal" });
    const ctx = new TenantCtx("dev", "t");
    for (let i = 0; i < 500; i++) await store.setJson(ctx, `p${i % 5}`, `k${i}`, null, i, 1);
    await store.close();
    const db = new DatabaseSync(path);
    const plan = (sql: string) => {
      const params = (sql.match(/\?/g) ?? []).map(() => null);
      return db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...params).map((r) => r.detail).join(
        "; ",
      );
    };
    const byNs =
      /^SEARCH greentic_state USING (COVERING )?INDEX sqlite_autoindex_greentic_state_1 \(ns=\?/;
    try {
      for (const round of ["empty stats", "after ANALYZE"]) {
        for (const name of ["deleteNs", "deleteExpiredOfNs", "listFirst", "listNext"] as const) {
          const detail = plan(SQL[name]);
          assert.match(detail, byNs, `${name} (${round}): ${detail}`);
          assert.doesNotMatch(detail, /SCAN|TEMP B-TREE/, `${name} (${round}): ${detail}`);
        }
        assert.match(plan(SQL.deleteNs), /\(ns=\?\)$/);
        assert.match(plan(SQL.listNext), /\(ns=\? AND key>\?\)/);
        assert.match(plan(SQL.select), /\(ns=\? AND key=\?\)/);
        assert.match(plan(SQL.delete), /\(ns=\? AND key=\?\)/);
        assert.match(
          plan(SQL.purge),
          /SEARCH greentic_state USING (COVERING )?INDEX greentic_state_deadline \(deadline<\?\)/,
        );
        assert.doesNotMatch(plan(SQL.purge), /SCAN/);
        db.exec("ANALYZE");
      }
    } finally {
      db.close();
    }
  }));
