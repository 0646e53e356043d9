/**
 * The benchmark sections: single-key operations per document size, namespace size with
 * the deletion of a whole namespace, and lost updates under contention.
 *
 * @module
 */

import {
  type Budget,
  measureLatency,
  measureThroughput,
  median,
  monitor,
  type Op,
  percentile,
  pool,
  sortedSamples,
} from "./measure.ts";
import type { LostUpdateRow, NamespaceRow, OpRow } from "./results.ts";
import type { Connection, OpName, Space, Target } from "./target.ts";
import { type DocSize, TTL_SECS, type Workload } from "./workload.ts";

/** How much to run. */
export interface Settings {
  /** Rounds of each measurement (targets interleaved in each), for the main size. */
  rounds: number;
  /** Budget of each latency and throughput measurement at the main size. */
  budget: Budget;
  /** Budget of each measurement at the other sizes (one round). */
  scalingBudget: Budget;
  /** Budget of each measurement inside the namespace-size runs. */
  namespaceBudget: Budget;
  /** Operations in flight for throughput. */
  concurrency: number;
  /** Documents per space for the single-key operations. */
  keys: number;
  /** Namespace sizes for the deletion. */
  namespaceSizes: number[];
  /** Concurrent path writes to one document, for lost updates. */
  contendedWrites: number;
}

/** A connected target. */
export interface Live {
  /** The target. */
  target: Target;
  /** Its connection. */
  connection: Connection;
}

/** Progress lines go here (stderr). */
export type Progress = (line: string) => void;

/** A measurement that failed: the target does not support it (or broke). */
export interface Failure {
  /** `group/name` and what was measured. */
  target: string;
  /** The error message. */
  reason: string;
}

function failed(live: Live, what: string, error: unknown): Failure {
  const message = error instanceof Error ? error.message : String(error);
  return {
    target: `${live.target.group}/${live.target.name} ${what}`,
    reason: message.split("\n")[0]!,
  };
}

/** The ops a target's space offers, among `wanted`. */
function offered(space: Space, wanted: readonly OpName[]): OpName[] {
  const has: Record<OpName, boolean> = {
    "get": space.get !== undefined,
    "get-path": space.getPath !== undefined,
    "set": space.set !== undefined,
    "set-path": space.setPath !== undefined,
    "del": space.del !== undefined,
  };
  return wanted.filter((op) => has[op]);
}

/** The ops measured for a target: those it offers, limited by `target.ops`. */
function measuredOps(live: Live, space: Space, wanted: readonly OpName[]): OpName[] {
  const only = live.target.measures;
  return offered(space, wanted).filter((op) => only === undefined || only.includes(op));
}

async function seedSpace(space: Space, keys: readonly string[], w: Workload): Promise<void> {
  const write = space.seed ?? space.set;
  if (write === undefined) return;
  await pool(keys.length, 256, (i) => write.call(space, keys[i]!, w.doc, TTL_SECS));
}

function keyList(prefix: string, count: number): string[] {
  return Array.from({ length: count }, (_, i) => `${prefix}${i}`);
}

interface Samples {
  opsPerSec: number[];
  opsPerSecC1: number[];
  latency: Float64Array[];
}

let spaceSerial = 0;

/** Opens a space with a run-unique name, or exactly `name`. */
function openSpace(live: Live, label: string, name = `${label}-${++spaceSerial}`): Promise<Space> {
  return Promise.resolve(live.connection.space(name));
}

async function closeSpace(space: Space): Promise<void> {
  if (space.close) await space.close();
}

/**
 * Measures every single-key operation of every target at one document size, `rounds`
 * times with the targets interleaved, and returns one row per target and operation.
 */
