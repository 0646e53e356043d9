import assert from "node:assert/strict";
import { Redis } from "ioredis";
import { RedisStateStore } from "../../mod.ts";
import { OwnServer } from "./_own_server.ts";
import { freshCtx } from "./_server.ts";
import { CAS_SET } from "../../src/redis/_scripts.ts";

/** Calls of each command so far, from `INFO commandstats`. */
async function calls(raw: Redis): Promise<Record<string, number>> {
  const info = await raw.info("commandstats");
  const out: Record<string, number> = {};
  for (const match of info.matchAll(/^cmdstat_([a-z|]+):calls=(\d+)/gm)) {
    out[match[1]!] = Number(match[2]);
  }
  return out;
}

Deno.test("Redis scripts: path writes run EVALSHA, and EVAL only after NOSCRIPT", async () => {
  await using server = await OwnServer.start();
  const raw = new Redis(server.url);
  const store = await RedisStateStore.connect(server.url);
  try {
    const ctx = freshCtx();
    await store.setJson(ctx, "p", "doc", null, {});
    const before = await calls(raw);
    for (let i = 0; i < 20; i++) await store.setJson(ctx, "p", "doc", `/n${i}`, i);
    let after = await calls(raw);
    assert.equal((after.evalsha ?? 0) - (before.evalsha ?? 0), 20);
    assert.equal((after.eval ?? 0) - (before.eval ?? 0), 1, "loaded once, on the first NOSCRIPT");
    // Whole writes are one plain SET each.
    const sets = after.set ?? 0;
    await store.setJson(ctx, "p", "whole", null, { a: 1 }, 60);
    await store.setJson(ctx, "p", "whole", null, { a: 2 });
    await store.setJson(ctx, "p", "whole", null, { a: 3 }, 0);
    after = await calls(raw);
    assert.equal((after.set ?? 0) - sets, 3);
    // Scripts flushed (as after a restart): reloaded on NOSCRIPT, nothing lost.
    await raw.script("FLUSH");
    const evals = after.eval ?? 0;
    await store.setJson(ctx, "p", "doc", "/again", true);
    await store.setJson(ctx, "p", "doc", "/again2", true);
    after = await calls(raw);
    assert.equal((after.eval ?? 0) - evals, 1);
    const doc = (await store.getJson(ctx, "p", "doc")) as Record<string, unknown>;
    assert.equal(Object.keys(doc).length, 22);
  } finally {
    await store.close();
    await raw.quit();
  }
});

Deno.test("Redis scripts: the SHA1 written next to each script is its digest", async () => {
  const { createHash } = await import("node:crypto");
  for (const script of [CAS_SET]) {
    assert.equal(script.sha, createHash("sha1").update(script.lua).digest("hex"));
  }
});
