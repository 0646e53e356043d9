/**
 * Cluster rows: RedisStateStore on a Redis Cluster against raw ioredis `Cluster` commands
 * and against the store on one Redis, with each key layout and with `waitReplicas`; and
 * `delPrefix` of 20k keys. Ratios within one run (the machine is shared and noisy).
 *
 * Run: `deno run -A bench/redis_cluster.ts [redis://single]` (starts a local 3+3 cluster
 * with the test helper; the single Redis defaults to `REDIS_URL` or 127.0.0.1:6379).
 *
 * @module
 */

import { Cluster } from "ioredis";
import { RedisStateStore, type RedisStateStoreOptions, TenantCtx } from "../mod.ts";
import { startCluster } from "../tests/redis/_cluster.ts";
import { workload } from "./workload.ts";

const single = Deno.args[0] ?? Deno.env.get("REDIS_URL") ?? "redis://127.0.0.1:6379";
const CONCURRENCY = 256;
const OPS = 30_000;
const ROUNDS = 2;
const KEYS = 1000;

/** The benchmark's realistic 1 KB flow-state document (`bench/workload.ts`). */
const { doc } = workload("1KB");

async function measure(op: (i: number) => Promise<unknown>): Promise<number> {
  let next = 0;
  const start = performance.now();
  await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
    while (next < OPS) await op(next++);
  }));
  return OPS / ((performance.now() - start) / 1000);
}

await using cluster = await startCluster();
console.log(`local cluster (3 masters, 3 replicas) started in ${cluster.startupMs.toFixed(0)} ms`);
const raw = new Cluster([{ host: "127.0.0.1", port: cluster.nodes[0]!.port }], {
  enableAutoPipelining: true,
});
const ctx = new TenantCtx(`bench-${crypto.randomUUID().slice(0, 8)}`, "t");
const keys = Array.from({ length: KEYS }, (_, i) => `k${i}`);

const stores: [string, () => Promise<RedisStateStore>][] = [
  ["single Redis", () => RedisStateStore.connect(single)],
  ["cluster", () => RedisStateStore.connect(cluster.urls, { cluster: true })],
  [
    "cluster namespace-tag",
    () => RedisStateStore.connect(cluster.urls, { cluster: true, keyLayout: "namespace-tag" }),
  ],
  [
    "cluster waitReplicas 1",
    () => RedisStateStore.connect(cluster.urls, { cluster: true, waitReplicas: 1 }),
  ],
];

const sums = new Map<string, number>();
const add = (row: string, opsPerSec: number) => sums.set(row, (sums.get(row) ?? 0) + opsPerSec);

for (let round = 0; round < ROUNDS; round++) {
  const rawKeys = keys.map((k) => `bench:${ctx.env}:${k}`);
  const json = JSON.stringify(doc);
  await Promise.all(rawKeys.map((k) => raw.set(k, json)));
  add(
    "raw Cluster GET+parse",
    await measure((i) => raw.get(rawKeys[i % KEYS]!).then((t) => JSON.parse(t!))),
  );
  add(
    "raw Cluster SET+stringify PX",
    await measure((i) => raw.set(rawKeys[i % KEYS]!, JSON.stringify(doc), "PX", 300_000)),
  );
  await Promise.all(rawKeys.map((k) => raw.unlink(k))); // one slot per UNLINK on a cluster
  for (const [name, open] of stores) {
    const store = await open();
    try {
      await Promise.all(keys.map((k) => store.setJson(ctx, "b", k, null, doc)));
      add(`${name}: getJson`, await measure((i) => store.getJson(ctx, "b", keys[i % KEYS]!)));
      add(
        `${name}: setJson ttl`,
        await measure((i) => store.setJson(ctx, "b", keys[i % KEYS]!, null, doc, 300)),
      );
      add(
        `${name}: path setJson`,
        await measure((i) => store.setJson(ctx, "b", keys[i % KEYS]!, "/counters/visits", i)),
      );
      await store.delPrefix(ctx, "b");
    } finally {
      await store.close();
    }
  }
}

const rate = (row: string) => sums.get(row)! / ROUNDS;
const ratio = (a: string, b: string) => (rate(a) / rate(b)).toFixed(2);
console.log(`concurrency ${CONCURRENCY}, ${OPS} calls per row, mean of ${ROUNDS} rounds:`);
for (const [row] of sums) console.log(`  ${row.padEnd(40)} ${Math.round(rate(row))} ops/s`);
console.log("ratios (higher is faster):");
console.log(
  `  cluster getJson / raw Cluster GET+parse:      ${
    ratio("cluster: getJson", "raw Cluster GET+parse")
  }`,
);
console.log(
  `  cluster setJson / raw Cluster SET+stringify:  ${
    ratio("cluster: setJson ttl", "raw Cluster SET+stringify PX")
  }`,
);
for (const op of ["getJson", "setJson ttl", "path setJson"]) {
  console.log(
    `  ${op}: cluster / single Redis:`.padEnd(48) + ratio(`cluster: ${op}`, `single Redis: ${op}`),
  );
  console.log(
    `  ${op}: namespace-tag / plain:`.padEnd(48) +
      ratio(`cluster namespace-tag: ${op}`, `cluster: ${op}`),
  );
  console.log(
    `  ${op}: waitReplicas 1 / none:`.padEnd(48) +
      ratio(`cluster waitReplicas 1: ${op}`, `cluster: ${op}`),
  );
}

// delPrefix of 20k keys: spread over the masters, or on one slot.
const options: [string, RedisStateStoreOptions][] = [
  ["plain", {}],
  ["namespace-tag", { keyLayout: "namespace-tag" }],
  ["plain, waitReplicas 1", { waitReplicas: 1 }],
];
console.log("delPrefix of 20000 keys on the cluster (second of two passes):");
for (const pass of [1, 2]) {
  for (const [name, extra] of options) {
    await using store = await RedisStateStore.connect(cluster.urls, { cluster: true, ...extra });
    const space = new TenantCtx(`bench-${crypto.randomUUID().slice(0, 8)}`, "t");
    for (let i = 0; i < 20_000; i += 2000) {
      await Promise.all(
        Array.from({ length: 2000 }, (_, j) => store.setJson(space, "p", `k${i + j}`, null, 1)),
      );
    }
    const start = performance.now();
    const deleted = await store.delPrefix(space, "p");
    const ms = performance.now() - start;
    if (pass === 2) {
      console.log(
        `  ${name.padEnd(24)} ${ms.toFixed(0)} ms (${Math.round(deleted / ms * 1000)} keys/s)`,
      );
    }
  }
}
raw.disconnect();
