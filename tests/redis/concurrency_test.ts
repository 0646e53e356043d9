import assert from "node:assert/strict";
import { Redis } from "ioredis";
import { RedisStateStore, StateError } from "../../mod.ts";
import { freshCtx, REDIS_URL } from "./_server.ts";

Deno.test("Redis concurrency: 200 path writers over 4 connections lose no update", async () => {
  const clients = Array.from({ length: 4 }, () => new Redis(REDIS_URL));
  const stores = clients.map((client) => new RedisStateStore(client));
  try {
    const ctx = freshCtx();
    const big = "12345678901234567890";
    await clients[0]!.set(
      `greentic:state:${ctx.env}:${ctx.tenant}:::p:doc`,
      `{"keep":${big},"nodes":{}}`,
      "EX",
      300,
    );
    await Promise.all(
      Array.from(
        { length: 200 },
        (_, i) => stores[i % stores.length]!.setJson(ctx, "p", "doc", `/nodes/n${i}`, { i }),
      ),
    );
    const doc = (await stores[0]!.getJson(ctx, "p", "doc")) as {
      nodes: Record<string, { i: number }>;
    };
    assert.equal(Object.keys(doc.nodes).length, 200);
    for (let i = 0; i < 200; i++) assert.deepEqual(doc.nodes[`n${i}`], { i });
    const text = await clients[0]!.get(`greentic:state:${ctx.env}:${ctx.tenant}:::p:doc`);
    assert.ok(text!.startsWith(`{"keep":${big},`), "untouched big integer kept");
    const ttl = await stores[0]!.ttl(ctx, "p", "doc");
    assert.ok(ttl !== null && ttl !== undefined && ttl > 290, `TTL kept: ${ttl}`);
    await stores[0]!.delPrefix(ctx, "p");
  } finally {
    for (const store of stores) await store.close();
    for (const client of clients) await client.quit();
  }
});

Deno.test("Redis concurrency: exhausted retries are a conflict and write nothing", async () => {
  const clients = Array.from({ length: 2 }, () => new Redis(REDIS_URL));
  const stores = clients.map((client) => new RedisStateStore(client, { conflictRetries: 0 }));
  try {
    const ctx = freshCtx();
    await stores[0]!.setJson(ctx, "p", "doc", null, {});
    const results = await Promise.allSettled(
      Array.from({ length: 100 }, (_, i) => stores[i % 2]!.setJson(ctx, "p", "doc", `/n${i}`, i)),
    );
    const doc = (await stores[0]!.getJson(ctx, "p", "doc")) as Record<string, number>;
    let conflicts = 0;
    for (const [i, result] of results.entries()) {
      if (result.status === "fulfilled") {
        assert.equal(doc[`n${i}`], i, `acknowledged write n${i} is there`);
      } else {
        assert.ok(result.reason instanceof StateError, String(result.reason));
        assert.equal(result.reason.code, "conflict");
        assert.equal(doc[`n${i}`], undefined, `rejected write n${i} left nothing`);
        conflicts++;
      }
    }
    assert.ok(conflicts > 0, "100 writers without retries should collide");
    await stores[0]!.delPrefix(ctx, "p");
  } finally {
    for (const store of stores) await store.close();
    for (const client of clients) await client.quit();
  }
});
