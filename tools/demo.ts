/**
 * A multi-tenant flow simulation: several tenants and teams run flows concurrently, each
 * node writing its output into the run's state document by JSON Pointer with a TTL; the
 * runs read their state back and are torn down by prefix. At the end the demo checks that
 * no tenant saw another's data and no teardown touched a neighbour.
 *
 * ```sh
 * deno task demo                      # in-memory store
 * deno task demo --db ./demo.db       # SQLite file store
 * deno task demo --redis redis://127.0.0.1:6379
 * ```
 *
 * @module
 */

import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { type JsonValue, type StateStore, TenantCtx } from "../mod.ts";
import { openStore } from "../src/cli/open_store.ts";

/** Settings of a demo run. */
export interface DemoOptions {
  /** Tenants to simulate. */
  tenants: number;
  /** Concurrent flow runs per team. */
  runs: number;
  /** Nodes per flow. */
  nodes: number;
  /** Where progress lines go. */
  log: (line: string) => void;
}

/** What the demo did, and whether isolation held. */
export interface DemoReport {
  /** Flow runs executed. */
  runs: number;
  /** Store writes made. */
  writes: number;
  /** Store reads made. */
  reads: number;
  /** Problems found; empty when everything held. */
  problems: string[];
  /** Wall time, ms. */
  elapsedMs: number;
}

const TENANTS = ["acme", "globex", "initech", "umbrella", "hooli", "stark"];
const TEAMS = ["ops", "sales"];

/**
 * Runs the simulation on `store` under env id `env`, and removes everything it wrote.
 */
export async function runDemo(
  store: StateStore,
  env: string,
  options: DemoOptions,
): Promise<DemoReport> {
  const started = performance.now();
  let writes = 0;
  let reads = 0;
  const problems: string[] = [];
  const teams: TenantCtx[] = [];
  for (const tenant of TENANTS.slice(0, options.tenants)) {
    for (const team of TEAMS) teams.push(new TenantCtx(env, tenant, team));
  }
  const nodeNames = Array.from({ length: options.nodes }, (_, i) => `node-${i}`);

  // Every team keeps a long-lived document next to its runs: a neighbour no teardown may touch.
  for (const ctx of teams) {
    await store.setJson(ctx, "flow/checkout", "config", null, { owner: `${ctx}`, retries: 3 });
    writes++;
  }
  options.log(
    `running ${
      teams.length * options.runs
    } flows (${options.tenants} tenants x ${TEAMS.length} teams x ` +
      `${options.runs} runs, ${options.nodes} nodes each)…`,
  );

  const runFlow = async (ctx: TenantCtx, run: number) => {
    const prefix = `flow/checkout/run-${run}`;
    const owner = `${ctx}`;
    await store.setJson(ctx, prefix, "state", null, {
      owner,
      status: "running",
      nodes: {},
      log: [],
    }, 300);
    await store.setJson(ctx.withUser(`user-${run}`), prefix, "session", null, { owner, run }, 60);
    writes += 2;
    // All nodes of a run write concurrently into the same document, at distinct paths.
    await Promise.all(nodeNames.map(async (node, i) => {
      const output: JsonValue = { owner, node, result: i * run, items: [node, run] };
      await store.setJson(ctx, prefix, "state", `/nodes/${node}`, { status: "done", output });
      await store.setJson(ctx, prefix, "state", "/log/-", `${node} done`);
      await store.setJson(ctx, prefix, `output/${node}`, null, output, 120);
      writes += 3;
    }));
    await store.setJson(ctx, prefix, "state", "/status", "done");
    writes++;
    const state = await store.getJson(ctx, prefix, "state") as {
      owner: string;
      status: string;
      nodes: Record<string, { output: { owner: string } }>;
      log: string[];
    };
    reads++;
    if (state?.owner !== owner || state.status !== "done") {
      problems.push(`${owner} ${prefix}: state is ${JSON.stringify(state)}`);
      return;
    }
    const seen = Object.keys(state.nodes).sort();
    if (seen.join() !== [...nodeNames].sort().join() || state.log.length !== nodeNames.length) {
      problems.push(
        `${owner} ${prefix}: lost updates, nodes ${seen.join()} log ${state.log.length}`,
      );
    }
    for (const node of Object.values(state.nodes)) {
      if (node.output.owner !== owner) {
        problems.push(`${owner} ${prefix}: saw ${node.output.owner}'s data`);
      }
    }
    for (const node of nodeNames) {
      const output = await store.getJson(ctx, prefix, `output/${node}`, "/owner");
      reads++;
      if (output !== owner) problems.push(`${owner} ${prefix} ${node}: output owner ${output}`);
    }
    const ttl = await store.ttl(ctx, prefix, "state");
    reads++;
    if (typeof ttl !== "number" || ttl > 300 || ttl < 290) {
      problems.push(`${owner} ${prefix}: TTL ${ttl}`);
    }
  };
  await Promise.all(
    teams.flatMap((ctx) => Array.from({ length: options.runs }, (_, run) => runFlow(ctx, run))),
  );

  options.log("checking isolation and tearing down…");
  for (const ctx of teams) {
    for (let run = 0; run < options.runs; run++) {
      const prefix = `flow/checkout/run-${run}`;
      const keys: string[] = [];
      for await (const key of store.listKeys(ctx, prefix)) keys.push(key);
      reads++;
      const expected = ["state", ...nodeNames.map((n) => `output/${n}`)].sort();
      if (keys.sort().join() !== expected.join()) {
        problems.push(`${ctx} ${prefix}: keys ${keys.join()} (expected ${expected.join()})`);
      }
      const deleted = await store.delPrefix(ctx, prefix);
      writes++;
      if (deleted !== expected.length) {
        problems.push(`${ctx} ${prefix}: teardown removed ${deleted}`);
      }
      // The user-scoped session is a different namespace: the team teardown leaves it.
      const session = ctx.withUser(`user-${run}`);
      if ((await store.getJson(session, prefix, "session", "/run")) !== run) {
        problems.push(`${ctx} ${prefix}: the user's session was lost`);
      }
      await store.delPrefix(session, prefix);
      reads++;
      writes++;
    }
    const config = await store.getJson(ctx, "flow/checkout", "config", "/owner");
    reads++;
    if (config !== `${ctx}`) {
      problems.push(`${ctx}: the neighbour document flow/checkout was touched`);
    }
    await store.delPrefix(ctx, "flow/checkout");
    writes++;
  }
  return {
    runs: teams.length * options.runs,
    writes,
    reads,
    problems,
    elapsedMs: performance.now() - started,
  };
}

