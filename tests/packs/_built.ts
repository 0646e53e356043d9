// Builds both packs once per test run (shared by every pack test file: Deno runs the test
// files of one `deno test` in one process). Compiled components are cached in
// dist/packs/.cache, so later runs skip componentize-js when the sources are unchanged.
import { buildPacks, type BuiltPack } from "../../tools/packs/build.ts";
import { REPO_ROOT } from "../../tools/packs/packs.ts";

/** Where the tests write their packs (gitignored). */
export const TEST_OUT_DIR = `${REPO_ROOT}/dist/packs/test`;

let built: Promise<Map<string, BuiltPack>> | undefined;

/** Both packs, built once. */
export function builtPacks(): Promise<Map<string, BuiltPack>> {
  built ??= buildPacks({
    root: REPO_ROOT,
    outDir: TEST_OUT_DIR,
    cacheDir: `${REPO_ROOT}/dist/packs/.cache`,
  }).then((list) => new Map(list.map((p) => [p.name, p])));
  return built;
}

/** One built pack. */
export async function builtPack(name: string): Promise<BuiltPack> {
  const pack = (await builtPacks()).get(name);
  if (pack === undefined) throw new Error(`Pack ${name} was not built`);
  return pack;
}
