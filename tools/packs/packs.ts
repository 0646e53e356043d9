/**
 * The packs this repository builds and where their sources and outputs live.
 *
 * @module
 */

/** Names of the packs, which are also their directory names under `packs/`. */
export const PACK_NAMES = ["state-memory", "state-redis"] as const;

/** World name of the provider components inside `packs/wit/component.wit`. */
export const WORLD_NAME = "component-v0-v6-v0";

/** Repository root (two levels above this file). */
export const REPO_ROOT: string = new URL("../../", import.meta.url).pathname.replace(/\/$/, "");

/** Paths used by the build, relative to a repository root. */
export function packPaths(root: string): {
  packsDir: string;
  witPath: string;
  outDir: string;
  cacheDir: string;
} {
  return {
    packsDir: `${root}/packs`,
    witPath: `${root}/packs/wit/component.wit`,
    outDir: `${root}/dist/packs`,
    cacheDir: `${root}/dist/packs/.cache`,
  };
}
