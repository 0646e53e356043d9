/**
 * Measurement: latency percentiles at concurrency 1 and throughput with many operations
 * in flight, each run for a time budget (or until an operation budget is spent).
 *
 * @module
 */

/** One operation; `i` numbers the calls from 0, so each call can pick its key or value. */
export type Op = (i: number) => unknown;

/** How long to run one measurement. */
export interface Budget {
  /** Milliseconds of measured running. */
  ms: number;
  /** Milliseconds of unmeasured warm-up before it. */
  warmupMs: number;
  /**
   * Most calls in all, for operations that consume prepared data; the warm-up then takes
   * at most a quarter of them.
   */
  maxOps?: number;
}

/** The result of a latency run at concurrency 1. */
export interface LatencyRun {
  /** Calls measured. */
  ops: number;
  /** Seconds they took in all. */
  seconds: number;
  /** Each call's duration in microseconds, in call order. */
  samples: Float64Array;
}

/** The result of a throughput run. */
export interface ThroughputRun {
  /** Calls completed in the measured part. */
  ops: number;
  /** Seconds the measured part took. */
  seconds: number;
}

/** Most latency samples kept from one run. */
const MAX_SAMPLES = 1 << 21;

/**
 * Runs `op` one call at a time and times every call.
 *
 * @param op The operation.
 * @param budget Time and call budget.
 * @returns The samples; `ops` is 0 when the warm-up spent the whole call budget.
 */
export async function measureLatency(op: Op, budget: Budget): Promise<LatencyRun> {
  const maxOps = budget.maxOps ?? Infinity;
  const maxWarm = maxOps / 4;
  let i = 0;
  const warmEnd = performance.now() + budget.warmupMs;
  while (i < maxWarm && performance.now() < warmEnd) await op(i++);
  const samples = new Float64Array(
    Math.min(MAX_SAMPLES, Number.isFinite(maxOps) ? maxOps : MAX_SAMPLES),
  );
  let n = 0;
  const start = performance.now();
  const end = start + budget.ms;
  let last = start;
  while (i < maxOps && n < samples.length && last < end) {
    const t0 = last;
    await op(i++);
    last = performance.now();
    samples[n++] = (last - t0) * 1000;
  }
  return { ops: n, seconds: (last - start) / 1000, samples: samples.subarray(0, n) };
}

/**
 * Runs `op` from `concurrency` workers at once, each starting its next call as soon as its
 * previous one settles, and counts the calls completed.
 *
 * @param op The operation.
 * @param budget Time and call budget.
 * @param concurrency Calls in flight.
 * @returns Calls completed and the seconds they took.
 */
export async function measureThroughput(
  op: Op,
  budget: Budget,
  concurrency: number,
): Promise<ThroughputRun> {
  const maxOps = budget.maxOps ?? Infinity;
  const maxWarm = maxOps / 4;
  let i = 0;
  let stopAt = performance.now() + budget.warmupMs;
  let measuring = false;
  let done = 0;
  let start = 0;
  const worker = async () => {
    while (i < maxOps) {
      const now = performance.now();
      if (now >= stopAt || (!measuring && i >= maxWarm)) {
        if (measuring) return;
        // The first worker past the warm-up starts the measured part for all.
        measuring = true;
        start = now;
        stopAt = now + budget.ms;
      }
      const counted = measuring;
      await op(i++);
      if (counted) done++;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const end = performance.now();
  if (!measuring) return { ops: 0, seconds: 0 };
  return { ops: done, seconds: (end - start) / 1000 };
}

/** Runs `jobs` with at most `concurrency` in flight (for seeding; nothing is timed). */
export async function pool(count: number, concurrency: number, job: Op): Promise<void> {
  let i = 0;
  const worker = async () => {
    while (i < count) await job(i++);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
}

/** The nearest-rank percentile `p` (0..100) of sorted samples; `NaN` for none. */
export function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

/** Concatenates and sorts sample arrays. */
export function sortedSamples(runs: readonly Float64Array[]): Float64Array {
  const total = runs.reduce((n, run) => n + run.length, 0);
  const all = new Float64Array(total);
  let at = 0;
  for (const run of runs) {
    all.set(run, at);
    at += run.length;
  }
  return all.sort();
}

/** The median of numbers; `NaN` for none. */
export function median(values: readonly number[]): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/**
 * Keeps timing a loop of `op` calls at concurrency 1 until `stop()` is called: the PING
 * monitor that shows whether a long command blocks the server.
 */
export function monitor(op: () => Promise<unknown>): { stop(): Promise<Float64Array> } {
  const samples: number[] = [];
  let running = true;
  const loop = (async () => {
    while (running) {
      const t0 = performance.now();
      await op();
      samples.push((performance.now() - t0) * 1000);
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return Float64Array.from(samples).sort();
    },
  };
}
