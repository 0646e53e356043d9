/**
 * A master of a local Redis Cluster is SIGKILLed while writers run. Every call must settle
 * as a success, `unavailable` or `timeout` within the store's deadline; the same store
 * must carry on against the promoted replica (path writes included: their Lua script is
 * not on the replica and must be sent again after `NOSCRIPT`). Reports the time without
 * service and how many acknowledged writes the failover lost, with and without
 * `waitReplicas`.
 */

import assert from "node:assert/strict";
import { RedisStateStore, StateError, type StateErrorCode, TenantCtx } from "../../mod.ts";
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

/** Runs writers, kills the master of slot 0, keeps writing, then checks what survived. */
async function failover(
  cluster: LocalCluster,
  store: RedisStateStore,
  afterKill: () => Promise<void> = async () => {},
): Promise<FailoverRun> {
  const ctx = new TenantCtx(`fo-${crypto.randomUUID().slice(0, 8)}`, "tenant-1");
  const slotOf = (key: string) => keySlot(store.storageKey(ctx, "fo", key));
  const victim = await cluster.masterOfSlot(0);
  const ranges = (await cluster.slotsByMaster()).get(victim.port)!;
  const victimSlots = (slot: number) => ranges.some(([a, b]) => slot >= a && slot <= b);
  const attempts: Attempt[] = [];
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

  const writer = async (w: number) => {
    for (let seq = 0; !stop; seq++) {
      const start = performance.now();
      const key = `w${w}-${seq}`;
      let outcome = await record(
        { kind: "whole", writer: w, seq, slot: slotOf(key), start },
        store.setJson(ctx, "fo", key, null, { w, seq }),
      );
      if (seq % 4 === 0) {
        // A path write on the writer's document: a Lua compare-and-set.
        const doc = `doc-${w}`;
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
  const killAt = performance.now();
  const report = await cluster.killMaster(victim);
  await afterKill();
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
  for (const a of attempts) {
    if (a.outcome !== "ok") continue;
    if (a.kind === "whole") {
      const value = await store.getJson(ctx, "fo", `w${a.writer}-${a.seq}`);
      if (value === undefined) lostWhole++;
      else assert.deepEqual(value, { w: a.writer, seq: a.seq });
    } else {
      lastPath.set(a.writer, Math.max(lastPath.get(a.writer) ?? -1, a.seq));
    }
  }
  for (const [w, seq] of lastPath) {
    const stored = await store.getJson(ctx, "fo", `doc-${w}`, "/seq");
    if (typeof stored !== "number" || stored < seq) lostPath++;
  }
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

Deno.test("Redis Cluster failover: SIGKILL of a master while writers run", async () => {
  await using cluster = await startCluster();
  await using store = await RedisStateStore.connect(cluster.urls, {
    cluster: true,
    timeoutMs: TIMEOUT_MS,
  });
  const promoted = async () => {
    // Scripts are not replicated (Redis 7 replicates their effects), so the promoted
    // replica has none until the store sends one again after NOSCRIPT.
    const { masters } = await cluster.topology();
    return masters;
  };
  const replicaOfVictim = await (async () => {
    const victim = await cluster.masterOfSlot(0);
    const views = await cluster.view(victim);
    const id = views.find((v) => v.port === victim.port)!.id;
    const replica = views.find((v) => v.masterId === id)!;
    return cluster.nodes.find((n) => n.port === replica.port)!;
  })();
  const run = await failover(cluster, store);
  console.log(summary("without waitReplicas", run));
  assert.ok((await promoted()).includes(replicaOfVictim));
  assert.equal((await cluster.cli(replicaOfVictim, "SCRIPT", "EXISTS", CAS_SET.sha)).trim(), "1");

  // The same store serves the promoted replica's slots: the last writes there succeeded.
  const late = run.attempts.filter((a) =>
    run.victimSlots(a.slot) && a.start > run.killAt + run.settledAfterMs + 500
  );
  assert.ok(late.length > 0);
  assert.deepEqual(late.filter((a) => a.outcome !== "ok"), []);
});

Deno.test("Redis Cluster failover: waitReplicas loses no acknowledged write", async () => {
  await using cluster = await startCluster();
  await using store = await RedisStateStore.connect(cluster.urls, {
    cluster: true,
    timeoutMs: TIMEOUT_MS,
    waitReplicas: 1,
    waitTimeoutMs: 250,
  });
  let victimPort = 0;
  const run = await failover(cluster, store, async () => {
    // The promoted replica has no replica of its own until the old master rejoins: writes
    // to its slots cannot be acknowledged by a replica meanwhile and fail with timeout.
    victimPort = (await cluster.masterOfSlot(0)).port;
    const killed = cluster.nodes.find((n) => n.pid === null)!;
    await cluster.restart(killed);
  });
  console.log(summary("with waitReplicas 1", run));
  assert.equal(run.lostWhole, 0);
  assert.equal(run.lostPath, 0);
  assert.ok(victimPort > 0);
  const late = run.attempts.filter((a) => a.start > run.attempts.at(-1)!.start - 500);
  assert.deepEqual(late.filter((a) => a.outcome !== "ok"), []);
});
