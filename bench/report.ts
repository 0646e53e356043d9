/**
 * The report: the performance targets checked against a run, and the Markdown tables
 * printed to stdout (and pasted into `bench/RESULTS.md`).
 *
 * @module
 */

import type { BenchResult, CheckRow, LostUpdateRow, NamespaceRow, OpRow } from "./results.ts";
import type { OpName } from "./target.ts";
import { DOC_SIZES, type DocSize } from "./workload.ts";

const MAIN_SIZE: DocSize = "1KB";

/** `a / b`, or `NaN` (a check that is then left out) when either is missing. */
function div(a: number | null, b: number | null): number {
  return a === null || b === null ? NaN : a / b;
}
const SIZE_LABEL: Record<DocSize, string> = { "100B": "100 B", "1KB": "1 KB", "100KB": "100 KB" };
const OP_LABEL: Record<OpName, string> = {
  "get": "getJson whole",
  "get-path": "getJson by path",
  "set": "setJson whole with TTL",
  "set-path": "setJson by path",
  "del": "del",
};

/** Ratio floors of this project's store to its group's baseline, per backend kind. */
const FLOORS: Record<string, Partial<Record<OpName, number>>> = {
  memory: { "get": 0.9, "get-path": 0.9, "set": 0.6, "set-path": 0.5 },
  redis: { "get": 0.85, "get-path": 0.85, "set": 0.75, "set-path": 0.8 },
};

/** The performance targets of issue 7, checked against a run's figures. */
export function evaluate(
  rows: readonly OpRow[],
  namespaces: readonly NamespaceRow[],
  lost: readonly LostUpdateRow[],
): CheckRow[] {
  const checks: CheckRow[] = [];
  const add = (
    goal: string,
    where: string,
    measured: number,
    compare: ">=" | "<=",
    bound: number,
  ) => {
    if (!Number.isFinite(measured)) return;
    const ok = compare === ">=" ? measured >= bound : measured <= bound;
    checks.push({ goal, where, measured, compare, bound, ok });
  };
  const main = rows.filter((r) => r.size === MAIN_SIZE);
  const groups = [...new Set(main.map((r) => r.group))];
  for (const group of groups) {
    const kind = group.split(" ")[0]!;
    const ours = main.filter((r) => r.group === group && r.role === "ours");
    for (const row of ours) {
      const where = `${group}, ${SIZE_LABEL[row.size]}, ${OP_LABEL[row.op]}`;
      const floor = FLOORS[kind]?.[row.op];
      if (floor !== undefined && row.ratio !== null) {
        add(`throughput ≥ ${floor} × ${row.baseline}`, where, row.ratio, ">=", floor);
      }
      if (row.p50Ratio !== null) {
        add(
          `latency at concurrency 1 within 20% of ${row.baseline}`,
          where,
          row.p50Ratio,
          "<=",
          1.2,
        );
      }
      if (row.op === "set-path") {
        const careless = main.find((r) =>
          r.group === group && r.role === "reference" && r.op === "set-path"
        );
        if (careless && kind === "redis") {
          add(
            `throughput ≥ 0.55 × ${careless.target}`,
            where,
            div(row.opsPerSec, careless.opsPerSec),
            ">=",
            0.55,
          );
        }
      }
      for (
        const peer of main.filter((r) => r.group === group && r.role === "peer" && r.op === row.op)
      ) {
        const factor = row.op === "set-path" ? 2 : 1;
        add(
          `${factor === 2 ? "≥ 2 ×" : "ahead of"} ${peer.target} (throughput)`,
          where,
          div(row.opsPerSec, peer.opsPerSec),
          ">=",
          factor,
        );
        add(`ahead of ${peer.target} (p50 latency)`, where, peer.p50Us / row.p50Us, ">=", 1);
      }
    }
  }
  const largest = Math.max(...namespaces.map((n) => n.keys));
  for (const row of namespaces.filter((n) => n.role === "ours" && n.keys === largest)) {
    const where = `${row.group}, delPrefix of ${row.keys.toLocaleString("en-US")} keys`;
    add("delPrefix ≥ 100k keys/s", where, row.keysPerSec, ">=", 100_000);
    if (row.ping) add("concurrent PING p99 < 5 ms", where, row.ping.p99Us / 1000, "<=", 5);
    for (
      const peer of namespaces.filter((n) =>
        n.group === row.group && n.role === "peer" && n.keys === largest && n.verified &&
        n.neighbourKept
      )
    ) {
      add(
        `ahead of ${peer.target} ${peer.method}`,
        where,
        row.keysPerSec / peer.keysPerSec,
        ">=",
        1,
      );
    }
  }
  for (const row of lost.filter((l) => l.role === "ours")) {
    add(
      "zero lost updates",
      `${row.group}, ${row.writes} concurrent path writes`,
      row.lost,
      "<=",
      0,
    );
  }
  return checks;
}

