import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { StateError, TenantCtx } from "../../mod.ts";
import { SqliteStateStore } from "../../sqlite.ts";
import { rejectsWith } from "../conformance.ts";
import { withTempDir } from "./_temp.ts";

/** Asserts that opening `path` throws `unavailable` naming the path, and returns the error. */
function assertUnavailable(path: string, message?: RegExp): StateError {
  try {
    new SqliteStateStore({ path });
  } catch (error) {
    assert.ok(error instanceof StateError, `expected a StateError, got ${error}`);
    assert.equal(error.code, "unavailable", error.message);
    assert.ok(error.message.includes(JSON.stringify(path)), error.message);
    if (message) assert.match(error.message, message);
    return error;
  }
  assert.fail(`opening ${path} succeeded`);
}

Deno.test("SQLite store: a file of garbage is unavailable and left as it was", () =>
  withTempDir(async (dir) => {
    const path = `${dir}/garbage.db`;
    const bytes = new Uint8Array(64 * 1024).map((_, i) => (i * 7919 + 13) % 251);
    await Deno.writeFile(path, bytes);
    assertUnavailable(path, /not a database/);
    assert.deepEqual(await Deno.readFile(path), bytes); // not replaced by an empty store
    assert.deepEqual((await Array.fromAsync(Deno.readDir(dir))).map((e) => e.name), [
      "garbage.db",
    ]);
    await Deno.writeTextFile(path, "SQLite format 3\u0000 but then nothing of the kind");
    assertUnavailable(path);
  }));

Deno.test("SQLite store: a path that cannot be opened is unavailable", () =>
  withTempDir((dir) => {
    assertUnavailable(dir, /unable to open/); // a directory
    assertUnavailable(`${dir}/missing/dir/state.db`, /unable to open/);
  }));

Deno.test("SQLite store: damaged pages inside a database are unavailable, not a crash", () =>
  withTempDir(async (dir) => {
    const path = `${dir}/damaged.db`;
    const ctx = new TenantCtx("dev", "t");
    {
      await using store = new SqliteStateStore({ path, synchronous: "normal" });
      for (let i = 0; i < 200; i++) await store.setJson(ctx, "p", `k${i}`, null, { i });
    }
    const file = await Deno.readFile(path);
    const pageSize = new DataView(file.buffer).getUint16(16); // from the header
    file.fill(0xa5, pageSize); // every page but the first (header and schema)
    await Deno.writeFile(path, file);
    let store: SqliteStateStore;
    try {
      store = new SqliteStateStore({ path });
    } catch (error) {
      assert.ok(error instanceof StateError && error.code === "unavailable", String(error));
      return;
    }
    try {
      const named = new RegExp(path.replaceAll("/", "\\/").replaceAll(".", "\\."));
      await rejectsWith(store.getJson(ctx, "p", "k1"), "unavailable", named);
      await rejectsWith(store.setJson(ctx, "p", "k1", "/x", 1), "unavailable", named);
      await rejectsWith(store.delPrefix(ctx, "p"), "unavailable", named);
      await rejectsWith(Array.fromAsync(store.listKeys(ctx, "p")), "unavailable", named);
    } finally {
      await store.close();
    }
  }));

Deno.test("SQLite store: a database of a newer schema version is refused", () =>
  withTempDir(async (dir) => {
    const path = `${dir}/newer.db`;
    new SqliteStateStore({ path }).close();
    const db = new DatabaseSync(path);
    db.exec("PRAGMA user_version = 99");
    db.close();
    const before = await Deno.readFile(path);
    assertUnavailable(path, /newer version of @greentic\/state \(schema version 99.*upgrade/);
    assert.deepEqual(await Deno.readFile(path), before);
  }));

Deno.test("SQLite store: a database of another application is refused", () =>
  withTempDir((dir) => {
    const path = `${dir}/other.db`;
    const db = new DatabaseSync(path);
    db.exec("CREATE TABLE invoices (id INTEGER PRIMARY KEY, total REAL)");
    db.exec("INSERT INTO invoices (total) VALUES (9.5)");
    db.close();
    assertUnavailable(path, /another application/);
    const again = new DatabaseSync(path);
    try {
      assert.deepEqual(
        again.prepare("SELECT name FROM sqlite_schema").all().map((r) => r.name),
        ["invoices"],
      );
      assert.equal(
        (again.prepare("PRAGMA journal_mode").get() as { journal_mode: string })
          .journal_mode,
        "delete",
      ); // not even switched to WAL
    } finally {
      again.close();
    }
  }));

Deno.test("SQLite store: bad options are invalid_input", () => {
  for (
    const options of [
      undefined,
      null,
      "state.db",
      {},
      { path: "" },
      { path: 1 },
      { path: "a\u0000b" },
      { path: ":memory:", now: 5 },
      { path: ":memory:", busyTimeoutMs: -1 },
      { path: ":memory:", busyTimeoutMs: 1.5 },
      { path: ":memory:", busyTimeoutMs: "100" },
      { path: ":memory:", synchronous: "off" },
      { path: ":memory:", synchronous: "FULL" },
    ]
  ) {
    assert.throws(
      () => new SqliteStateStore(options as never),
      (e: unknown) => e instanceof StateError && e.code === "invalid_input",
      JSON.stringify(options),
    );
  }
});

Deno.test("SQLite store: calls after close are unavailable, size is 0", async () => {
  const store = new SqliteStateStore({ path: ":memory:" });
  const ctx = new TenantCtx("dev", "t");
  await store.setJson(ctx, "p", "k", null, 1);
  assert.equal(store.size, 1);
  await store.close();
  assert.equal(store.size, 0);
  await rejectsWith(store.getJson(ctx, "p", "k"), "unavailable", /closed/);
  await store.close();
});