export async function measureOps(
  lives: readonly Live[],
  w: Workload,
  ops: readonly OpName[],
  rounds: number,
  budget: Budget,
  settings: Settings,
  progress: Progress,
  failures: Failure[],
  throughput = true,
): Promise<OpRow[]> {
  const size: DocSize = w.size;
  const keys = keyList("doc-", settings.keys);
  const prepared: { live: Live; space: Space; ops: OpName[] }[] = [];
  for (const live of lives) {
    const space = await openSpace(live, `ops-${size}`);
    try {
      await seedSpace(space, keys, w);
      const has = measuredOps(live, space, ops);
      // Warm up: let the JIT compile every path before anything is timed.
      for (const op of has) {
        if (op === "del") continue;
        const warm = { ms: budget.warmupMs, warmupMs: 0 };
        const run = opFunction(space, op, keys, keys.length, w);
        if (throughput) await measureThroughput(run, warm, settings.concurrency);
        else await measureLatency(run, warm);
      }
      prepared.push({ live, space, ops: has });
    } catch (error) {
      failures.push(failed(live, `at ${size}`, error));
      progress(
        `skip ${live.target.group}/${live.target.name} at ${size}: ${(error as Error).message}`,
      );
      await closeSpace(space);
    }
  }
  const samples = new Map<string, Samples>();
  const at = (live: Live, op: OpName) => {
    const id = `${live.target.group}\u0000${live.target.name}\u0000${op}`;
    let s = samples.get(id);
    if (s === undefined) samples.set(id, s = { opsPerSec: [], opsPerSecC1: [], latency: [] });
    return s;
  };
  const k = keys.length;
  for (const op of ops) {
    for (let round = 0; round < rounds; round++) {
      for (const entry of prepared) {
        const { live, space, ops: has } = entry;
        if (!has.includes(op)) continue;
        const s = at(live, op);
        const label = `${live.target.group}/${live.target.name} ${op} ${size}`;
        let c1: { ops: number; seconds: number; samples: Float64Array };
        let c256: { ops: number; seconds: number } | null = null;
        try {
          if (op === "del") {
            const set = samples.get(`${live.target.group}\u0000${live.target.name}\u0000set`);
            const rateC1 = set ? median(set.opsPerSecC1) : 20_000;
            const rate = set ? median(set.opsPerSec) : 20_000;
            c1 = await measureDel(live, w, budget, rateC1, (b, del) => measureLatency(del, b));
            if (throughput) {
              c256 = await measureDel(
                live,
                w,
                budget,
                rate,
                (b, del) => measureThroughput(del, b, settings.concurrency),
              );
            }
          } else {
            const run = opFunction(space, op, keys, k, w);
            c1 = await measureLatency(run, budget);
            if (throughput) c256 = await measureThroughput(run, budget, settings.concurrency);
          }
        } catch (error) {
          failures.push(failed(live, `${op} at ${size}`, error));
          progress(`skip ${label}: ${(error as Error).message}`);
          entry.ops = has.filter((o) => o !== op);
          samples.delete(`${live.target.group}\u0000${live.target.name}\u0000${op}`);
          continue;
        }
        s.opsPerSecC1.push(c1.ops / c1.seconds);
        s.latency.push(c1.samples);
        if (c256) s.opsPerSec.push(c256.ops / c256.seconds);
        progress(
          `${label} r${round + 1}: ` +
            (c256 ? `${fmt(c256.ops / c256.seconds)} ops/s at ${settings.concurrency}, ` : "") +
            `${fmt(c1.ops / c1.seconds)} ops/s at 1`,
        );
      }
    }
  }
  for (const { space } of prepared) await closeSpace(space);
  const rows: OpRow[] = [];
  for (const { live, ops: has } of prepared) {
    for (const op of ops) {
      if (!has.includes(op)) continue;
      const s = at(live, op);
      const sorted = sortedSamples(s.latency);
      rows.push({
        group: live.target.group,
        target: live.target.name,
        role: live.target.role,
        op,
        size,
        opsPerSec: throughput ? median(s.opsPerSec) : null,
        opsPerSecC1: median(s.opsPerSecC1),
        rounds: {
          opsPerSec: throughput ? s.opsPerSec : [],
          p50Us: s.latency.map((run) => percentile(Float64Array.from(run).sort(), 50)),
        },
        p50Us: percentile(sorted, 50),
        p99Us: percentile(sorted, 99),
        samples: sorted.length,
        ratio: null,
        p50Ratio: null,
        baseline: null,
      });
    }
  }
  return withRatios(rows, lives.map((l) => l.target));
}

function opFunction(space: Space, op: OpName, keys: string[], k: number, w: Workload): Op {
  switch (op) {
    case "get":
      return (i) => space.get!(keys[i % k]!);
    case "get-path":
      return (i) => space.getPath!(keys[i % k]!, w.readPath);
    case "set":
      return (i) => space.set!(keys[i % k]!, w.doc, TTL_SECS);
    case "set-path":
      return (i) => space.setPath!(keys[i % k]!, w.writePath, w.writeValues[i & 15]!);
    case "del":
      throw new Error("del is measured by measureDel");
  }
}

