import assert from "node:assert/strict";
import { TenantCtx } from "../../mod.ts";
import { SqliteStateStore } from "../../sqlite.ts";
import { FakeClock } from "../conformance.ts";

Deno.test("SQLite store: listKeys pages through large namespaces exactly once", async () => {
  const clock = new FakeClock();
  await using store = new SqliteStateStore({ path: ":memory:", now: clock.now });
  const ctx = new TenantCtx("dev", "t");
  const keys = Array.from({ length: 700 }, (_, i) => `k${String(i).padStart(4, "0")}`);
  keys.push("", "a\u0000b", "a", "a\u0000", "😀", "\uffff");
  for (const key of keys) await store.setJson(ctx, "big", key, null, 1);
  for (let i = 0; i < 50; i++) await store.setJson(ctx, "big", `short${i}`, null, 1, 1);
  await store.setJson(ctx, "big2", "other", null, 1);
  clock.advance(1_000);
  const seen: string[] = [];
  for await (const key of store.listKeys(ctx, "big")) {
    seen.push(key);
    if (seen.length === 300) await store.del(ctx, "big", "k0100"); // already yielded
  }
  assert.equal(new Set(seen).size, seen.length);
  assert.deepEqual(seen.sort(), keys.sort());
});

Deno.test("SQLite store: an abandoned listKeys holds nothing open", async () => {
  const store = new SqliteStateStore({ path: ":memory:" });
  const ctx = new TenantCtx("dev", "t");
  for (let i = 0; i < 600; i++) await store.setJson(ctx, "p", `k${i}`, null, i);
  for await (const _ of store.listKeys(ctx, "p")) break;
  await store.setJson(ctx, "p", "after", "/x", 1);
  assert.deepEqual(await store.getJson(ctx, "p", "after"), { x: 1 });
  const iterator = store.listKeys(ctx, "p")[Symbol.asyncIterator]();
  await iterator.next();
  await store.close();
  await assert.rejects(async () => {
    for (let i = 0; i < 600; i++) await iterator.next(); // the next page needs the database
  }, (e: unknown) => (e as { code?: string }).code === "unavailable");
});
