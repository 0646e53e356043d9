/**
 * `waitReplicas`: each write waits for replica acknowledgements with `WAIT` on the
 * connection that wrote; too few in time is `timeout` (applied on the master, maybe lost).
 */

import assert from "node:assert/strict";
import { Redis } from "ioredis";
import { RedisStateStore, StateError, TenantCtx } from "../../mod.ts";
import { rejectsWith } from "../conformance.ts";
import { startCluster } from "./_cluster.ts";
import { connect, freshCtx, rawClient } from "./_server.ts";

Deno.test("waitReplicas: options are checked", () => {
  const client = new Redis({ lazyConnect: true });
  try {
    for (
      const options of [
        { waitReplicas: -1 },
        { waitReplicas: 1.5 },
        { waitTimeoutMs: 0 },
        { waitTimeoutMs: 3000 }, // not below timeoutMs (3000)
        { timeoutMs: 100, waitTimeoutMs: 100 },
        { keyLayout: "tagged" as "plain" },
      ]
    ) {
      assert.throws(
        () => new RedisStateStore(client, options),
        (error) => error instanceof StateError && error.code === "invalid_input",
        JSON.stringify(options),
      );
    }
    new RedisStateStore(client, { timeoutMs: 100, waitReplicas: 2 }); // waitTimeoutMs 50
  } finally {
    client.disconnect();
  }
});

Deno.test("waitReplicas: without replicas every write is applied but rejects with timeout", async () => {
  // The shared test Redis has no replica.
  await using store = await connect({ waitReplicas: 1, timeoutMs: 1000, waitTimeoutMs: 100 });
  const ctx = freshCtx();
  const start = performance.now();
  const error = await rejectsWith(
    store.setJson(ctx, "p", "k", null, { a: 1 }),
    "timeout",
    /applied on the master, but 0 of the 1 replicas/,
  );
  assert.ok(performance.now() - start < 900, `${performance.now() - start} ms`);
  assert.doesNotMatch(error.message, /\.$/);
  assert.deepEqual(await store.getJson(ctx, "p", "k"), { a: 1 });
  await rejectsWith(store.setJson(ctx, "p", "k", "/a", 2), "timeout"); // the Lua path
  assert.deepEqual(await store.getJson(ctx, "p", "k"), { a: 2 });
  await rejectsWith(store.del(ctx, "p", "k"), "timeout");
  assert.equal(await store.getJson(ctx, "p", "k"), undefined);
  const raw = rawClient();
  try {
    await raw.set(store.storageKey(ctx, "p", "x"), "1");
    await rejectsWith(store.delPrefix(ctx, "p"), "timeout", /entries near .* were deleted/);
    assert.equal(await raw.exists(store.storageKey(ctx, "p", "x")), 0);
  } finally {
    await raw.quit();
  }
});

Deno.test("waitReplicas: on a cluster a resolved write is on the replica", async () => {
  await using cluster = await startCluster();
  await using store = await RedisStateStore.connect(cluster.urls, {
    cluster: true,
    waitReplicas: 1,
    timeoutMs: 2000,
    waitTimeoutMs: 300,
  });
  const ctx = new TenantCtx(`wr-${crypto.randomUUID().slice(0, 8)}`, "tenant-1");
  const { replicas } = await cluster.topology();
  const readers = replicas.map((node) => new Redis({ port: node.port, host: "127.0.0.1" }));
  try {
    await Promise.all(readers.map((reader) => reader.readonly()));
    const onReplica = async (key: string) => {
      const storage = store.storageKey(ctx, "p", key);
      const values = await Promise.all(readers.map((r) => r.get(storage).catch(() => null)));
      return values.find((v) => v !== null) ?? null;
    };
    for (let i = 0; i < 50; i++) {
      await store.setJson(ctx, "p", `k${i}`, null, { v: i });
      // Read on the replica right after the call resolved.
      assert.equal(await onReplica(`k${i}`), JSON.stringify({ v: i }));
      await store.setJson(ctx, "p", `k${i}`, "/x", i); // the Lua path
      assert.equal(await onReplica(`k${i}`), JSON.stringify({ v: i, x: i }));
    }
    assert.equal(await store.del(ctx, "p", "k0"), true);
    assert.equal(await onReplica("k0"), null);
    assert.equal(await store.delPrefix(ctx, "p"), 49);
    for (let i = 1; i < 50; i++) assert.equal(await onReplica(`k${i}`), null);

    // A frozen replica cannot acknowledge: writes to its master's slots time out.
    const master = await cluster.masterOfSlot(0);
    const replica = await cluster.replicaOf(master);
    let key = "a";
    for (
      let n = 0;
      await cluster.masterOfSlot(await cluster.keySlot(store.storageKey(ctx, "p", key))) !== master;
      n++
    ) {
      key = `a${n}`;
    }
    cluster.signal(replica, "SIGSTOP");
    try {
      const start = performance.now();
      await rejectsWith(store.setJson(ctx, "p", key, null, 1), "timeout");
      const ms = performance.now() - start;
      assert.ok(ms >= 290 && ms < 1500, `${ms} ms`);
    } finally {
      cluster.signal(replica, "SIGCONT");
    }
  } finally {
    for (const reader of readers) reader.disconnect();
  }
});
