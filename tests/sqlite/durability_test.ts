import assert from "node:assert/strict";
import { TenantCtx } from "../../mod.ts";
import { SqliteStateStore } from "../../sqlite.ts";
import { FakeClock } from "../conformance.ts";
import { withTempDir } from "./_temp.ts";

Deno.test("SQLite store: documents and TTLs survive close and reopen", () =>
  withTempDir(async (dir) => {
    const path = `${dir}/restart.db`;
    const clock = new FakeClock();
    const ctx = new TenantCtx("dev", "tenant-1").withUser("alice");
    {
      await using store = new SqliteStateStore({ path, now: clock.now });
      await store.setJson(ctx, "flow", "ttl", null, { step: 1 }, 100);
      await store.setJson(ctx, "flow", "ttl", "/step", 2);
      await store.setJson(ctx, "flow", "forever", "/a/0", "x");
      await store.setJson(ctx, "flow", "gone", null, 1);
      assert.equal(await store.del(ctx, "flow", "gone"), true);
      await store.setJson(ctx, "other", "k", null, "v", 5);
    }
    clock.advance(30_000);
    {
      await using store = new SqliteStateStore({ path, now: clock.now });
      assert.deepEqual(await store.getJson(ctx, "flow", "ttl"), { step: 2 });
      assert.equal(await store.ttl(ctx, "flow", "ttl"), 70); // counted on across the restart
      assert.deepEqual(await store.getJson(ctx, "flow", "forever"), { a: ["x"] });
      assert.equal(await store.ttl(ctx, "flow", "forever"), null);
      assert.equal(await store.getJson(ctx, "flow", "gone"), undefined);
      assert.equal(await store.getJson(ctx, "other", "k"), undefined); // expired while closed
      const keys: string[] = [];
      for await (const key of store.listKeys(ctx, "flow")) keys.push(key);
      assert.deepEqual(keys, ["forever", "ttl"]);
    }
    clock.advance(70_000);
    await using store = new SqliteStateStore({ path, now: clock.now });
    assert.equal(await store.getJson(ctx, "flow", "ttl"), undefined);
    assert.equal(await store.ttl(ctx, "flow", "ttl"), undefined);
    assert.deepEqual(await store.getJson(ctx, "flow", "forever"), { a: ["x"] });
  }));

for (const synchronous of ["full", "normal"] as const) {
  Deno.test(`SQLite store: a write that resolved survives the process being killed (${synchronous})`, () =>
    withTempDir(async (dir) => {
      const path = `${dir}/killed.db`;
      const script = `
      import { TenantCtx } from ${JSON.stringify(new URL("../../mod.ts", import.meta.url).href)};
      import { SqliteStateStore } from ${
        JSON.stringify(new URL("../../sqlite.ts", import.meta.url).href)
      };
      const store = new SqliteStateStore({ path: ${
        JSON.stringify(path)
      }, synchronous: "${synchronous}" });
      const ctx = new TenantCtx("dev", "t");
      for (let i = 0; i < 20; i++) await store.setJson(ctx, "p", "doc", "/k" + i, i, 3600);
      console.log("written");
      setInterval(() => {}, 1000); // never closes: the test kills it
    `;
      const child = new Deno.Command(Deno.execPath(), {
        args: ["eval", script],
        stdout: "piped",
        stderr: "inherit",
      }).spawn();
      try {
        const reader = child.stdout.getReader();
        const line = await reader.read();
        assert.equal(new TextDecoder().decode(line.value).trim(), "written");
        reader.releaseLock();
      } finally {
        child.kill("SIGKILL");
        await child.status;
        await child.stdout.cancel().catch(() => {});
      }
      await using store = new SqliteStateStore({ path });
      const doc = await store.getJson(new TenantCtx("dev", "t"), "p", "doc");
      assert.deepEqual(doc, Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`k${i}`, i])));
      const ttl = await store.ttl(new TenantCtx("dev", "t"), "p", "doc");
      assert.ok(typeof ttl === "number" && ttl > 3500 && ttl <= 3600, `ttl ${ttl}`);
    }));
}
