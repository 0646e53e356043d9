/**
 * `deno task packs:build [--out DIR] [--no-cache] [PACK...]`: builds
 * `dist/packs/<pack>.gtpack` for each pack (all by default) and verifies the result.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { buildPack } from "./builder.ts";
import { compileComponent } from "./component.ts";
import { sha256Hex } from "./hash.ts";
import { PACK_NAMES, packPaths, REPO_ROOT, WORLD_NAME } from "./packs.ts";
import { loadPackSource, packageVersion, type PackSource } from "./source.ts";
import { verifyPack } from "./verifier.ts";

/** Options of {@link buildPacks}. */
export interface BuildOptions {
  /** Repository root. */
  root: string;
  /** Output directory. @default {`${root}/dist/packs`} */
  outDir?: string;
  /** Component cache directory; `null` compiles afresh. @default {`${outDir}/.cache`} */
  cacheDir?: string | null;
  /** Packs to build. @default {all} */
  packs?: readonly string[];
  /** Progress lines go here. */
  log?: (line: string) => void;
}

/** One built pack. */
export interface BuiltPack {
  /** Pack name. */
  name: string;
  /** Path of the written `.gtpack`. */
  path: string;
  /** The archive bytes. */
  bytes: Uint8Array;
  /** The loaded source (version stamped). */
  source: PackSource;
  /** Compiled components by id. */
  wasm: Map<string, Uint8Array>;
}

/**
 * Builds, writes and verifies packs.
 *
 * @param options Where the sources are and where to write.
 * @returns The built packs.
 * @throws Error when a source is invalid, a component fails to compile or a built pack
 *   fails verification.
 */
export async function buildPacks(options: BuildOptions): Promise<BuiltPack[]> {
  const paths = packPaths(options.root);
  const outDir = options.outDir ?? paths.outDir;
  const cacheDir = options.cacheDir === undefined ? `${outDir}/.cache` : options.cacheDir;
  const log = options.log ?? (() => {});
  const names = options.packs ?? PACK_NAMES;
  for (const name of names) {
    if (!(PACK_NAMES as readonly string[]).includes(name)) {
      throw new Error(`Unknown pack "${name}": expected one of ${PACK_NAMES.join(", ")}`);
    }
  }
  const version = await packageVersion(options.root);
  await Deno.mkdir(outDir, { recursive: true });
  const built: BuiltPack[] = [];
  for (const name of names) {
    const source = await loadPackSource(`${paths.packsDir}/${name}`, version);
    const wasm = new Map<string, Uint8Array>();
    for (const c of source.components) {
      const started = performance.now();
      const compiled = await compileComponent(
        { entry: c.tsEntry, witPath: paths.witPath, worldName: WORLD_NAME },
        { cwd: options.root, cacheDir },
      );
      log(
        `${name}: component ${c.id} ${compiled.cached ? "from cache" : "compiled"} ` +
          `(${compiled.wasm.length} bytes, ${Math.round(performance.now() - started)} ms)`,
      );
      wasm.set(c.id, compiled.wasm);
    }
    const bytes = buildPack(source, wasm);
    const report = verifyPack(bytes);
    if (!report.ok) {
      throw new Error(`Built ${name} fails verification:\n  ${report.problems.join("\n  ")}`);
    }
    const path = `${outDir}/${name}.gtpack`;
    await Deno.writeFile(path, bytes);
    log(`${path} ${version} ${bytes.length} bytes sha256:${sha256Hex(bytes)}`);
    built.push({ name, path, bytes, source, wasm });
  }
  return built;
}

/**
 * Runs the build command.
 *
 * @param args Command-line arguments.
 * @param out Where to print progress.
 * @returns The exit code.
 */
export async function buildCommand(
  args: string[],
  out: { log: (s: string) => void; error: (s: string) => void },
  root: string = REPO_ROOT,
): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      options: { out: { type: "string" }, "no-cache": { type: "boolean" } },
    });
  } catch (e) {
    out.error(`${(e as Error).message}\nUsage: packs:build [--out DIR] [--no-cache] [PACK...]`);
    return 2;
  }
  try {
    await buildPacks({
      root,
      ...(parsed.values.out !== undefined ? { outDir: parsed.values.out } : {}),
      ...(parsed.values["no-cache"] ? { cacheDir: null } : {}),
      ...(parsed.positionals.length > 0 ? { packs: parsed.positionals } : {}),
      log: out.log,
    });
    return 0;
  } catch (e) {
    out.error(`packs:build failed: ${(e as Error).message}`);
    return 1;
  }
}

if (import.meta.main) {
  Deno.exit(await buildCommand(Deno.args, { log: console.log, error: console.error }));
}
