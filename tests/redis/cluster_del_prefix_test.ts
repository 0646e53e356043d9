/**
 * `delPrefix` and `listKeys` on a local Redis Cluster: 50 000 keys spread over every
 * master, next to neighbouring namespaces that must survive; every master scanned, no
 * replica, no `CROSSSLOT`; with the namespace hash tag, one node only.
 */

import assert from "node:assert/strict";
import { RedisStateStore, TenantCtx } from "../../mod.ts";
import { keySlot } from "../../src/redis/_key_slot.ts";
import { type ClusterNode, type LocalCluster, parseInfo, startCluster } from "./_cluster.ts";

const COUNT = 50_000;

async function fill(store: RedisStateStore, ctx: TenantCtx, prefix: string, count: number) {
  const batch = 2_000;
  for (let i = 0; i < count; i += batch) {
    const writes = [];
    for (let j = i; j < Math.min(count, i + batch); j++) {
      writes.push(store.setJson(ctx, prefix, `k${j}`, null, { j }));
    }
    await Promise.all(writes);
  }
}

async function collect(iterable: AsyncIterable<string>): Promise<string[]> {
  const out: string[] = [];
  for await (const key of iterable) out.push(key);
  return out;
}

/** Calls of `command` per node since the last `CONFIG RESETSTAT`. */
async function calls(cluster: LocalCluster, node: ClusterNode, command: string): Promise<number> {
  const stats = parseInfo(await cluster.cli(node, "INFO", "commandstats"));
  const line = stats.get(`cmdstat_${command}`);
  return line === undefined ? 0 : Number(/calls=(\d+)/.exec(line)![1]);
}

/**
 * Errors a node answered since the last `CONFIG RESETSTAT`: failed or rejected calls of any
 * command, and error kinds other than `ERR` (ioredis sends `CLIENT SETINFO`, which Redis
 * 7.0 answers with `ERR unknown subcommand`, on each new connection).
 */
async function errors(cluster: LocalCluster, node: ClusterNode): Promise<string[]> {
  const kinds = parseInfo(await cluster.cli(node, "INFO", "errorstats"));
  const commands = parseInfo(await cluster.cli(node, "INFO", "commandstats"));
  return [
    ...[...kinds.keys()].filter((k) => k.startsWith("errorstat_") && k !== "errorstat_ERR"),
    ...[...commands].filter(([, v]) => /(?:rejected|failed)_calls=[1-9]/.test(v)).map(([k]) => k),
  ];
}

async function resetStats(cluster: LocalCluster) {
  for (const node of cluster.liveNodes) await cluster.cli(node, "CONFIG", "RESETSTAT");
}

Deno.test("Redis Cluster delPrefix: 50k keys over every master, neighbours spared", async (t) => {
  await using cluster = await startCluster();
  const { masters, replicas } = await cluster.topology();

  for (const keyLayout of ["plain", "namespace-tag"] as const) {
    await t.step(`layout ${keyLayout}`, async () => {
      await using store = await RedisStateStore.connect(cluster.urls, {
        cluster: true,
        keyLayout,
      });
      const ctx = new TenantCtx(`dp-${crypto.randomUUID().slice(0, 8)}`, "tenant-1");
      const neighbours: [TenantCtx, string][] = [
        [ctx, "flow:1"], // a prefix that starts with the deleted one
        [ctx, "flow/x"],
        [ctx, "flo"],
        [ctx.withTeam("ops"), "flow"], // same prefix, another scope
        [new TenantCtx(ctx.env, "tenant-2"), "flow"],
      ];
      let start = performance.now();
      await fill(store, ctx, "flow", COUNT);
      for (const [other, prefix] of neighbours) await fill(store, other, prefix, 200);
      const fillMs = performance.now() - start;

      // Where the keys are: spread over every master, or all on one slot.
      const perMaster = new Map<number, number>();
      const slots = await cluster.slotsByMaster();
      for (let j = 0; j < COUNT; j++) {
        const slot = keySlot(store.storageKey(ctx, "flow", `k${j}`));
        for (const [port, ranges] of slots) {
          if (ranges.some(([a, b]) => slot >= a && slot <= b)) {
            perMaster.set(port, (perMaster.get(port) ?? 0) + 1);
          }
        }
      }
      if (keyLayout === "plain") {
        assert.equal(perMaster.size, 3);
        for (const n of perMaster.values()) assert.ok(n > COUNT / 4, `${[...perMaster]}`);
      } else {
        assert.equal(perMaster.size, 1);
      }

      await resetStats(cluster);
      start = performance.now();
      assert.equal(await store.delPrefix(ctx, "flow"), COUNT);
      const delMs = performance.now() - start;
      console.log(
        `${keyLayout}: wrote ${COUNT} keys in ${fillMs.toFixed(0)} ms, delPrefix took ` +
          `${delMs.toFixed(0)} ms (${(COUNT / delMs * 1000).toFixed(0)} keys/s)`,
      );

      // Only masters were scanned (all of them, or the one owning the tag's slot); no
      // replica; no command failed (CROSSSLOT, MOVED...).
      for (const replica of replicas) assert.equal(await calls(cluster, replica, "scan"), 0);
      const scanned = [];
      for (const master of masters) {
        if (await calls(cluster, master, "scan") > 0) scanned.push(master.port);
        assert.deepEqual(await errors(cluster, master), []);
      }
      assert.equal(scanned.length, keyLayout === "plain" ? 3 : 1);
      if (keyLayout === "namespace-tag") assert.deepEqual(scanned, [...perMaster.keys()]);

      assert.deepEqual(await collect(store.listKeys(ctx, "flow")), []);
      assert.equal(await store.getJson(ctx, "flow", "k1"), undefined);
      for (const [other, prefix] of neighbours) {
        const keys = await collect(store.listKeys(other, prefix));
        assert.equal(keys.length, 200, `${other} ${prefix}`);
        assert.equal(new Set(keys).size, 200);
        assert.deepEqual(await store.getJson(other, prefix, "k7"), { j: 7 });
        assert.equal(await store.delPrefix(other, prefix), 200);
      }
    });
  }
});

Deno.test("Redis Cluster listKeys: every key once, from masters only", async () => {
  await using cluster = await startCluster();
  await using store = await RedisStateStore.connect(cluster.urls, { cluster: true });
  const ctx = new TenantCtx(`lk-${crypto.randomUUID().slice(0, 8)}`, "tenant-1");
  await fill(store, ctx, "p", 3_000);
  const { replicas } = await cluster.topology();
  await resetStats(cluster);
  const keys = await collect(store.listKeys(ctx, "p"));
  assert.equal(keys.length, 3_000);
  assert.equal(new Set(keys).size, 3_000);
  for (const replica of replicas) assert.equal(await calls(cluster, replica, "scan"), 0);
  assert.equal(await store.delPrefix(ctx, "p"), 3_000);
});
