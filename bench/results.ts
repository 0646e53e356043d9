/**
 * The figures a run produces: what `--json FILE` writes and the report prints.
 *
 * @module
 */

import type { OpName, Role } from "./target.ts";
import type { DocSize } from "./workload.ts";

/** One operation of one target at one document size. */
export interface OpRow {
  /** The target's group, such as `memory` or `redis ap=on`. */
  group: string;
  /** The target's name within the group. */
  target: string;
  /** What the target is. */
  role: Role;
  /** The operation. */
  op: OpName;
  /** The document size. */
  size: DocSize;
  /**
   * Throughput with 256 operations in flight: the median of the rounds; `null` where only
   * concurrency 1 was measured (the document-size table).
   */
  opsPerSec: number | null;
  /** Throughput at concurrency 1: the median of the rounds. */
  opsPerSecC1: number;
  /** Each round's throughput (256 in flight) and p50 latency (µs), in round order. */
  rounds: { opsPerSec: number[]; p50Us: number[] };
  /** Latency at concurrency 1, microseconds, over all rounds' samples. */
  p50Us: number;
  /** 99th percentile latency at concurrency 1, microseconds. */
  p99Us: number;
  /** Latency samples taken. */
  samples: number;
  /**
   * Throughput relative to the group's baseline: the median over the rounds of the row's
   * ops/s divided by the baseline's in the same round; `null` without a baseline or
   * `opsPerSec`.
   */
  ratio: number | null;
  /**
   * p50 latency relative to the baseline's (lower is better), the median of the rounds'
   * ratios as for `ratio`; `null` without a baseline.
   */
  p50Ratio: number | null;
  /** The baseline the ratios refer to. */
  baseline: string | null;
}

/** The deletion of a whole namespace, and the single-key operations inside it. */
export interface NamespaceRow {
  /** The target's group. */
  group: string;
  /** The target's name. */
  target: string;
  /** What the target is. */
  role: Role;
  /** What the deletion calls. */
  method: string;
  /** Keys in the namespace. */
  keys: number;
  /** `get` throughput (256 in flight) in the full namespace, or `null`. */
  getOpsPerSec: number | null;
  /** `set-path` throughput (256 in flight) in the full namespace, or `null`. */
  setPathOpsPerSec: number | null;
  /** Seconds the deletion took. */
  seconds: number;
  /** Keys deleted per second. */
  keysPerSec: number;
  /** Whether sampled keys were gone afterwards. */
  verified: boolean;
  /** Whether a neighbouring namespace of the same store kept its documents. */
  neighbourKept: boolean;
  /** Latency of a concurrent `PING` loop during the deletion (Redis rows), microseconds. */
  ping: { count: number; p50Us: number; p99Us: number; maxUs: number } | null;
}

/** Concurrent path writes to distinct members of one document. */
export interface LostUpdateRow {
  /** The target's group. */
  group: string;
  /** The target's name. */
  target: string;
  /** What the target is. */
  role: Role;
  /** Writes sent at once. */
  writes: number;
  /** Writes found in the document afterwards. */
  kept: number;
  /** `writes - kept`. */
  lost: number;
}

/** One performance target checked against the run's figures. */
export interface CheckRow {
  /** The target as the issue states it. */
  goal: string;
  /** Where it was measured: group, size, operation. */
  where: string;
  /** The measured figure. */
  measured: number;
  /** The bound it must meet. */
  bound: number;
  /** `>=` or `<=`. */
  compare: ">=" | "<=";
  /** Whether it holds. */
  ok: boolean;
}

/** Everything a run produced. */
export interface BenchResult {
  /** How, where and when it ran. */
  meta: {
    date: string;
    mode: "quick" | "full";
    seconds: number;
    machine: string;
    versions: Record<string, string>;
    settings: Record<string, unknown>;
    idlePingUs: { p50: number; p99: number } | null;
    /** The machine's 1, 5 and 15 minute load averages when the run started and ended. */
    loadAverage: { start: number[]; end: number[] };
  };
  /** Single-key operations, every size. */
  rows: OpRow[];
  /** Namespace sizes and their deletion. */
  namespaces: NamespaceRow[];
  /** Lost updates under contention. */
  lostUpdates: LostUpdateRow[];
  /** Performance targets. */
  checks: CheckRow[];
  /** Targets that did not run, and why. */
  skipped: { target: string; reason: string }[];
  /** Remarks on targets. */
  notes: string[];
}
