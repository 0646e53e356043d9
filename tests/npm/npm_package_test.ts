/**
 * The npm package as a Node.js user gets it: built by `tools/build_npm.ts`, packed with
 * `npm pack`, installed from the tarball into two temporary Node projects (one with
 * ioredis, one without) and used there by `consumer_check.mjs` under `node --test`.
 *
 * Needs `node` and `npm` on PATH and the npm registry or npm's cache (for ioredis); the
 * Redis part uses REDIS_URL or 127.0.0.1:6379 and removes what it wrote by prefix.
 */

import assert from "node:assert/strict";
import ts from "typescript";
import { buildNpm } from "../../tools/build_npm.ts";

const ROOT = new URL("../../", import.meta.url).pathname;
const CONSUMER = new URL("./consumer_check.mjs", import.meta.url).pathname;
const decoder = new TextDecoder();
/** The Node.js 20 types a TypeScript user of the package compiles against. */
const TYPES_NODE = "@types/node@20.19.43";

interface Ran {
  stdout: string;
  stderr: string;
}

/** Runs a command to completion; throws with its output if it fails. */
async function run(
  command: string,
  args: string[],
  options: { cwd?: string; env?: Record<string, string> } = {},
): Promise<Ran> {
  const output = await new Deno.Command(command, {
    args,
    cwd: options.cwd ?? ROOT,
    env: { npm_config_update_notifier: "false", NO_COLOR: "1", ...options.env },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  const ran = { stdout: decoder.decode(output.stdout), stderr: decoder.decode(output.stderr) };
  if (!output.success) {
    throw new Error(
      `${command} ${args.join(" ")} failed with exit code ${output.code}\n` +
        `${ran.stdout}\n${ran.stderr}`,
    );
  }
  return ran;
}

/** The exact ioredis version deno.json pins, if the project uses ioredis yet. */
async function pinnedIoredis(): Promise<string | undefined> {
  const config = JSON.parse(await Deno.readTextFile(`${ROOT}deno.json`));
  const target: unknown = config.imports?.ioredis;
  if (typeof target !== "string") return undefined;
  const match = target.match(/^npm:ioredis@(\d+\.\d+\.\d+)$/);
  assert.ok(match?.[1], `deno.json pins ioredis exactly, got ${target}`);
  return match[1];
}

/** Makes a Node project that installs the tarball (and the extra packages). */
async function nodeProject(dir: string, tarball: string, extra: string[]): Promise<void> {
  await Deno.mkdir(dir);
  const manifest = { name: "consumer", version: "0.0.0", private: true, type: "module" };
  await Deno.writeTextFile(`${dir}/package.json`, JSON.stringify(manifest));
  await Deno.copyFile(CONSUMER, `${dir}/consumer_check.mjs`);
  await run("npm", [
    "install",
    "--no-audit",
    "--no-fund",
    "--prefer-offline",
    "--no-package-lock",
    "--loglevel=error",
    tarball,
    ...extra,
  ], { cwd: dir });
}

Deno.test("npm package: builds, packs, installs and runs on Node.js", async (t) => {
  const { stdout: nodeInfo } = await run("node", [
    "-p",
    "JSON.stringify([process.version, Boolean(process.features.require_module)])",
  ]);
  const [nodeVersion, requireModule] = JSON.parse(nodeInfo) as [string, boolean];
  const major = Number(nodeVersion.replace(/^v/, "").split(".")[0]);
  assert.ok(major >= 20, `Node.js 20 or later, got ${nodeVersion}`);

  const tmp = await Deno.makeTempDir({ prefix: "greentic-state-npm-" });
  try {
    const packageDir = `${tmp}/package`;
    await t.step("build", async () => {
      // The same function `deno task build:npm` runs, in this process: the TypeScript
      // compiler is loaded here anyway for the type check below.
      await buildNpm({ outDir: packageDir });
      const manifest = JSON.parse(await Deno.readTextFile(`${packageDir}/package.json`));
      const config = JSON.parse(await Deno.readTextFile(`${ROOT}deno.json`));
      assert.equal(manifest.name, config.name);
      assert.equal(manifest.version, config.version);
      assert.equal(manifest.license, "MIT");
      assert.equal(manifest.type, "module");
      assert.deepEqual(manifest.engines, { node: ">=20" });
      assert.equal(manifest.types, "./mod.d.ts");
      assert.deepEqual(manifest.exports["."], { types: "./mod.d.ts", default: "./mod.js" });
      assert.equal(manifest.exports["./cli"], undefined, "the CLI is Deno-only");
      if (config.exports["./sqlite"] !== undefined) {
        assert.deepEqual(manifest.exports["./sqlite"], {
          types: "./sqlite.d.ts",
          default: "./sqlite.js",
        });
      }
      const ioredis = await pinnedIoredis();
      if (ioredis !== undefined) {
        assert.deepEqual(manifest.peerDependencies, { ioredis: `^${ioredis}` });
        assert.deepEqual(manifest.peerDependenciesMeta, { ioredis: { optional: true } });
      }
      assert.equal(manifest.dependencies, undefined, "no dependency is forced on users");
    });

    let tarball = "";
    await t.step("npm pack", async () => {
      const { stdout } = await run("npm", [
        "pack",
        packageDir,
        "--pack-destination",
        tmp,
        "--json",
        "--loglevel=error",
      ]);
      const [packed] = JSON.parse(stdout) as { filename: string; files: { path: string }[] }[];
      assert.ok(packed);
      tarball = `${tmp}/${packed.filename}`;
      const files = packed.files.map((file) => file.path);
      for (const path of ["package.json", "README.md", "LICENSE", "mod.js", "mod.d.ts"]) {
        assert.ok(files.includes(path), `the tarball has ${path}`);
      }
      const unexpected = files.filter((path) =>
        !/\.(js|d\.ts)$/.test(path) && !["package.json", "README.md", "LICENSE"].includes(path)
      );
      assert.deepEqual(unexpected, [], "only JavaScript, declarations and the docs are packed");
      assert.ok(!files.some((path) => /(^|\/)(tests?|bench|tools|cli)\//.test(path)));
      const mod = await Deno.readTextFile(`${packageDir}/mod.js`);
      assert.match(mod, /from "\.\/src\/core\/errors\.js"/, "relative imports end in .js");
      const declarations = await Deno.readTextFile(`${packageDir}/mod.d.ts`);
      assert.doesNotMatch(declarations, /from "\.[^"]*\.ts"/, "declarations import .js paths");
    });

    const ioredis = await pinnedIoredis();
    const withIoredis = `${tmp}/with-ioredis`;
    const withoutIoredis = `${tmp}/without-ioredis`;
    await t.step("npm install the tarball", async () => {
      await Promise.all([
        nodeProject(withIoredis, tarball, [
          TYPES_NODE,
          ...ioredis === undefined ? [] : [`ioredis@${ioredis}`],
        ]),
        nodeProject(withoutIoredis, tarball, []),
      ]);
    });

    const expectRedis = "RedisStateStore" in await import("../../mod.ts");
    const runId = `npm-${Date.now().toString(36)}-${crypto.randomUUID().slice(0, 8)}`;
    const consumerEnv = (project: "with" | "without") => ({
      GREENTIC_EXPECT_IOREDIS: project === "with" && ioredis !== undefined ? "1" : "0",
      GREENTIC_EXPECT_REDIS: expectRedis ? "1" : "0",
      GREENTIC_REDIS_URL: Deno.env.get("REDIS_URL") || "redis://127.0.0.1:6379",
      GREENTIC_ENV_ID: `${runId}-${project}`,
    });
    /** Runs the Node test file; checks that nothing was skipped that should have run. */
    const nodeTest = async (cwd: string, env: Record<string, string>) => {
      const { stdout } = await run(
        "node",
        ["--test", "--test-reporter=spec", "consumer_check.mjs"],
        { cwd, env },
      );
      const count = (name: string) => Number(stdout.match(new RegExp(`ℹ ${name} (\\d+)`))?.[1]);
      assert.equal(count("fail"), 0, stdout);
      assert.ok(count("pass") >= 6, stdout);
      assert.equal(count("skipped"), (expectRedis ? 0 : 1) + (requireModule ? 0 : 1), stdout);
    };

    await t.step("a TypeScript user's code type-checks against the .d.ts files", async () => {
      const file = `${withIoredis}/consumer_types.ts`;
      const withSqlite = "./sqlite" in
        JSON.parse(await Deno.readTextFile(`${packageDir}/package.json`)).exports;
      await Deno.writeTextFile(file, consumerTypes(expectRedis, withSqlite));
      const options: ts.CompilerOptions = {
        module: ts.ModuleKind.NodeNext,
        moduleResolution: ts.ModuleResolutionKind.NodeNext,
        target: ts.ScriptTarget.ES2022,
        lib: ["lib.es2022.d.ts"],
        types: ["node"],
        strict: true,
        exactOptionalPropertyTypes: true,
        noUncheckedIndexedAccess: true,
        noEmit: true,
        skipLibCheck: false,
      };
      const host = ts.createCompilerHost(options);
      host.getCurrentDirectory = () => withIoredis;
      const program = ts.createProgram({ rootNames: [file], options, host });
      // Errors in other packages' declarations (ioredis 6 imports the untyped
      // redis-errors) are theirs, and users silence them with skipLibCheck; this package's
      // own declarations and the user's code must have none.
      const diagnostics = ts.getPreEmitDiagnostics(program).filter((diagnostic) => {
        const name = diagnostic.file?.fileName ?? "";
        return !name.includes("/node_modules/") || name.includes("/node_modules/@greentic/");
      });
      assert.equal(
        diagnostics.length,
        0,
        ts.formatDiagnostics(diagnostics, {
          getCanonicalFileName: (name) => name,
          getCurrentDirectory: () => withIoredis,
          getNewLine: () => "\n",
        }),
      );
      const ours = program.getSourceFiles().filter((source) =>
        source.fileName.includes("/node_modules/@greentic/state/")
      );
      assert.ok(ours.length > 5, "the package's own .d.ts files were checked");
    });

    await t.step("node --test with ioredis installed", async () => {
      await nodeTest(withIoredis, consumerEnv("with"));
    });
    await t.step("node --test without ioredis (in-memory users)", async () => {
      await nodeTest(withoutIoredis, consumerEnv("without"));
    });
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
});

/** A Node.js TypeScript user's code; `@ts-expect-error` lines fail if a type became `any`. */
function consumerTypes(withRedis: boolean, withSqlite: boolean): string {
  const sqlite = !withSqlite ? "" : `
import type { SqliteStateStore } from "@greentic/state/sqlite";
export function sqlite(store: SqliteStateStore): StateStore {
  return store;
}
`;
  const redis = !withRedis ? "" : `
import { RedisStateStore } from "@greentic/state";
export async function redis(url: string): Promise<StateStore> {
  const store: RedisStateStore = await RedisStateStore.connect(url);
  return store;
}
`;
  return `import {
  InMemoryStateStore,
  type JsonValue,
  StateError,
  type StateErrorCode,
  StatePath,
  type StateStore,
  TenantCtx,
} from "@greentic/state";

export async function use(): Promise<string[]> {
  const store: StateStore = new InMemoryStateStore({ now: () => Date.now() });
  const ctx: TenantCtx = new TenantCtx("dev", "acme").withTeam("ops").withUser("u1");
  await store.setJson(ctx, "flow", "doc", null, { steps: ["a"], done: false }, 60);
  await store.setJson(ctx, "flow", "doc", StatePath.fromPointer("/done"), true);
  // @ts-expect-error the TTL is a number of seconds
  await store.setJson(ctx, "flow", "doc", null, 1, "60");
  const doc = await store.getJson<{ steps: string[]; done: boolean }>(ctx, "flow", "doc");
  const first: string | undefined = doc?.steps[0];
  // @ts-expect-error the tenant context comes first
  await store.getJson("flow", ctx, "doc");
  const value: JsonValue | undefined = await store.getJson(ctx, "flow", "doc", "/steps/0");
  const ttl: number | null | undefined = await store.ttl(ctx, "flow", "doc");
  const removed: number = await store.delPrefix(ctx, "flow");
  const keys: string[] = [];
  for await (const key of store.listKeys(ctx, "flow")) keys.push(key);
  try {
    await store.getJson(ctx, "flow", "doc", "bad");
  } catch (error) {
    if (error instanceof StateError) {
      const code: StateErrorCode = error.code;
      keys.push(code);
    }
  }
  await store.close();
  return [...keys, String(value), String(ttl), String(removed), String(first)];
}
${redis}${sqlite}`;
}
