import assert from "node:assert/strict";
import { withTempDir } from "./_temp.ts";

/** The `node` on PATH, and whether it has node:sqlite; null when there is none. */
async function findNode(): Promise<{ version: string; hasSqlite: boolean } | null> {
  try {
    const out = await new Deno.Command("node", {
      args: ["-p", `process.version + " " + !!process.getBuiltinModule?.("node:sqlite")`],
      stdout: "piped",
      stderr: "null",
    }).output();
    if (!out.success) return null;
    const [version, has] = new TextDecoder().decode(out.stdout).trim().split(" ");
    return { version: version!, hasSqlite: has === "true" };
  } catch {
    return null;
  }
}

const node = await findNode();

Deno.test({
  name: `SQLite entry point on Node.js (${node?.version ?? "not installed"})`,
  ignore: node === null,
  fn: () =>
    withTempDir(async (dir) => {
      // Node cannot run TypeScript here: bundle the entry points to JavaScript first.
      const entry = `${dir}/entry.ts`;
      await Deno.writeTextFile(
        entry,
        `export * from ${JSON.stringify(new URL("../../mod.ts", import.meta.url).href)};\n` +
          `export * from ${JSON.stringify(new URL("../../sqlite.ts", import.meta.url).href)};\n`,
      );
      const bundle = `${dir}/entry.mjs`;
      const built = await new Deno.Command(Deno.execPath(), {
        args: [
          "bundle",
          "--quiet",
          "--platform",
          "node",
          entry,
          "-o",
          bundle,
        ],
        stdout: "piped",
        stderr: "piped",
      }).output();
      assert.ok(built.success, new TextDecoder().decode(built.stderr));
      const script = `
        try {
          const { SqliteStateStore, TenantCtx } = await import(${JSON.stringify(bundle)});
          const store = new SqliteStateStore({ path: ${JSON.stringify(`${dir}/node.db`)} });
          const ctx = new TenantCtx("dev", "t");
          await store.setJson(ctx, "p", "k", "/a/0", "x", 60);
          console.log(JSON.stringify({ doc: await store.getJson(ctx, "p", "k") }));
          await store.close();
        } catch (error) {
          console.log(JSON.stringify({ name: error.name, code: error.code, message: error.message }));
        }
      `;
      const run = await new Deno.Command("node", {
        args: ["--input-type=module", "-e", script],
        stdout: "piped",
        stderr: "piped",
      }).output();
      const stdout = new TextDecoder().decode(run.stdout);
      assert.ok(run.success, new TextDecoder().decode(run.stderr));
      const result = JSON.parse(stdout);
      if (node!.hasSqlite) {
        assert.deepEqual(result, { doc: { a: ["x"] } });
      } else {
        assert.equal(result.name, "StateError");
        assert.equal(result.code, "unavailable");
        assert.match(result.message, /node:sqlite/);
        assert.match(result.message, /Node\.js 22\.5 or later/);
        assert.ok(result.message.includes(node!.version), result.message);
      }
    }),
});