/**
 * Deletes seeded documents, one per call: seeds as many as the budget should need at
 * `rate` (a set rate, since deletes are rarely slower) in a fresh space, and stops when
 * they are spent.
 */
async function measureDel<R>(
  live: Live,
  w: Workload,
  budget: Budget,
  rate: number,
  run: (budget: Budget, del: Op) => Promise<R>,
): Promise<R> {
  const count = Math.max(
    1_000,
    Math.min(200_000, Math.ceil(rate * (budget.ms + budget.warmupMs) / 1000 * 1.5)),
  );
  const space = await openSpace(live, `del-${w.size}`);
  const keys = keyList("del-", count);
  await seedSpace(space, keys, w);
  const result = await run({ ...budget, maxOps: count }, (i) => space.del!(keys[i]!));
  if (space.clear) await space.clear();
  await closeSpace(space);
  return result;
}

/** Fills in each row's ratios to its group's baseline for the same size and operation. */
export function withRatios(rows: OpRow[], targets: readonly Target[]): OpRow[] {
  for (const row of rows) {
    const base = targets.find((t) =>
      t.group === row.group && t.baselineFor?.includes(row.op) === true
    );
    if (base === undefined) continue;
    const baseRow = rows.find((r) =>
      r.group === row.group && r.target === base.name && r.op === row.op && r.size === row.size
    );
    if (baseRow === undefined) continue;
    row.baseline = base.name;
    // The median of the rounds' own ratios: each round measures the row and its baseline
    // close together in time, so a load burst on the shared machine hits both alike.
    if (row.opsPerSec !== null && baseRow.opsPerSec !== null) {
      row.ratio = roundRatio(row.rounds.opsPerSec, baseRow.rounds.opsPerSec) ??
        row.opsPerSec / baseRow.opsPerSec;
    }
    row.p50Ratio = roundRatio(row.rounds.p50Us, baseRow.rounds.p50Us) ??
      row.p50Us / baseRow.p50Us;
  }
  return rows;
}

/** The median of `a[i] / b[i]` over the rounds, or `null` when they do not pair up. */
function roundRatio(a: readonly number[], b: readonly number[]): number | null {
  if (a.length === 0 || a.length !== b.length) return null;
  return median(a.map((x, i) => x / b[i]!));
}

/**
 * For each namespace size: fills a fresh namespace, measures `get` and `set-path` inside it,
 * then deletes it whole while (for Redis) a separate client times `PING`s.
 */
export async function measureNamespaces(
  lives: readonly Live[],
  w: Workload,
  settings: Settings,
  progress: Progress,
  failures: Failure[],
): Promise<NamespaceRow[]> {
  const rows: NamespaceRow[] = [];
  for (const n of settings.namespaceSizes) {
    for (const live of lives) {
      const name = `ns-${n}-${++spaceSerial}`;
      const space = await openSpace(live, "", name);
      if (space.clear === undefined) {
        await closeSpace(space);
        continue;
      }
      try {
        rows.push(await measureNamespace(live, space, name, n, w, settings, progress));
      } catch (error) {
        failures.push(failed(live, `namespace of ${n}`, error));
        progress(
          `skip ${live.target.group}/${live.target.name} namespace of ${n}: ${
            (error as Error).message
          }`,
        );
        await closeSpace(space);
      }
    }
  }
  return rows;
}

