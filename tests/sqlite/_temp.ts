/**
 * Temporary directories for the SQLite tests, removed even when the test fails.
 *
 * @module
 */

/** Runs `fn` with a fresh temporary directory, then removes it. */
export async function withTempDir(
  fn: (dir: string) => void | Promise<void>,
): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "greentic-sqlite-" });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}
