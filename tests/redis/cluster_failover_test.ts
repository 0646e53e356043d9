/**
 * A master of a local Redis Cluster is SIGKILLed while writers run. Every call must settle
 * as a success, `unavailable` or `timeout` within the store's deadline; the same store
 * must carry on against the promoted replica (path writes included: their Lua script is
 * not on the replica and must be sent again after `NOSCRIPT`). Reports the time without
 * service and how many acknowledged writes the failover lost, with and without
 * `waitReplicas`.
 */

import assert from "node:assert/strict";
import {
  RedisStateStore,
  type RedisStateStoreOptions,
  StateError,
  type StateErrorCode,
  TenantCtx,
} from "../../mod.ts";
import { keySlot } from "../../src/redis/_key_slot.ts";
import { CAS_SET } from "../../src/redis/_scripts.ts";
import { type LocalCluster, startCluster } from "./_cluster.ts";

/** The store's deadline per answer in these tests. */
const TIMEOUT_MS = 1500;
/** How late past the deadline a call may settle: a deadline tick plus scheduling noise. */
const SLACK_MS = 400;
const WRITERS = 16;

interface Attempt {
  kind: "whole" | "path";
  writer: number;
  seq: number;
  slot: number;
  start: number;
  end: number;
  outcome: "ok" | StateErrorCode;
}

