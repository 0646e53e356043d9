/**
 * `deno task bench`: measures this project's stores against raw baselines (the limit) and
 * against the libraries a user would pick instead, in one run, and prints a Markdown report
 * on stdout (progress on stderr).
 *
 * ```sh
 * deno task bench                 # full run, several minutes
 * deno task bench --quick         # smoke test, under a minute
 * deno task bench --only memory --json out.json
 * ```
 *
 * Every key and env id of a run contains a random run id, and everything the run wrote is
 * deleted at the end; the shared Redis is never flushed.
 *
 * @module
 */

import { parseArgs } from "node:util";
import type { Redis } from "ioredis";
import {
  type Failure,
  type Live,
  measureLostUpdates,
  measureNamespaces,
  measureOps,
  type Settings,
} from "./harness.ts";
import { monitor, percentile } from "./measure.ts";
import { evaluate, render } from "./report.ts";
import type { BenchResult, OpRow } from "./results.ts";
import { type BenchEnv, OPS, type Target, targetLabel, Unavailable } from "./target.ts";
import { closeClient, deleteRunKeys, openClient, PIPELINING } from "./targets/_redis.ts";
import { denoKv } from "./targets/deno_kv.ts";
import { greenticMemory, greenticRedis, greenticSqlite } from "./targets/greentic.ts";
import {
  KEYV_FOR_REDIS_VERSION,
  KEYV_REDIS_VERSION,
  KEYV_VERSION,
  keyvMemory,
  keyvRedis,
} from "./targets/keyv.ts";
import { mapBaseline } from "./targets/map_baseline.ts";
import { rawCareless, rawCas, rawIoredis } from "./targets/raw_ioredis.ts";
import { rawSqlite } from "./targets/raw_sqlite.ts";
import { UNSTORAGE_VERSION, unstorageMemory, unstorageRedis } from "./targets/unstorage.ts";
import { DOC_SIZES, type DocSize, workload } from "./workload.ts";

const HELP = `Usage: deno task bench [options]

Options:
  --quick          Short smoke run (under a minute); figures are rough
  --json FILE      Also write every figure as JSON to FILE
  --only PATTERN   Run only targets whose "group/name" matches this regular expression
                   (case-insensitive), plus their groups' baselines; e.g. memory,
                   "redis ap=on", greentic
  --redis URL      Redis server (default: $REDIS_URL or redis://127.0.0.1:6379)
  --ms N           Milliseconds of each measurement, overriding the mode's default
  -h, --help       Show this help
`;

const FULL: Settings = {
  rounds: 8,
  budget: { ms: 200, warmupMs: 40 },
  scalingBudget: { ms: 250, warmupMs: 60 },
  namespaceBudget: { ms: 200, warmupMs: 50 },
  concurrency: 256,
  keys: 1000,
  namespaceSizes: [1_000, 10_000, 100_000],
  contendedWrites: 100,
};

const QUICK: Settings = {
  rounds: 1,
  budget: { ms: 60, warmupMs: 15 },
  scalingBudget: { ms: 40, warmupMs: 10 },
  namespaceBudget: { ms: 30, warmupMs: 10 },
  concurrency: 256,
  keys: 300,
  namespaceSizes: [1_000, 10_000],
  contendedWrites: 50,
};

/** Every target, in table order. */
function allTargets(env: BenchEnv): Target[] {
  const targets: Target[] = [
    greenticMemory(env),
    mapBaseline(),
    keyvMemory(),
    unstorageMemory(),
    denoKv(),
  ];
  for (const ap of PIPELINING) {
    targets.push(
      greenticRedis(env, ap),
      rawIoredis(env, ap),
      rawCas(env, ap),
      rawCareless(env, ap),
    );
    if (ap) targets.push(keyvRedis(env));
    targets.push(unstorageRedis(env, ap));
  }
  targets.push(greenticSqlite(env), rawSqlite(env));
  return targets;
}

