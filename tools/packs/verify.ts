/**
 * `deno task packs:verify FILE...`: checks `.gtpack` files as the pack reader does and
 * exits non-zero with the reasons when one is bad.
 *
 * @module
 */
import { REPO_ROOT } from "./packs.ts";
import { verifyPack } from "./verifier.ts";

/**
 * Runs the verify command.
 *
 * @param args Paths of `.gtpack` files (all packs in `dist/packs/` when empty).
 * @param out Where to print results.
 * @returns 0 when every pack is valid, 1 otherwise, 2 on a usage error.
 */
export async function verifyCommand(
  args: string[],
  out: { log: (s: string) => void; error: (s: string) => void },
): Promise<number> {
  let files = args;
  if (files.length === 0) {
    files = [
      `${REPO_ROOT}/dist/packs/state-memory.gtpack`,
      `${REPO_ROOT}/dist/packs/state-redis.gtpack`,
    ];
  }
  let failed = false;
  for (const file of files) {
    let bytes: Uint8Array;
    try {
      bytes = await Deno.readFile(file);
    } catch (e) {
      out.error(`${file}: cannot read: ${(e as Error).message} (run deno task packs:build first?)`);
      failed = true;
      continue;
    }
    const report = verifyPack(bytes);
    if (report.ok) {
      out.log(`${file}: ok (${report.packId} ${report.version}, ${report.entries.length} entries)`);
    } else {
      failed = true;
      out.error(`${file}: INVALID\n  ${report.problems.join("\n  ")}`);
    }
  }
  return failed ? 1 : 0;
}

if (import.meta.main) {
  Deno.exit(await verifyCommand(Deno.args, { log: console.log, error: console.error }));
}
