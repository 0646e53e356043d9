import assert from "node:assert/strict";
import { Redis } from "ioredis";
import { RedisStateStore } from "../../mod.ts";
import { Deadlines } from "../../src/redis/_deadlines.ts";
import { freshCtx, REDIS_URL } from "./_server.ts";

const asIs = <T>(v: T) => v;

Deno.test("Deadlines: a call without answer rejects at its deadline, others settle", async () => {
  const deadlines = new Deadlines(100, () => new Error("late"));
  const never = new Promise<number>(() => {});
  // The deadline timer is unreferenced: a socket keeps the process alive in real use.
  const socketStandIn = setTimeout(() => {}, 5_000);
  const start = performance.now();
  const results = await Promise.allSettled([
    deadlines.run(never, asIs, asIs),
    deadlines.run(Promise.resolve(1), (n) => n + 1, asIs),
    deadlines.run(Promise.reject(new Error("no")), asIs, (e) => `mapped ${(e as Error).message}`),
    deadlines.run(Promise.resolve("x"), () => {
      throw new Error("bad reply");
    }, (e) => (e as Error).message),
  ]);
  const ms = performance.now() - start;
  assert.deepEqual(results.map((r) => r.status), ["rejected", "fulfilled", "rejected", "rejected"]);
  assert.equal(((results[0] as PromiseRejectedResult).reason as Error).message, "late");
  assert.equal((results[1] as PromiseFulfilledResult<number>).value, 2);
  assert.equal((results[2] as PromiseRejectedResult).reason, "mapped no");
  assert.equal((results[3] as PromiseRejectedResult).reason, "bad reply");
  assert.ok(ms >= 99 && ms < 400, `${ms} ms`);
  assert.equal(deadlines.size, 0);
  clearTimeout(socketStandIn);
});

Deno.test("Deadlines: abortAll rejects what is in flight and stops the timer", async () => {
  const deadlines = new Deadlines(60_000, () => new Error("late"));
  const pending = deadlines.run(new Promise(() => {}), asIs, asIs);
  deadlines.abortAll(new Error("closed"));
  await assert.rejects(pending, /closed/);
});

Deno.test("Redis store: no timer outlives its calls, even if the store is never closed", async () => {
  const client = new Redis(REDIS_URL);
  const store = new RedisStateStore(client);
  const ctx = freshCtx();
  await Promise.all(
    Array.from({ length: 50 }, (_, i) => store.setJson(ctx, "p", `k${i}`, null, i)),
  );
  assert.equal(await store.delPrefix(ctx, "p"), 50);
  await client.quit(); // the store is left open on purpose
});