const DEMO_OPTIONS = {
  redis: { type: "string" },
  db: { type: "string" },
  tenants: { type: "string", default: "3" },
  runs: { type: "string", default: "20" },
  nodes: { type: "string", default: "5" },
  help: { type: "boolean", short: "h" },
} as const;

const USAGE =
  "Usage: deno task demo [--redis URL | --db FILE] [--tenants N (1-6)] [--runs N] [--nodes N]\n" +
  "Runs a multi-tenant flow simulation (in memory unless --redis or --db) and checks isolation.";

/** Runs the demo from the command line; returns the exit code. */
export async function cli(args: string[]): Promise<number> {
  let values: ReturnType<typeof parseArgs<{ options: typeof DEMO_OPTIONS }>>["values"];
  let counts;
  try {
    ({ values } = parseArgs({ args, options: DEMO_OPTIONS }));
    const count = (name: "tenants" | "runs" | "nodes", max: number) => {
      const n = Number(values[name]);
      if (!Number.isInteger(n) || n < 1 || n > max) {
        throw new Error(`--${name} must be a whole number from 1 to ${max}, got ${values[name]}`);
      }
      return n;
    };
    counts = {
      tenants: count("tenants", TENANTS.length),
      runs: count("runs", 1000),
      nodes: count("nodes", 100),
    };
  } catch (error) {
    console.error(`${(error as Error).message.split(/\.(?: |\n)/)[0]}\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const memory = values.redis === undefined && values.db === undefined;
  const db = values.db === undefined
    ? undefined
    : resolve(Deno.env.get("INIT_CWD") ?? ".", values.db);
  let opened;
  try {
    opened = await openStore({ redis: values.redis, db, memory }, () => undefined);
  } catch (error) {
    console.error(`error: ${(error as Error).message}`);
    return 1;
  }
  const { store, description } = opened;
  const env = `demo-${crypto.randomUUID().slice(0, 8)}`;
  console.log(`greentic-state demo on ${description}, env ${env}`);
  try {
    const report = await runDemo(store, env, { ...counts, log: (line) => console.log(line) });
    console.log(
      `${report.runs} flow runs, ${report.writes} writes, ${report.reads} reads in ${
        report.elapsedMs.toFixed(0)
      } ms`,
    );
    if (report.problems.length === 0) {
      console.log(
        "isolation held: no lost update, no cross-tenant read, teardown removed exactly each run",
      );
      return 0;
    }
    console.log(`isolation FAILED (${report.problems.length} problems):`);
    for (const problem of report.problems.slice(0, 20)) console.log(`  ${problem}`);
    return 1;
  } catch (error) {
    console.error(`error: ${(error as Error).message}`);
    return 1;
  } finally {
    await store.close();
  }
}

if (import.meta.main) Deno.exit(await cli(Deno.args));
