/**
 * Key placement on a real Redis Cluster, checked with `CLUSTER KEYSLOT`: the local slot
 * function against the server's, the namespace tag against braces in prefixes and keys,
 * and what braces do in the plain layout.
 */

import assert from "node:assert/strict";
import fc from "fast-check";
import { Cluster } from "ioredis";
import { RedisStateStore, TenantCtx } from "../../mod.ts";
import { keySlot } from "../../src/redis/_key_slot.ts";
import { startCluster } from "./_cluster.ts";

async function collect(iterable: AsyncIterable<string>): Promise<string[]> {
  const out: string[] = [];
  for await (const key of iterable) out.push(key);
  return out.sort();
}

const BRACED = ["{", "}", "{}", "}{", "{x}", "a{b}c", "{{x}}", "x}", "{x", "é{ü}", ""];

Deno.test("Redis Cluster key layout: slots as the server computes them", async (t) => {
  await using cluster = await startCluster({ masters: 3, replicasPerMaster: 0 });

  await t.step("the local slot function agrees with CLUSTER KEYSLOT", async () => {
    const keys = fc.sample(
      fc.string({ maxLength: 12, unit: fc.constantFrom("a", "{", "}", ":", "é", "😀", "%") }),
      300,
    );
    keys.push(...BRACED, "a{}b{c}", "{}{a}");
    for (const key of keys) assert.equal(keySlot(key), await cluster.keySlot(key), key);
  });

  await t.step("namespace-tag: braces in prefixes and keys never move a key", async () => {
    await using store = await RedisStateStore.connect(cluster.urls, {
      cluster: true,
      keyLayout: "namespace-tag",
    });
    const ctx = new TenantCtx(`kl-${crypto.randomUUID().slice(0, 8)}`, "tenant-1");
    for (const prefix of BRACED) {
      const home = await cluster.keySlot(store.storageKey(ctx, prefix, "plain"));
      for (const key of BRACED) {
        const storage = store.storageKey(ctx, prefix, key);
        assert.ok(storage.startsWith("greentic:state:{"), storage);
        assert.equal(await cluster.keySlot(storage), home, storage);
        await store.setJson(ctx, prefix, key, null, { prefix, key });
      }
      // Stored where the server says, readable, listed, deleted: and nothing else.
      const owner = await cluster.masterOfSlot(home);
      const storage = store.storageKey(ctx, prefix, "{x}");
      assert.equal(
        (await cluster.cli(owner, "GET", storage)).trim(),
        JSON.stringify({ prefix, key: "{x}" }),
      );
      assert.deepEqual(await store.getJson(ctx, prefix, "a{b}c"), { prefix, key: "a{b}c" });
    }
    for (const prefix of BRACED) {
      assert.deepEqual(await collect(store.listKeys(ctx, prefix)), [...BRACED].sort());
      assert.equal(await store.delPrefix(ctx, prefix), BRACED.length);
    }
  });

  await t.step("a borrowed Cluster's keyPrefix {app}: puts every key on one slot", async () => {
    const client = new Cluster(
      cluster.nodes.map((n) => ({ host: "127.0.0.1", port: n.port })),
      { keyPrefix: "{app}:" },
    );
    try {
      const store = new RedisStateStore(client);
      const ctx = new TenantCtx(`kl-${crypto.randomUUID().slice(0, 8)}`, "tenant-1");
      for (let i = 0; i < 200; i++) await store.setJson(ctx, "p", `k${i}`, null, i);
      const storage = store.storageKey(ctx, "p", "k1");
      assert.ok(storage.startsWith("{app}:greentic:state:"), storage);
      assert.equal(await cluster.keySlot(storage), keySlot("app"));
      const owner = await cluster.masterOfSlot(keySlot("app"));
      assert.equal((await cluster.cli(owner, "GET", storage)).trim(), "1");
      assert.equal((await collect(store.listKeys(ctx, "p"))).length, 200);
      assert.equal(await store.delPrefix(ctx, "p"), 200);
      assert.equal((await cluster.cli(owner, "EXISTS", storage)).trim(), "0");
      await store.close();
    } finally {
      await client.quit();
    }
  });

  await t.step("plain layout: a {tag} in a prefix or key decides the slot", async () => {
    await using store = await RedisStateStore.connect(cluster.urls, { cluster: true });
    const ctx = new TenantCtx(`kl-${crypto.randomUUID().slice(0, 8)}`, "tenant-1");
    // A key with a tag lands on the tag's slot...
    assert.equal(
      await cluster.keySlot(store.storageKey(ctx, "p", "{user-42}")),
      keySlot("user-42"),
    );
    // ...but a tag in the prefix comes first and wins for every key of the namespace.
    for (const key of BRACED) {
      assert.equal(await cluster.keySlot(store.storageKey(ctx, "{p}", key)), keySlot("p"));
    }
    // An empty tag is no tag; a tag the prefix leaves open is closed by the key.
    assert.notEqual(await cluster.keySlot(store.storageKey(ctx, "{}", "{x}")), keySlot("x"));
    assert.equal(await cluster.keySlot(store.storageKey(ctx, "a{", "b}")), keySlot(":b"));
    // Whatever the braces, namespaces stay apart.
    for (const prefix of ["{p}", "{p}x", "{p", "p}", "{}", "a{", "p"]) {
      for (const key of BRACED) await store.setJson(ctx, prefix, key, null, prefix);
    }
    for (const prefix of ["{p}", "{p}x", "{p", "p}", "{}", "a{", "p"]) {
      assert.deepEqual(await collect(store.listKeys(ctx, prefix)), [...BRACED].sort());
      assert.equal(await store.getJson(ctx, prefix, "{x}"), prefix);
      assert.equal(await store.delPrefix(ctx, prefix), BRACED.length);
    }
  });
});
