import assert from "node:assert/strict";
import { storageKey } from "../../mod.ts";
import { connect, freshCtx, rawClient } from "./_server.ts";

const VICTIM = 100_000;
const NEIGHBOUR = 2_000;

Deno.test("Redis delPrefix: 100k keys go, neighbours written meanwhile stay intact", async () => {
  await using store = await connect();
  const raw = rawClient();
  const ctx = freshCtx();
  const team = ctx.withTeam("ops");
  // Namespaces that share a start with the victim, or that its glob would match unescaped.
  const neighbours: [typeof ctx, string][] = [
    [ctx, "bulk2"],
    [ctx, "bul"],
    [ctx, "bul*"],
    [ctx, "bulk:x"],
    [team, "bulk"],
    [ctx.withUser("alice"), "bulk"],
  ];
  try {
    const load = async (c: typeof ctx, prefix: string, count: number) => {
      for (let start = 0; start < count; start += 1_000) {
        const args: string[] = [];
        for (let i = start; i < Math.min(count, start + 1_000); i++) {
          args.push(storageKey(c, prefix, `k${i}`), `{"i":${i}}`);
        }
        await raw.mset(...args);
      }
    };
    await load(ctx, "bulk", VICTIM);
    for (const [c, prefix] of neighbours) await load(c, prefix, NEIGHBOUR);

    // Writers keep changing the neighbours while the delete runs.
    let stop = false;
    const created = neighbours.map(() => 0);
    const writers = neighbours.map(async ([c, prefix], w) => {
      for (let i = 0; !stop; i++) {
        await store.setJson(c, prefix, `k${i % NEIGHBOUR}`, "/w", w);
        await store.setJson(c, prefix, `new${i}`, null, { i });
        created[w]!++;
      }
    });
    // Another connection pings meanwhile: its latency shows whether the delete blocks Redis.
    const pinger = rawClient();
    const pings: number[] = [];
    const pinging = (async () => {
      while (!stop) {
        const t0 = performance.now();
        await pinger.ping();
        pings.push(performance.now() - t0);
      }
    })();
    const progress: number[] = [];
    const start = performance.now();
    const deleted = await store.delPrefix(ctx, "bulk", {
      onProgress: (n) => progress.push(n),
    });
    const seconds = (performance.now() - start) / 1000;
    stop = true;
    await Promise.all([...writers, pinging]);
    await pinger.quit();
    pings.sort((a, b) => a - b);
    const p99 = pings[Math.floor(pings.length * 0.99)] ?? 0;
    console.log(
      `delPrefix: ${VICTIM} keys in ${seconds.toFixed(2)} s ` +
        `(${Math.round(VICTIM / seconds)} keys/s), ${
          created.reduce((a, b) => a + b)
        } neighbour writes meanwhile, PING p99 ${p99.toFixed(2)} ms over ${pings.length} pings`,
    );

    assert.equal(deleted, VICTIM);
    assert.ok(progress.length > 1, "progress reported per batch");
    assert.deepEqual(progress, [...progress].sort((a, b) => a - b));
    assert.equal(progress.at(-1), VICTIM);
    assert.deepEqual(await Array.fromAsync(store.listKeys(ctx, "bulk")), []);
    for (const [w, [c, prefix]] of neighbours.entries()) {
      const keys = await Array.fromAsync(store.listKeys(c, prefix));
      assert.equal(keys.length, NEIGHBOUR + created[w]!, `${c} ${prefix}`);
      const updated = Math.min(created[w]!, NEIGHBOUR);
      for (let i = 0; i < NEIGHBOUR; i += 97) {
        const expected = i < updated ? { i, w } : { i };
        assert.deepEqual(await store.getJson(c, prefix, `k${i}`), expected, `${prefix} k${i}`);
      }
      for (let i = 0; i < created[w]!; i++) {
        assert.deepEqual(await store.getJson(c, prefix, `new${i}`), { i });
      }
    }
    assert.equal(await store.delPrefix(ctx, "bulk"), 0);
  } finally {
    for (const [c, prefix] of neighbours) await store.delPrefix(c, prefix);
    await store.delPrefix(ctx, "bulk");
    await raw.quit();
  }
});

Deno.test("Redis delPrefix: an empty namespace deletes nothing and reports no progress", async () => {
  await using store = await connect();
  let calls = 0;
  assert.equal(await store.delPrefix(freshCtx(), "nothing", { onProgress: () => calls++ }), 0);
  assert.equal(calls, 0);
});
