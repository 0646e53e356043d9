import assert from "node:assert/strict";
import { StateError, TenantCtx } from "../../mod.ts";
import { SqliteStateStore } from "../../sqlite.ts";
import { DatabaseSync } from "node:sqlite";
import { withTempDir } from "./_temp.ts";

Deno.test("SQLite store: a damaged document is unavailable with the path, not internal", async () => {
  await withTempDir(async (dir) => {
    const path = `${dir}/state.db`;
    const ctx = new TenantCtx("dev", "t");
    const store = new SqliteStateStore({ path });
    await store.setJson(ctx, "p", "k", null, { a: 1 });
    const raw = new DatabaseSync(path);
    raw.exec(`UPDATE greentic_state SET json = '{bad'`);
    raw.close();
    for (
      const call of [
        () => store.getJson(ctx, "p", "k"),
        () => store.setJson(ctx, "p", "k", "/a", 2),
      ]
    ) {
      await assert.rejects(
        call(),
        (error: unknown) =>
          error instanceof StateError && error.code === "unavailable" &&
          error.message.includes(path),
      );
    }
    await store.close();
  });
});

Deno.test("SQLite store: listKeys yields only keys live when their turn comes, and stops at close", async () => {
  await withTempDir(async (dir) => {
    let now = 0;
    const ctx = new TenantCtx("dev", "t");
    const store = new SqliteStateStore({ path: `${dir}/state.db`, now: () => now });
    for (let i = 0; i < 300; i++) await store.setJson(ctx, "p", `k${i}`, null, i, 10);
    for (let i = 0; i < 5; i++) await store.setJson(ctx, "p", `forever${i}`, null, i);
    const seen: string[] = [];
    for await (const key of store.listKeys(ctx, "p")) {
      seen.push(key);
      if (seen.length === 1) now = 10_000; // every TTL'd key expires now
    }
    assert.ok(seen.length <= 6, `yielded ${seen.length} keys`);
    assert.deepEqual(seen.filter((k) => k.startsWith("forever")).length, 5);
    const iterator = store.listKeys(ctx, "p")[Symbol.asyncIterator]();
    await iterator.next();
    await store.close();
    await assert.rejects(
      iterator.next(),
      (e: unknown) => e instanceof StateError && e.code === "unavailable",
    );
  });
});