interface FailoverRun {
  attempts: Attempt[];
  killAt: number;
  victimSlots: (slot: number) => boolean;
  promotedAfterMs: number;
  settledAfterMs: number;
  lostWhole: number;
  lostPath: number;
  ackedWhole: number;
  ackedPath: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** How a failover run goes. */
interface Scenario {
  /**
   * Freeze (SIGSTOP) the victim's replica this long before the kill, thawing it right
   * after: the replica lags, as a busy or distant one does, and whatever the master had
   * not yet sent it is gone with the master.
   */
  lagMs?: number;
  /** Runs once the replica is promoted. */
  afterFailover?: () => Promise<void>;
}

/** Runs writers, kills the master of slot 0, keeps writing, then checks what survived. */
async function failover(
  cluster: LocalCluster,
  store: RedisStateStore,
  { lagMs = 0, afterFailover = async () => {} }: Scenario = {},
): Promise<FailoverRun> {
  const ctx = new TenantCtx(`fo-${crypto.randomUUID().slice(0, 8)}`, "tenant-1");
  const slotOf = (key: string) => keySlot(store.storageKey(ctx, "fo", key));
  const victim = await cluster.masterOfSlot(0);
  const replica = await cluster.replicaOf(victim);
  // Documents of 2 KiB when the replica lags, so the master has plenty it cannot send.
  const pad = lagMs > 0 ? "x".repeat(2048) : "";
  const ranges = (await cluster.slotsByMaster()).get(victim.port)!;
  const victimSlots = (slot: number) => ranges.some(([a, b]) => slot >= a && slot <= b);
  const attempts: Attempt[] = [];
  const docs = new Map<number, string>();
  let stop = false;

  const record = async (attempt: Omit<Attempt, "end" | "outcome">, call: Promise<unknown>) => {
    const entry: Attempt = { ...attempt, end: 0, outcome: "ok" };
    attempts.push(entry);
    try {
      await call;
    } catch (error) {
      assert.ok(error instanceof StateError, `not a StateError: ${error}`);
      entry.outcome = error.code;
    }
    entry.end = performance.now();
    return entry.outcome;
  };

  // Even writers write keys on the killed master's slots, odd ones on the others', so a
  // writer stuck on a dead shard does not hide the service of the live ones.
  const onVictim = (w: number, key: string) => victimSlots(slotOf(key)) === (w % 2 === 0);
  const writer = async (w: number) => {
    let doc = `doc-${w}`;
    for (let n = 0; !onVictim(w, doc); n++) doc = `doc-${w}-${n}`;
    docs.set(w, doc);
    for (let seq = 0; !stop; seq++) {
      if (!onVictim(w, `w${w}-${seq}`)) continue;
      const start = performance.now();
      const key = `w${w}-${seq}`;
      let outcome = await record(
        { kind: "whole", writer: w, seq, slot: slotOf(key), start },
        store.setJson(ctx, "fo", key, null, { w, seq, pad }),
      );
      if (seq % 4 === 0) {
        // A path write on the writer's document: a Lua compare-and-set.
        outcome = await record(
          { kind: "path", writer: w, seq, slot: slotOf(doc), start: performance.now() },
          store.setJson(ctx, "fo", doc, "/seq", seq),
        );
      }
      if (outcome !== "ok") await sleep(10); // no hot loop while a shard is down
    }
  };

  const running = Array.from({ length: WRITERS }, (_, w) => writer(w));
  await sleep(700);
  if (lagMs > 0) {
    cluster.signal(replica, "SIGSTOP");
    await sleep(lagMs);
  }
  const killAt = performance.now();
  const report = await cluster.killMaster(victim, 30_000, () => {
    if (lagMs > 0) cluster.signal(replica, "SIGCONT");
  });
  assert.equal(report.promoted, replica);
  await afterFailover();
  await sleep(1500);
  stop = true;
  await Promise.all(running);

  // Every call settled in time, as a success or as unavailable/timeout.
  for (const a of attempts) {
    assert.ok(
      a.outcome === "ok" || a.outcome === "unavailable" || a.outcome === "timeout",
      `unexpected outcome ${a.outcome}`,
    );
    const ms = a.end - a.start;
    assert.ok(ms <= TIMEOUT_MS + SLACK_MS, `a ${a.kind} write took ${ms.toFixed(0)} ms`);
  }

  // What was acknowledged must still be there.
  let lostWhole = 0;
  let lostPath = 0;
  const lastPath = new Map<number, number>();
  const acked = attempts.filter((a) => a.outcome === "ok");
  for (let i = 0; i < acked.length; i += 1000) {
    await Promise.all(
      acked.slice(i, i + 1000).map(async (a) => {
        if (a.kind === "whole") {
          const value = await store.getJson(ctx, "fo", `w${a.writer}-${a.seq}`);
          if (value === undefined) lostWhole++;
          else assert.deepEqual(value, { w: a.writer, seq: a.seq, pad });
        } else {
          lastPath.set(a.writer, Math.max(lastPath.get(a.writer) ?? -1, a.seq));
        }
      }),
    );
  }
  for (const [w, seq] of lastPath) {
    const stored = await store.getJson(ctx, "fo", docs.get(w)!, "/seq");
    if (typeof stored !== "number" || stored < seq) lostPath++;
  }

  // The same store lists and deletes across the new topology: the promoted replica is
  // scanned, each key once.
  const listed: string[] = [];
  for await (const key of store.listKeys(ctx, "fo")) listed.push(key);
  assert.equal(new Set(listed).size, listed.length);
  const expected = attempts.filter((a) => a.kind === "whole" && a.outcome === "ok");
  const present = new Set(listed);
  assert.ok(expected.every((a) => present.has(`w${a.writer}-${a.seq}`) || lostWhole > 0));
  assert.ok(listed.some((key) => victimSlots(slotOf(key))));
  assert.equal(await store.delPrefix(ctx, "fo"), listed.length);
  return {
    attempts,
    killAt,
    victimSlots,
    promotedAfterMs: report.promotedAfterMs,
    settledAfterMs: report.settledAfterMs,
    lostWhole,
    lostPath,
    ackedWhole: attempts.filter((a) => a.kind === "whole" && a.outcome === "ok").length,
    ackedPath: lastPath.size,
  };
}

/** The longest time between two acknowledgements of writes matching `on`, around the kill. */
function outage(run: FailoverRun, on: (a: Attempt) => boolean): number {
  const acks = run.attempts.filter((a) => a.outcome === "ok" && on(a)).map((a) => a.end).sort((
    a,
    b,
  ) => a - b);
  let longest = 0;
  for (let i = 1; i < acks.length; i++) {
    if (acks[i]! < run.killAt) continue;
    longest = Math.max(longest, acks[i]! - acks[i - 1]!);
  }
  return longest;
}

function summary(name: string, run: FailoverRun): string {
  const count = (outcome: string) => run.attempts.filter((a) => a.outcome === outcome).length;
  return `${name}: promoted after ${run.promotedAfterMs.toFixed(0)} ms; time without service ` +
    `on the killed master's slots ${
      outage(run, (a) => run.victimSlots(a.slot)).toFixed(0)
    } ms, on the other slots ${outage(run, (a) => !run.victimSlots(a.slot)).toFixed(0)} ms; ` +
    `writes attempted ${run.attempts.length}, acknowledged ${count("ok")} ` +
    `(unavailable ${count("unavailable")}, timeout ${count("timeout")}); ` +
    `acknowledged and lost: ${run.lostWhole} of ${run.ackedWhole} whole writes, ` +
    `${run.lostPath} of ${run.ackedPath} path-written documents`;
}

const connect = (options: Partial<RedisStateStoreOptions> = {}) => (cluster: LocalCluster) =>
  RedisStateStore.connect(cluster.urls, { cluster: true, timeoutMs: TIMEOUT_MS, ...options });

Deno.test("Redis Cluster failover: SIGKILL of a master while writers run", async (t) => {
  for (const lagMs of [0, 600]) {
    await t.step(
      lagMs === 0 ? "replica in sync" : `replica frozen ${lagMs} ms before`,
      async (step) => {
        await using cluster = await startCluster();
        await using store = await connect()(cluster);
        const replica = await cluster.replicaOf(await cluster.masterOfSlot(0));
        const run = await failover(cluster, store, { lagMs });
        console.log(summary(`without waitReplicas, ${step.name}`, run));
        assert.equal((await cluster.masterOfSlot(0)).port, replica.port);
        // Scripts are not replicated (Redis 7 replicates their effects): the promoted replica
        // had none, and has the path-write script now, sent again by the store after NOSCRIPT.
        assert.equal((await cluster.cli(replica, "SCRIPT", "EXISTS", CAS_SET.sha)).trim(), "1");
        // The same store serves the promoted replica's slots: the last writes there succeeded.
        const late = run.attempts.filter((a) =>
          run.victimSlots(a.slot) && a.start > run.killAt + run.settledAfterMs + 500
        );
        assert.ok(late.length > 0);
        assert.deepEqual(late.filter((a) => a.outcome !== "ok"), []);
      },
    );
  }
});

Deno.test("Redis Cluster failover: with waitReplicas no acknowledged write is lost", async (t) => {
  for (const lagMs of [0, 600]) {
    await t.step(
      lagMs === 0 ? "replica in sync" : `replica frozen ${lagMs} ms before`,
      async (step) => {
        await using cluster = await startCluster();
        await using store = await connect({ waitReplicas: 1, waitTimeoutMs: 250 })(cluster);
        const run = await failover(cluster, store, {
          lagMs,
          // The promoted replica has no replica of its own until the old master rejoins:
          // meanwhile no write to its slots can be acknowledged, they fail with timeout.
          afterFailover: () => cluster.restart(cluster.nodes.find((n) => n.pid === null)!),
        });
        console.log(summary(`with waitReplicas 1, ${step.name}`, run));
        assert.equal(run.lostWhole, 0);
        assert.equal(run.lostPath, 0);
        const last = run.attempts.reduce((max, a) => Math.max(max, a.start), 0);
        const late = run.attempts.filter((a) => a.start > last - 500);
        assert.deepEqual(late.filter((a) => a.outcome !== "ok"), []);
      },
    );
  }
});

Deno.test("Redis Cluster failover: delPrefix and listKeys never answer for a dead shard", async () => {
  await using cluster = await startCluster();
  await using store = await RedisStateStore.connect(cluster.urls, {
    cluster: true,
    timeoutMs: TIMEOUT_MS,
  });
  const ctx = new TenantCtx(`fo-${crypto.randomUUID().slice(0, 8)}`, "tenant-1");
  const keys = Array.from({ length: 2000 }, (_, i) => `k${i}`);
  await Promise.all(keys.map((key) => store.setJson(ctx, "p", key, null, key)));
  const victim = await cluster.masterOfSlot(0);
  const ranges = (await cluster.slotsByMaster()).get(victim.port)!;
  const onVictim = keys.filter((key) => {
    const slot = keySlot(store.storageKey(ctx, "p", key));
    return ranges.some(([a, b]) => slot >= a && slot <= b);
  });
  assert.ok(onVictim.length > 300);

  await cluster.kill(victim); // no waiting for the promotion
  // While the dead master's replica is not yet promoted, a third of the namespace cannot
  // be reached: the calls fail rather than answer for the other two thirds only.
  const listing = (async () => {
    for await (const _ of store.listKeys(ctx, "p")) { /* drain */ }
  })();
  for (const call of [listing, store.delPrefix(ctx, "p")]) {
    const start = performance.now();
    try {
      await call;
      assert.fail("a scan of a cluster with a dead master succeeded");
    } catch (error) {
      assert.ok(error instanceof StateError, `${error}`);
      assert.ok(error.code === "unavailable" || error.code === "timeout", error.message);
    }
    assert.ok(performance.now() - start < TIMEOUT_MS + SLACK_MS);
  }

  await cluster.waitHealthy(0, 30_000);
  // After the promotion the same store reaches every key again.
  const rest = await store.delPrefix(ctx, "p");
  assert.ok(rest >= onVictim.length, `${rest} < ${onVictim.length}`);
  const left: string[] = [];
  for await (const key of store.listKeys(ctx, "p")) left.push(key);
  assert.deepEqual(left, []);
});
