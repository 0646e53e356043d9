/**
 * Compiles a provider component: bundles its TypeScript entry to one ES module with
 * `deno bundle`, then builds a WebAssembly component with componentize-js.
 *
 * componentize-js 0.23.0 does not produce the same bytes twice for the same input (its
 * Wizer snapshot holds SpiderMonkey state seeded from WASI randomness, and the path of a
 * random temporary directory). So compiled components are cached by a SHA-256 of
 * everything that determines them (bundle, WIT, world, features, compiler version): a
 * rebuild from unchanged sources reuses the cached bytes and the pack stays byte-identical.
 *
 * @module
 */
import { componentize } from "@bytecodealliance/componentize-js";
import { sha256Hex } from "./hash.ts";

/** Version of componentize-js pinned in deno.json; part of the cache key. */
export const COMPONENTIZE_VERSION = "0.23.0";

/** componentize-js features the components do without (they keep `clocks` for TTLs). */
export const DISABLED_FEATURES = ["random", "stdio", "http", "fetch-event"] as const;

/** What to compile. */
export interface ComponentSource {
  /** Absolute path of the TypeScript entry module. */
  entry: string;
  /** Absolute path of the WIT file holding the world. */
  witPath: string;
  /** World name inside the WIT package. */
  worldName: string;
}

/** A compiled component. */
export interface CompiledComponent {
  /** The component bytes. */
  wasm: Uint8Array;
  /** The bundled JavaScript that was compiled. */
  bundle: string;
  /** Cache key (SHA-256 hex of the inputs). */
  key: string;
  /** Whether the bytes came from the cache. */
  cached: boolean;
}

/**
 * Bundles a TypeScript entry into one ES module with `deno bundle` (run from `cwd`, so the
 * path comments in the output do not depend on where the repository lives).
 *
 * @param entry Path of the entry module.
 * @param cwd Directory to run from (the repository root, with deno.json).
 * @returns The bundled JavaScript.
 * @throws Error with deno's output when bundling fails.
 */
export async function bundleEntry(entry: string, cwd: string): Promise<string> {
  const outDir = await Deno.makeTempDir({ prefix: "gtpack-bundle-" });
  try {
    const out = `${outDir}/bundle.js`;
    const { code, stderr } = await new Deno.Command(Deno.execPath(), {
      args: ["bundle", "--quiet", "--platform", "browser", "--format", "esm", "-o", out, entry],
      cwd,
      stdout: "piped",
      stderr: "piped",
    }).output();
    if (code !== 0) {
      throw new Error(
        `Cannot bundle ${entry}: deno bundle exited with ${code}\n${
          new TextDecoder().decode(stderr)
        }`,
      );
    }
    return normalizeBundle(await Deno.readTextFile(out));
  } finally {
    await Deno.remove(outDir, { recursive: true });
  }
}

/**
 * Rewrites the module-path comments `deno bundle` writes for npm packages
 * (`// ../../root/.cache/deno/npm/registry.npmjs.org/cborg/6.1.5/lib/is.js`) to
 * `// npm:cborg/6.1.5/lib/is.js`, so the bundle does not depend on where DENO_DIR is.
 *
 * @param bundle Output of `deno bundle`.
 * @returns The bundle with location-independent comments.
 */
export function normalizeBundle(bundle: string): string {
  return bundle.replace(/^\/\/ [^\n]*?\/npm\/[^/\n]+\/(?=[^\n]+$)/gm, "// npm:");
}

/**
 * Compiles a component, or takes it from `cacheDir` when the same inputs were compiled
 * before.
 *
 * @param source Entry, WIT and world.
 * @param options `cwd`: repository root; `cacheDir`: where compiled components are kept
 *   (`null` disables the cache).
 * @returns The component bytes and how they were obtained.
 */
export async function compileComponent(
  source: ComponentSource,
  options: { cwd: string; cacheDir: string | null },
): Promise<CompiledComponent> {
  const bundle = await bundleEntry(source.entry, options.cwd);
  const wit = await Deno.readTextFile(source.witPath);
  const key = sha256Hex(
    new TextEncoder().encode(
      JSON.stringify([COMPONENTIZE_VERSION, source.worldName, DISABLED_FEATURES, wit, bundle]),
    ),
  );
  // One cached component per entry directory: `<dir name>-<key>.wasm`; older ones are pruned.
  const dirName = source.entry.split("/").at(-2) ?? "component";
  const cachePath = options.cacheDir === null ? null : `${options.cacheDir}/${dirName}-${key}.wasm`;
  if (cachePath !== null) {
    try {
      return { wasm: await Deno.readFile(cachePath), bundle, key, cached: true };
    } catch (e) {
      if (!(e instanceof Deno.errors.NotFound)) throw e;
    }
  }
  let wasm: Uint8Array;
  try {
    // The positional form compiles source text (the options form cannot read files under
    // Deno); its typings wrongly demand `sourcePath`, which it derives itself.
    const options = { worldName: source.worldName, disableFeatures: [...DISABLED_FEATURES] };
    const result = await componentize(
      bundle,
      wit,
      options as unknown as NonNullable<Parameters<typeof componentize>[2]>,
    );
    wasm = result.component;
  } catch (e) {
    throw new Error(
      `Cannot compile ${source.entry} with componentize-js: ${e instanceof Error ? e.message : e}`,
      { cause: e },
    );
  }
  if (cachePath !== null && options.cacheDir !== null) {
    await Deno.mkdir(options.cacheDir, { recursive: true });
    const tmp = `${cachePath}.${crypto.randomUUID()}.tmp`;
    await Deno.writeFile(tmp, wasm);
    await Deno.rename(tmp, cachePath);
    for await (const e of Deno.readDir(options.cacheDir)) {
      if (
        e.name.startsWith(`${dirName}-`) && e.name.endsWith(".wasm") &&
        !cachePath.endsWith(`/${e.name}`)
      ) {
        await Deno.remove(`${options.cacheDir}/${e.name}`);
      }
    }
  }
  return { wasm, bundle, key, cached: false };
}
