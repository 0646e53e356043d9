import assert from "node:assert/strict";
import { storageKey } from "../../mod.ts";
import { connect, freshCtx, rawClient } from "./_server.ts";

Deno.test("Redis size limit: UTF-8 bytes of the stored document, path writes included", async () => {
  await using store = await connect({ maxDocumentBytes: 64 });
  const raw = rawClient();
  try {
    const ctx = freshCtx();
    // 64 bytes exactly: accepted. "é" is 2 bytes, "😀" 4.
    const exact = "é".repeat(27) + "😀" + "aaaa"; // 2 quotes + 54 + 4 + 4 = 64 bytes
    assert.equal(new TextEncoder().encode(JSON.stringify(exact)).length, 64);
    await store.setJson(ctx, "p", "k", null, exact);
    assert.equal(await store.getJson(ctx, "p", "k"), exact);
    await assert.rejects(
      store.setJson(ctx, "p", "k", null, exact + "a"),
      (e: Error & { code?: string }) => e.code === "invalid_input" && /65 bytes/.test(e.message),
    );
    await assert.rejects(store.setJson(ctx, "p", "other", null, "é".repeat(40)), /bytes/);
    assert.equal(await store.getJson(ctx, "p", "k"), exact);
    assert.equal(await store.getJson(ctx, "p", "other"), undefined);
    // A path write that grows a document past the limit fails and changes nothing.
    const doc = { list: ["é".repeat(20)] }; // 54 bytes
    await store.setJson(ctx, "p", "doc", null, doc, 60);
    const before = await raw.get(storageKey(ctx, "p", "doc"));
    await assert.rejects(store.setJson(ctx, "p", "doc", "/list/-", "é".repeat(5)), /bytes/);
    assert.equal(await raw.get(storageKey(ctx, "p", "doc")), before);
    assert.equal(await store.ttl(ctx, "p", "doc"), 60);
    await store.setJson(ctx, "p", "doc", "/list/-", 1); // 56 bytes: fine
    await store.delPrefix(ctx, "p");
  } finally {
    await raw.quit();
  }
});

Deno.test("Redis size limit: the default is 16 MiB", async () => {
  await using store = await connect();
  const ctx = freshCtx();
  const big = "x".repeat(16 * 1024 * 1024 - 2); // with its quotes: 16 MiB exactly
  await store.setJson(ctx, "p", "k", null, big);
  await assert.rejects(store.setJson(ctx, "p", "k", null, big + "x"), /bytes/);
  await store.delPrefix(ctx, "p");
});

Deno.test("Redis options: out-of-range values are invalid_input", async () => {
  const { RedisStateStore } = await import("../../mod.ts");
  for (const bad of [0, -1, 1.5, Number.NaN, "10"]) {
    assert.throws(
      () => new RedisStateStore({} as never, { timeoutMs: bad as number }),
      (e: Error & { code?: string }) => e.code === "invalid_input" && /timeoutMs/.test(e.message),
    );
  }
  for (const bad of [null, {}, { get: 1 }]) {
    assert.throws(
      () => new RedisStateStore(bad as never),
      (e: Error & { code?: string }) => e.code === "invalid_input" && /client/.test(e.message),
    );
  }
  await assert.rejects(
    RedisStateStore.connect("redis://127.0.0.1:1", { scanCount: 0 }),
    (e: Error & { code?: string }) => e.code === "invalid_input" && /scanCount/.test(e.message),
  );
});
