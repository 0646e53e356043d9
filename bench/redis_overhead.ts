/**
 * A quick measurement of what RedisStateStore costs over raw ioredis, and of what the
 * deadline mechanism costs compared with ioredis's `commandTimeout`. Ratios within one run.
 *
 * Run: `deno run -A bench/redis_overhead.ts [redis://...]`
 *
 * @module
 */

import { Redis } from "ioredis";
import { RedisStateStore, TenantCtx } from "../mod.ts";
import { Deadlines } from "../src/redis/_deadlines.ts";
import { CAS_SET } from "../src/redis/_scripts.ts";
import { workload } from "./workload.ts";

const url = Deno.args[0] ?? Deno.env.get("REDIS_URL") ?? "redis://127.0.0.1:6379";
const CONCURRENCY = 256;
const OPS = 40_000;
const ROUNDS = 3;

/** The benchmark's realistic 1 KB flow-state document (`bench/workload.ts`). */
const { doc, json: docJson } = workload("1KB");

async function measure(name: string, op: (i: number) => Promise<unknown>): Promise<number> {
  let next = 0;
  const start = performance.now();
  await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
    while (next < OPS) await op(next++);
  }));
  const opsPerSec = OPS / ((performance.now() - start) / 1000);
  console.error(`${name.padEnd(34)} ${Math.round(opsPerSec)} ops/s`);
  return opsPerSec;
}

const ctx = new TenantCtx(`bench-${crypto.randomUUID().slice(0, 8)}`, "t");
const ns = `greentic:state:${ctx.env}:t:::b:`;

async function run(autoPipelining: boolean) {
  const client = new Redis(url, { enableAutoPipelining: autoPipelining });
  const timed = new Redis(url, { enableAutoPipelining: autoPipelining, commandTimeout: 3000 });
  const store = new RedisStateStore(client);
  const keys = Array.from({ length: 1000 }, (_, i) => `k${i}`);
  for (const key of keys) await client.set(ns + key, docJson);
  const sums: Record<string, number> = {};
  const add = (name: string, v: number) => sums[name] = (sums[name] ?? 0) + v;
  const deadlines = new Deadlines(3000, () => new Error("late"));
  const same = <T>(v: T) => v;
  for (let r = 0; r < ROUNDS; r++) {
    add("raw GET", await measure("raw GET", (i) => client.get(ns + keys[i % 1000])));
    add(
      "GET with commandTimeout",
      await measure("GET with commandTimeout", (i) => timed.get(ns + keys[i % 1000])),
    );
    add(
      "GET with shared deadline timer",
      await measure(
        "GET with shared deadline timer",
        (i) => deadlines.run(client.get(ns + keys[i % 1000]), same, same),
      ),
    );
    add(
      "raw GET+parse",
      await measure(
        "raw GET+parse",
        (i) => client.get(ns + keys[i % 1000]).then((t) => JSON.parse(t!)),
      ),
    );
    add(
      "raw GET+parse commandTimeout",
      await measure(
        "raw GET+parse commandTimeout",
        (i) => timed.get(ns + keys[i % 1000]).then((t) => JSON.parse(t!)),
      ),
    );
    add(
      "store getJson",
      await measure("store getJson", (i) => store.getJson(ctx, "b", keys[i % 1000]!)),
    );
    add(
      "raw SET+stringify PX",
      await measure(
        "raw SET+stringify PX",
        (i) => client.set(ns + keys[i % 1000], JSON.stringify(doc), "PX", 300_000),
      ),
    );
    add(
      "store setJson ttl",
      await measure(
        "store setJson ttl",
        (i) => store.setJson(ctx, "b", keys[i % 1000]!, null, doc, 300),
      ),
    );
    add(
      "raw path GET/modify/CAS",
      await measure("raw path GET/modify/CAS", async (i) => {
        const key = ns + keys[i % 1000];
        for (;;) {
          const old = await client.get(key);
          const parsed = JSON.parse(old!);
          parsed.counters.visits = i;
          const ok = await client.evalsha(CAS_SET.sha, 1, key, JSON.stringify(parsed), "k", old!)
            .catch(() => client.eval(CAS_SET.lua, 1, key, JSON.stringify(parsed), "k", old!));
          if (ok === 1) return;
        }
      }),
    );
    add(
      "store path setJson",
      await measure(
        "store path setJson",
        (i) => store.setJson(ctx, "b", keys[i % 1000]!, "/counters/visits", i),
      ),
    );
  }
  const ratio = (a: string, b: string) => (sums[a]! / sums[b]!).toFixed(2);
  console.log(`auto-pipelining ${autoPipelining ? "on" : "off"}, concurrency ${CONCURRENCY}:`);
  console.log(
    `  GET: commandTimeout / raw:             ${ratio("GET with commandTimeout", "raw GET")}`,
  );
  console.log(
    `  GET: shared deadline timer / raw:      ${
      ratio("GET with shared deadline timer", "raw GET")
    }`,
  );
  console.log(
    `  getJson / raw GET+parse:               ${ratio("store getJson", "raw GET+parse")}`,
  );
  console.log(
    `  commandTimeout / raw GET+parse:        ${
      ratio("raw GET+parse commandTimeout", "raw GET+parse")
    }`,
  );
  console.log(
    `  setJson ttl / raw SET+stringify:       ${
      ratio("store setJson ttl", "raw SET+stringify PX")
    }`,
  );
  console.log(
    `  path setJson / hand-written CAS loop:  ${
      ratio("store path setJson", "raw path GET/modify/CAS")
    }`,
  );
  await client.unlink(...keys.map((k) => ns + k));
  await store.close();
  client.disconnect();
  timed.disconnect();
}

async function latency() {
  const client = new Redis(url);
  const store = new RedisStateStore(client);
  await client.set(ns + "lat", docJson);
  const p50 = async (op: () => Promise<unknown>) => {
    const times: number[] = [];
    for (let i = 0; i < 5000; i++) {
      const start = performance.now();
      await op();
      times.push(performance.now() - start);
    }
    return times.sort((a, b) => a - b)[2500]!;
  };
  let raw = 0, ours = 0, rawPath = 0, oursPath = 0;
  for (let r = 0; r < 3; r++) {
    raw += await p50(() => client.get(ns + "lat").then((t) => JSON.parse(t!)));
    ours += await p50(() => store.getJson(ctx, "b", "lat"));
    rawPath += await p50(async () => {
      const old = await client.get(ns + "lat");
      const parsed = JSON.parse(old!);
      parsed.counters.visits++;
      await client.evalsha(CAS_SET.sha, 1, ns + "lat", JSON.stringify(parsed), "k", old!);
    });
    oursPath += await p50(() => store.setJson(ctx, "b", "lat", "/counters/visits", r));
  }
  console.log("concurrency 1, p50 latency ratio (store / raw, lower is better):");
  console.log(
    `  getJson:       ${(ours / raw).toFixed(2)} (${(raw / 3 * 1000).toFixed(0)} µs raw)`,
  );
  console.log(`  path setJson:  ${(oursPath / rawPath).toFixed(2)}`);
  await client.unlink(ns + "lat");
  await store.close();
  client.disconnect();
}

await run(true);
await run(false);
await latency();