/** The targets `--only` selects, with the baselines of their groups. */
function select(targets: Target[], only: string | undefined): Target[] {
  if (only === undefined) return targets;
  const pattern = new RegExp(only, "i");
  const chosen = targets.filter((t) => pattern.test(targetLabel(t)));
  const groups = new Set(chosen.map((t) => t.group));
  return targets.filter((t) =>
    chosen.includes(t) || (groups.has(t.group) && (t.role === "baseline" || t.role === "reference"))
  );
}

async function machine(): Promise<string> {
  let cpu = "unknown CPU";
  try {
    const info = await Deno.readTextFile("/proc/cpuinfo");
    cpu = /model name\s*:\s*(.+)/.exec(info)?.[1]?.trim() ?? cpu;
  } catch { /* not Linux */ }
  const gib = (Deno.systemMemoryInfo().total / 2 ** 30).toFixed(0);
  return `${cpu}, ${navigator.hardwareConcurrency} cores, ${gib} GiB, ${Deno.build.os} ${Deno.osRelease()}`;
}

async function importVersion(name: string): Promise<string> {
  try {
    const config = JSON.parse(await Deno.readTextFile(new URL("../deno.json", import.meta.url)));
    const spec: string = config.imports?.[name] ?? "";
    return spec.slice(spec.lastIndexOf("@") + 1) || "?";
  } catch {
    return "?";
  }
}

