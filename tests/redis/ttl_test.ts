import assert from "node:assert/strict";
import { storageKey } from "../../mod.ts";
import { connect, freshCtx, rawClient } from "./_server.ts";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

Deno.test("Redis TTL: real expiry at one second, rounding up", async () => {
  await using store = await connect();
  const ctx = freshCtx();
  await store.setJson(ctx, "p", "k", null, "v", 1);
  assert.equal(await store.ttl(ctx, "p", "k"), 1);
  await sleep(1_050);
  assert.equal(await store.getJson(ctx, "p", "k"), undefined);
  assert.equal(await store.ttl(ctx, "p", "k"), undefined);
  assert.deepEqual(await Array.fromAsync(store.listKeys(ctx, "p")), []);
  assert.equal(await store.del(ctx, "p", "k"), false);
});

Deno.test("Redis TTL: writes without TTL keep the server deadline", async () => {
  await using store = await connect();
  const raw = rawClient();
  try {
    const ctx = freshCtx();
    const key = storageKey(ctx, "p", "k");
    await store.setJson(ctx, "p", "k", null, { n: 0 }, 60);
    await raw.pexpire(key, 250);
    await store.setJson(ctx, "p", "k", "/n", 1); // path write keeps
    await store.setJson(ctx, "p", "k", null, { n: 2 }); // whole write keeps
    const left = await raw.pttl(key);
    assert.ok(left > 0 && left <= 250, `pttl ${left}`);
    assert.equal(await store.ttl(ctx, "p", "k"), 1); // rounded up
    await sleep(300);
    assert.equal(await store.getJson(ctx, "p", "k"), undefined);
    // A positive TTL resets, 0 persists.
    await store.setJson(ctx, "p", "r", null, {}, 60);
    await raw.pexpire(storageKey(ctx, "p", "r"), 100);
    await store.setJson(ctx, "p", "r", "/x", 1, 60);
    await store.setJson(ctx, "p", "q", null, 1, 60);
    await raw.pexpire(storageKey(ctx, "p", "q"), 100);
    await store.setJson(ctx, "p", "q", null, 2, 0);
    await sleep(150);
    assert.equal(await store.ttl(ctx, "p", "r"), 60);
    assert.equal(await store.ttl(ctx, "p", "q"), null);
  } finally {
    await raw.quit();
  }
});

Deno.test("Redis TTL: writes to an expired entry start from nothing, without TTL", async () => {
  await using store = await connect();
  const raw = rawClient();
  try {
    const ctx = freshCtx();
    await store.setJson(ctx, "p", "k", null, { old: true, arr: [1] }, 60);
    await store.setJson(ctx, "p", "k2", null, "old", 60);
    await raw.pexpire(storageKey(ctx, "p", "k"), 30);
    await raw.pexpire(storageKey(ctx, "p", "k2"), 30);
    await sleep(60);
    await store.setJson(ctx, "p", "k", "/arr/0", 2);
    assert.deepEqual(await store.getJson(ctx, "p", "k"), { arr: [2] });
    assert.equal(await store.ttl(ctx, "p", "k"), null);
    await store.setJson(ctx, "p", "k2", null, "new");
    assert.equal(await store.getJson(ctx, "p", "k2"), "new");
    assert.equal(await store.ttl(ctx, "p", "k2"), null);
  } finally {
    await raw.quit();
  }
});

Deno.test("Redis TTL: an entry expiring during path writes is never resurrected without TTL", async () => {
  await using store = await connect();
  const raw = rawClient();
  try {
    const ctx = freshCtx();
    const key = storageKey(ctx, "p", "k");
    for (let round = 0; round < 5; round++) {
      await raw.set(key, '{"old":true,"n":0}', "PX", 20 + round * 5);
      let stop = false;
      const writers = Array.from({ length: 8 }, async (_, w) => {
        for (let i = 0; !stop; i++) await store.setJson(ctx, "p", "k", `/w${w}`, i);
      });
      const watcher = (async () => {
        while (!stop) {
          const replies = (await raw.multi().get(key).pttl(key).exec())!;
          const text = replies[0]![1];
          const pttl = replies[1]![1];
          if (typeof text === "string" && text.includes('"old"')) {
            assert.notEqual(pttl, -1, `resurrected without TTL: ${text}`);
          }
        }
      })();
      await sleep(80);
      stop = true;
      await Promise.all([...writers, watcher]);
      const doc = (await store.getJson(ctx, "p", "k")) as Record<string, unknown>;
      assert.equal(doc.old, undefined);
      assert.equal(await store.ttl(ctx, "p", "k"), null);
    }
  } finally {
    await raw.quit();
  }
});

Deno.test("Redis TTL: del and delPrefix count only live entries", async () => {
  await using store = await connect();
  const raw = rawClient();
  try {
    const ctx = freshCtx();
    for (const key of ["short1", "short2", "short3", "long", "forever"]) {
      await store.setJson(ctx, "p", key, null, 1, key === "forever" ? null : 100);
    }
    for (const key of ["short1", "short2", "short3"]) {
      await raw.pexpire(storageKey(ctx, "p", key), 20);
    }
    await sleep(50);
    // Expired keys may still be in Redis memory until touched: they must not count.
    assert.equal(await store.del(ctx, "p", "short1"), false);
    assert.deepEqual((await Array.fromAsync(store.listKeys(ctx, "p"))).sort(), ["forever", "long"]);
    assert.equal(await store.delPrefix(ctx, "p"), 2);
    assert.equal(await store.delPrefix(ctx, "p"), 0);
    assert.deepEqual(await Array.fromAsync(store.listKeys(ctx, "p")), []);
    // Many expired keys among live ones, none touched since they expired.
    const pipeline = raw.pipeline();
    for (let i = 0; i < 500; i++) {
      pipeline.set(storageKey(ctx, "q", `k${i}`), "1", "PX", i % 2 === 0 ? 10 : 60_000);
    }
    await pipeline.exec();
    await sleep(30);
    assert.equal(await store.delPrefix(ctx, "q"), 250);
  } finally {
    await raw.quit();
  }
});

Deno.test("Redis TTL: a failed write keeps the TTL", async () => {
  await using store = await connect();
  const ctx = freshCtx();
  await store.setJson(ctx, "p", "k", null, { s: "x" }, 10);
  await assert.rejects(store.setJson(ctx, "p", "k", "/s/t", 1, 0));
  assert.equal(await store.ttl(ctx, "p", "k"), 10);
  await store.delPrefix(ctx, "p");
});
