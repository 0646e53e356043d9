import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { TenantCtx } from "../../mod.ts";
import { SqliteStateStore } from "../../sqlite.ts";
import { rejectsWith } from "../conformance.ts";
import { withTempDir } from "./_temp.ts";

const WRITES = 400;

Deno.test("SQLite store: two processes writing paths of one document lose no update", () =>
  withTempDir(async (dir) => {
    const path = `${dir}/shared.db`;
    const store = new SqliteStateStore({ path, busyTimeoutMs: 30_000, synchronous: "normal" });
    const ctx = new TenantCtx("dev", "two-process");
    await store.setJson(ctx, "flow", "doc", null, { parent: {}, child: {} });
    const child = new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        `--allow-read=${dir}`,
        `--allow-write=${dir}`,
        new URL("./_writer.ts", import.meta.url).pathname,
        path,
        String(WRITES),
      ],
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    try {
      const reader = child.stdout.getReader();
      const first = await reader.read();
      assert.equal(new TextDecoder().decode(first.value), "ready\n");
      const stdin = child.stdin.getWriter();
      await stdin.write(new TextEncoder().encode("go\n"));
      await stdin.close();
      let childFirst = -1;
      for (let i = 0; i < WRITES; i++) {
        await store.setJson(ctx, "flow", "doc", `/parent/${i}`, i);
        // Let the event loop run (it sent "go"), as a server between requests would.
        if (i % 10 === 0) await new Promise((resolve) => setTimeout(resolve, 0));
        if (i === 0) {
          const seen = await store.getJson(ctx, "flow", "doc", "/child");
          childFirst = Object.keys(seen as object).length;
        }
      }
      const childLast = Object.keys(
        await store.getJson(ctx, "flow", "doc", "/child") as object,
      ).length;
      let out = "";
      for (let r = await reader.read(); !r.done; r = await reader.read()) {
        out += new TextDecoder().decode(r.value);
      }
      const status = await child.status;
      const stderr = new TextDecoder().decode(await new Response(child.stderr).arrayBuffer());
      assert.equal(status.code, 0, stderr);
      const { seenFirst, seenLast } = JSON.parse(out) as { seenFirst: number; seenLast: number };
      // The writers overlapped: at least one saw the other make progress meanwhile.
      assert.ok(
        seenLast > seenFirst || childLast > childFirst,
        `no overlap: child saw ${seenFirst}..${seenLast}, parent saw ${childFirst}..${childLast}`,
      );
      const doc = await store.getJson(ctx, "flow", "doc") as Record<
        string,
        Record<string, number>
      >;
      const expected = Object.fromEntries(Array.from({ length: WRITES }, (_, i) => [`${i}`, i]));
      assert.deepEqual(doc.parent, expected);
      assert.deepEqual(doc.child, expected);
    } finally {
      try {
        child.kill();
      } catch {
        // already exited
      }
      await child.status;
      await child.stderr.cancel().catch(() => {});
      await store.close();
    }
  }));

Deno.test("SQLite store: a lock held too long is timeout, nothing changed, reads go on", () =>
  withTempDir(async (dir) => {
    const path = `${dir}/locked.db`;
    const store = new SqliteStateStore({ path, busyTimeoutMs: 50 });
    const ctx = new TenantCtx("dev", "t");
    await store.setJson(ctx, "p", "doc", null, { a: 1 });
    const other = new DatabaseSync(path);
    try {
      other.exec("BEGIN IMMEDIATE");
      const started = performance.now();
      const error = await rejectsWith(
        store.setJson(ctx, "p", "doc", "/b", 2),
        "timeout",
        /locked\.db.*50 ms.*busyTimeoutMs/,
      );
      assert.ok(performance.now() - started >= 40, "waited for the busy timeout");
      assert.ok(error.cause instanceof Error);
      await rejectsWith(store.setJson(ctx, "p", "doc", null, 3), "timeout");
      await rejectsWith(store.del(ctx, "p", "doc"), "timeout");
      await rejectsWith(store.delPrefix(ctx, "p"), "timeout");
      assert.deepEqual(await store.getJson(ctx, "p", "doc"), { a: 1 }); // WAL: readers go on
      other.exec("ROLLBACK");
      await store.setJson(ctx, "p", "doc", "/b", 2);
      assert.deepEqual(await store.getJson(ctx, "p", "doc"), { a: 1, b: 2 });
    } finally {
      other.close();
      await store.close();
    }
  }));

Deno.test("SQLite store: processes creating one new file at once all get the schema", () =>
  withTempDir(async (dir) => {
    const path = `${dir}/fresh.db`;
    const mod = JSON.stringify(new URL("../../mod.ts", import.meta.url).href);
    const sqlite = JSON.stringify(new URL("../../sqlite.ts", import.meta.url).href);
    const results = await Promise.all(
      Array.from({ length: 4 }, (_, i) =>
        new Deno.Command(Deno.execPath(), {
          args: [
            "eval",
            `import { TenantCtx } from ${mod};
           import { SqliteStateStore } from ${sqlite};
           const store = new SqliteStateStore({ path: ${
              JSON.stringify(path)
            }, synchronous: "normal" });
           await store.setJson(new TenantCtx("dev", "t"), "p", "doc", "/w${i}", ${i});
           await store.close();`,
          ],
          stdout: "null",
          stderr: "piped",
        }).output()),
    );
    for (const result of results) {
      assert.ok(result.success, new TextDecoder().decode(result.stderr));
    }
    await using store = new SqliteStateStore({ path });
    assert.deepEqual(await store.getJson(new TenantCtx("dev", "t"), "p", "doc"), {
      w0: 0,
      w1: 1,
      w2: 2,
      w3: 3,
    });
  }));