/** Runs the benchmark with command-line `args`; returns the exit code. */
export async function main(args: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args,
      options: {
        quick: { type: "boolean", default: false },
        json: { type: "string" },
        only: { type: "string" },
        redis: { type: "string" },
        ms: { type: "string" },
        help: { type: "boolean", short: "h", default: false },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    console.error(`${(error as Error).message}\n\n${HELP}`);
    return 2;
  }
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  const settings = structuredClone(values.quick ? QUICK : FULL);
  if (values.ms !== undefined) {
    const ms = Number(values.ms);
    if (!Number.isInteger(ms) || ms < 1) {
      console.error(
        `Invalid --ms ${JSON.stringify(values.ms)}: use a whole number of milliseconds`,
      );
      return 2;
    }
    const warmupMs = Math.ceil(ms / 4);
    settings.budget = settings.scalingBudget = settings.namespaceBudget = { ms, warmupMs };
  }
  if (values.only !== undefined) {
    try {
      new RegExp(values.only, "i");
    } catch (error) {
      console.error(`Invalid --only ${JSON.stringify(values.only)}: ${(error as Error).message}`);
      return 2;
    }
  }
  const redisUrl = values.redis ?? Deno.env.get("REDIS_URL") ?? "redis://127.0.0.1:6379";
  const env: BenchEnv = { runId: crypto.randomUUID().replaceAll("-", "").slice(0, 12), redisUrl };
  const started = performance.now();
  const loadAtStart = Deno.loadavg();
  const progress = (line: string) =>
    console.error(`[${((performance.now() - started) / 1000).toFixed(1).padStart(5)} s] ${line}`);

  const targets = select(allTargets(env), values.only);
  if (targets.length === 0) {
    console.error(`No target matches --only ${JSON.stringify(values.only)}`);
    return 2;
  }
  const lives: Live[] = [];
  const skipped: BenchResult["skipped"] = [];
  let usedRedis = false;
  let cleaned = false;
  const cleanup = async () => {
    if (cleaned) return;
    cleaned = true;
    for (const live of lives) {
      try {
        await live.connection.close();
      } catch (error) {
        progress(`closing ${targetLabel(live.target)} failed: ${(error as Error).message}`);
      }
    }
    if (usedRedis) {
      try {
        const deleted = await deleteRunKeys(redisUrl, env.runId);
        progress(`deleted the run's ${deleted} leftover Redis keys (run id ${env.runId})`);
      } catch (error) {
        progress(
          `could not delete the run's Redis keys (pattern *${env.runId}*): ` +
            (error as Error).message,
        );
      }
    }
  };
  const onSignal = () => {
    progress("interrupted: cleaning up");
    cleanup().finally(() => Deno.exit(130));
  };
  Deno.addSignalListener("SIGINT", onSignal);

  try {
    for (const target of targets) {
      try {
        lives.push({ target, connection: await target.connect() });
        if (target.group.startsWith("redis")) usedRedis = true;
      } catch (error) {
        const reason = error instanceof Unavailable
          ? error.message
          : error instanceof TypeError && target.name.startsWith("Deno KV")
          ? "Deno KV needs --unstable-kv"
          : `failed to connect: ${(error as Error).message}`;
        skipped.push({ target: targetLabel(target), reason });
        progress(`skip ${targetLabel(target)}: ${reason}`);
      }
    }
    const workloads = Object.fromEntries(DOC_SIZES.map((s) => [s, workload(s)])) as Record<
      DocSize,
      ReturnType<typeof workload>
    >;
    const docBytes = Object.fromEntries(DOC_SIZES.map((s) => [s, workloads[s].bytes])) as Record<
      DocSize,
      number
    >;

    const failures: Failure[] = [];
    progress(`single-key operations, 1 KB, ${settings.rounds} round(s)`);
    const rows: OpRow[] = await measureOps(
      lives,
      workloads["1KB"],
      OPS,
      settings.rounds,
      settings.budget,
      settings,
      progress,
      failures,
    );
    for (const size of DOC_SIZES.filter((s) => s !== "1KB")) {
      progress(`single-key operations, ${size}`);
      rows.push(
        ...await measureOps(
          lives,
          workloads[size],
          ["get", "get-path", "set", "set-path"],
          1,
          settings.scalingBudget,
          settings,
          progress,
          failures,
          false,
        ),
      );
    }

    let idlePingUs: BenchResult["meta"]["idlePingUs"] = null;
    let redisVersion: string | null = null;
    const pingLive = lives.find((l) => l.connection.ping !== undefined);
    if (pingLive) {
      const pinger = monitor(pingLive.connection.ping!);
      await new Promise((resolve) => setTimeout(resolve, 300));
      const pings = await pinger.stop();
      idlePingUs = { p50: percentile(pings, 50), p99: percentile(pings, 99) };
      const client: Redis = await openClient(redisUrl, false);
      redisVersion = /redis_version:(\S+)/.exec(await client.info("server"))?.[1] ?? "?";
      await closeClient(client);
    }
    progress(`namespace sizes ${settings.namespaceSizes.join(", ")}`);
    const namespaces = await measureNamespaces(
      lives,
      workloads["1KB"],
      settings,
      progress,
      failures,
    );
    progress("lost updates");
    const lostUpdates = await measureLostUpdates(
      lives,
      workloads["1KB"],
      settings.contendedWrites,
      progress,
      failures,
    );

    const versions: Record<string, string> = {
      deno: Deno.version.deno,
      v8: Deno.version.v8,
      typescript: Deno.version.typescript,
    };
    if (redisVersion) versions["redis server"] = redisVersion;
    versions["ioredis"] = await importVersion("ioredis");
    versions["keyv"] = `${KEYV_VERSION} (memory), ${KEYV_FOR_REDIS_VERSION} (Redis)`;
    versions["@keyv/redis"] = KEYV_REDIS_VERSION;
    versions["unstorage"] = UNSTORAGE_VERSION;
    const notes = [...new Set(lives.map((l) => l.target.note).filter((n) => n !== undefined))];
    const result: BenchResult = {
      meta: {
        date: new Date().toISOString(),
        mode: values.quick ? "quick" : "full",
        seconds: 0,
        machine: await machine(),
        versions,
        settings: { ...settings, only: values.only ?? null },
        idlePingUs,
        loadAverage: { start: loadAtStart, end: Deno.loadavg() },
      },
      rows,
      namespaces,
      lostUpdates,
      checks: evaluate(rows, namespaces, lostUpdates),
      skipped: [...skipped, ...failures],
      notes,
    };
    await cleanup();
    result.meta.seconds = (performance.now() - started) / 1000;
    console.log(render(result, docBytes));
    if (values.json !== undefined) {
      await Deno.writeTextFile(values.json, JSON.stringify(result, null, 2) + "\n");
      progress(`wrote ${values.json}`);
    }
    progress(`done in ${result.meta.seconds.toFixed(1)} s`);
    return 0;
  } finally {
    await cleanup();
    Deno.removeSignalListener("SIGINT", onSignal);
  }
}

if (import.meta.main) Deno.exit(await main(Deno.args));