async function measureNamespace(
  live: Live,
  space: Space,
  name: string,
  n: number,
  w: Workload,
  settings: Settings,
  progress: Progress,
): Promise<NamespaceRow> {
  const clear = space.clear!;
  const keys = keyList("k-", n);
  // A neighbour namespace whose name starts with this one's: it must survive the deletion.
  const neighbour = await openSpace(live, "", `${name}-neighbour`);
  const neighbourKeys = keyList("k-", 3);
  await seedSpace(neighbour, neighbourKeys, w);
  const seedStart = performance.now();
  await seedSpace(space, keys, w);
  const seeded = (performance.now() - seedStart) / 1000;
  // A stride that is coprime with n spreads consecutive calls over the namespace.
  const spread = (i: number) => keys[(i * 7919) % n]!;
  const has = offered(space, ["get", "set-path"]);
  const budget = settings.namespaceBudget;
  let getOps: number | null = null;
  let setPathOps: number | null = null;
  if (has.includes("get")) {
    const r = await measureThroughput(
      (i) => space.get!(spread(i)),
      budget,
      settings.concurrency,
    );
    getOps = r.ops / r.seconds;
  }
  if (has.includes("set-path")) {
    const r = await measureThroughput(
      (i) => space.setPath!(spread(i), w.writePath, w.writeValues[i & 15]!),
      budget,
      settings.concurrency,
    );
    setPathOps = r.ops / r.seconds;
  }
  const pinger = live.connection.ping ? monitor(live.connection.ping) : null;
  if (pinger) await new Promise((resolve) => setTimeout(resolve, 20));
  const t0 = performance.now();
  await clear.call(space);
  const seconds = (performance.now() - t0) / 1000;
  const pings = pinger ? await pinger.stop() : null;
  let verified = true;
  let neighbourKept = true;
  if (space.get) {
    for (const key of [keys[0]!, keys[n >> 1]!, keys[n - 1]!]) {
      const left = await space.get(key);
      if (left !== undefined && left !== null) verified = false;
    }
    for (const key of neighbourKeys) {
      const kept = await neighbour.get!(key);
      if (kept === undefined || kept === null) neighbourKept = false;
    }
  }
  await closeSpace(space);
  await neighbour.clear!();
  await closeSpace(neighbour);
  const row: NamespaceRow = {
    group: live.target.group,
    target: live.target.name,
    role: live.target.role,
    method: live.target.clearMethod ?? "clear",
    keys: n,
    getOpsPerSec: getOps,
    setPathOpsPerSec: setPathOps,
    seconds,
    keysPerSec: n / seconds,
    verified,
    neighbourKept,
    ping: pings && pings.length > 0
      ? {
        count: pings.length,
        p50Us: percentile(pings, 50),
        p99Us: percentile(pings, 99),
        maxUs: pings[pings.length - 1]!,
      }
      : null,
  };
  progress(
    `${live.target.group}/${live.target.name} namespace of ${n} (seeded in ` +
      `${seeded.toFixed(1)} s): deleted in ${(seconds * 1000).toFixed(1)} ms` +
      (row.ping ? `, PING p99 ${(row.ping.p99Us / 1000).toFixed(2)} ms` : "") +
      (verified ? "" : ", KEYS LEFT") + (neighbourKept ? "" : ", NEIGHBOUR WIPED"),
  );
  return row;
}

/**
 * Sends `writes` path writes at once, each to its own member of one document, then counts
 * the members the document kept: an atomic path write keeps them all.
 */
export async function measureLostUpdates(
  lives: readonly Live[],
  w: Workload,
  writes: number,
  progress: Progress,
  failures: Failure[],
): Promise<LostUpdateRow[]> {
  const rows: LostUpdateRow[] = [];
  for (const live of lives) {
    const space = await openSpace(live, "contended");
    if (space.setPath === undefined || space.get === undefined) {
      await closeSpace(space);
      continue;
    }
    let kept = 0;
    try {
      await seedSpace(space, ["doc"], w);
      await Promise.all(
        Array.from(
          { length: writes },
          (_, i) =>
            space.setPath!("doc", { pointer: `/marks/m${i}`, segments: ["marks", `m${i}`] }, i),
        ),
      );
      const doc = await space.get("doc") as { marks?: Record<string, number> } | undefined;
      const marks = doc?.marks ?? {};
      for (let i = 0; i < writes; i++) if (marks[`m${i}`] === i) kept++;
    } catch (error) {
      failures.push(failed(live, "lost updates", error));
      progress(
        `skip ${live.target.group}/${live.target.name} lost updates: ${(error as Error).message}`,
      );
      await closeSpace(space);
      continue;
    }
    await closeSpace(space);
    rows.push({
      group: live.target.group,
      target: live.target.name,
      role: live.target.role,
      writes,
      kept,
      lost: writes - kept,
    });
    progress(
      `${live.target.group}/${live.target.name}: ${writes - kept} of ${writes} path writes lost`,
    );
  }
  return rows;
}

/** Formats a rate with thousands separators and no decimals. */
export function fmt(n: number): string {
  return Number.isFinite(n) ? Math.round(n).toLocaleString("en-US") : "-";
}