function num(n: number | null, digits = 0): string {
  if (n === null || !Number.isFinite(n)) return "-";
  return n.toLocaleString("en-US", {
    minimumFractionDigits: digits,
    maximumFractionDigits: digits,
  });
}

function micros(us: number): string {
  return num(us, us < 100 ? 1 : 0);
}

function ratio(n: number | null): string {
  return n === null ? "" : `${n.toFixed(2)}×`;
}

function table(head: string[], align: string, lines: string[][]): string {
  const rule = [...align].map((a) => (a === "r" ? "--:" : "---"));
  return [head, rule, ...lines].map((cells) => `| ${cells.join(" | ")} |`).join("\n");
}

/** Renders a run as Markdown. */
export function render(result: BenchResult, docBytes: Record<DocSize, number>): string {
  const { meta } = result;
  const out: string[] = [];
  out.push(`# @greentic/state benchmark (${meta.mode} run)`, "");
  out.push(`- Date: ${meta.date}; the run took ${meta.seconds.toFixed(0)} s`);
  out.push(`- Machine: ${meta.machine}`);
  const load = (l: number[]) => l.map((x) => x.toFixed(2)).join(" ");
  out.push(
    `- Load average (1, 5, 15 min): ${load(meta.loadAverage.start)} at the start, ` +
      `${load(meta.loadAverage.end)} at the end (the machine is shared: ratios come from ` +
      `interleaved rounds, absolute figures move with the load)`,
  );
  out.push(
    `- Versions: ${Object.entries(meta.versions).map(([k, v]) => `${k} ${v}`).join(", ")}`,
  );
  out.push(`- Settings: ${JSON.stringify(meta.settings)}`);
  if (meta.idlePingUs) {
    out.push(
      `- Redis PING at rest: p50 ${micros(meta.idlePingUs.p50)} µs, ` +
        `p99 ${micros(meta.idlePingUs.p99)} µs`,
    );
  }
  out.push("");

  const main = result.rows.filter((r) => r.size === MAIN_SIZE);
  out.push(
    `## Single-key operations, ${SIZE_LABEL[MAIN_SIZE]} document (${docBytes[MAIN_SIZE]} B)`,
    "",
  );
  out.push(
    "ops/s: with 256 operations in flight (median of the rounds). c1: one at a time, with its " +
      "latency percentiles over all rounds. × base: ops/s ratio to the group's baseline " +
      "(higher is better); p50 × base: p50 latency ratio (lower is better); both are the " +
      "median of the ratios within each round, where the two were measured close together.",
    "",
  );
  for (const group of unique(main.map((r) => r.group))) {
    out.push(`### ${group}`, "");
    const lines: string[][] = [];
    for (const op of unique(main.map((r) => r.op))) {
      for (const r of main.filter((x) => x.group === group && x.op === op)) {
        lines.push([
          OP_LABEL[op],
          r.role === "ours"
            ? `**${r.target}**`
            : `${r.target}${r.role === "baseline" ? " (base)" : ""}`,
          num(r.opsPerSec),
          ratio(r.ratio),
          num(r.opsPerSecC1),
          micros(r.p50Us),
          micros(r.p99Us),
          ratio(r.p50Ratio),
        ]);
      }
    }
    out.push(
      table(
        ["op", "target", "ops/s", "× base", "c1 ops/s", "p50 µs", "p99 µs", "p50 × base"],
        "llrrrrrr",
        lines,
      ),
      "",
    );
  }

  const sizes = DOC_SIZES.filter((s) => result.rows.some((r) => r.size === s));
  if (sizes.length > 1) {
    out.push("## Document size", "");
    out.push(
      `ops/s and p50 latency at concurrency 1 (the cost of one operation), per document size (` +
        sizes.map((s) => `${SIZE_LABEL[s]} = ${docBytes[s]} B`).join(", ") + ").",
      "",
    );
    const lines: string[][] = [];
    const scaled = result.rows.filter((r) => r.size !== MAIN_SIZE);
    for (const group of unique(scaled.map((r) => r.group))) {
      for (const op of unique(scaled.map((r) => r.op))) {
        for (const target of unique(scaled.filter((r) => r.group === group).map((r) => r.target))) {
          const cells = sizes.map((s) =>
            result.rows.find((r) =>
              r.group === group && r.target === target && r.op === op && r.size === s
            )
          );
          if (cells.every((c) => c === undefined)) continue;
          lines.push([
            group,
            target,
            OP_LABEL[op],
            ...cells.flatMap((c) => c ? [num(c.opsPerSecC1), micros(c.p50Us)] : ["-", "-"]),
          ]);
        }
      }
    }
    out.push(
      table(
        ["group", "target", "op", ...sizes.flatMap((s) => [`${SIZE_LABEL[s]} c1 ops/s`, "p50 µs"])],
        "lll" + "rr".repeat(sizes.length),
        lines,
      ),
      "",
    );
  }

  if (result.namespaces.length > 0) {
    out.push("## Namespace size, and deleting a whole namespace", "");
    out.push(
      "get and set-path ops/s (256 in flight) inside a namespace of that many 1 KB documents, " +
        "then the deletion of the namespace; for Redis rows a separate client sends PING in a " +
        "loop meanwhile.",
      "",
    );
    const lines = result.namespaces.map((n) => [
      n.group,
      n.role === "ours" ? `**${n.target}**` : n.target,
      n.method,
      num(n.keys),
      num(n.getOpsPerSec),
      num(n.setPathOpsPerSec),
      num(n.seconds * 1000, 1),
      num(n.keysPerSec),
      n.ping ? num(n.ping.p50Us / 1000, 2) : "-",
      n.ping ? num(n.ping.p99Us / 1000, 2) : "-",
      n.ping ? num(n.ping.maxUs / 1000, 2) : "-",
      n.verified ? "yes" : "**NO**",
      n.neighbourKept ? "yes" : "**NO**",
    ]);
    out.push(
      table(
        [
          "group",
          "target",
          "deletion",
          "keys",
          "get ops/s",
          "set-path ops/s",
          "delete ms",
          "keys/s",
          "PING p50 ms",
          "PING p99 ms",
          "PING max ms",
          "all gone",
          "neighbour kept",
        ],
        "lllrrrrrrrrll",
        lines,
      ),
      "",
    );
  }

  if (result.lostUpdates.length > 0) {
    out.push("## Lost updates", "");
    out.push(
      "Path writes sent all at once, each to its own member of one document; a lost update is " +
        "a member missing afterwards.",
      "",
    );
    out.push(
      table(
        ["group", "target", "writes", "lost"],
        "llrr",
        result.lostUpdates.map((l) => [l.group, l.target, num(l.writes), num(l.lost)]),
      ),
      "",
    );
  }

  if (result.checks.length > 0) {
    const missed = result.checks.filter((c) => !c.ok).length;
    out.push(`## Targets (${result.checks.length - missed} met, ${missed} missed)`, "");
    out.push(
      table(
        ["goal", "where", "measured", "bound", ""],
        "llrrl",
        result.checks.map((c) => [
          c.goal,
          c.where,
          num(c.measured, 2),
          `${c.compare} ${c.bound}`,
          c.ok ? "met" : "**MISSED**",
        ]),
      ),
      "",
    );
  }

  if (result.skipped.length > 0) {
    out.push("## Not run", "");
    for (const s of result.skipped) out.push(`- ${s.target}: ${s.reason}`);
    out.push("");
  }
  if (result.notes.length > 0) {
    out.push("## Notes", "");
    for (const note of result.notes) out.push(`- ${note}`);
    out.push("");
  }
  return out.join("\n");
}

function unique<T>(items: readonly T[]): T[] {
  return [...new Set(items)];
}
