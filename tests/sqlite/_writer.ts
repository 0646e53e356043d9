/**
 * The second process of the two-process test: opens the store on the file in argv,
 * says "ready", waits for a line on stdin, then writes `/child/i` of one document, and
 * prints how many of the parent's paths it saw after its first and its last write.
 *
 * @module
 */

import { TenantCtx } from "../../mod.ts";
import { SqliteStateStore } from "../../sqlite.ts";

const [path, countText] = Deno.args;
const count = Number(countText);
const store = new SqliteStateStore({ path: path!, busyTimeoutMs: 30_000, synchronous: "normal" });
const ctx = new TenantCtx("dev", "two-process");
const parentPaths = async () => {
  const doc = await store.getJson(ctx, "flow", "doc", "/parent") as
    | Record<string, number>
    | undefined;
  return Object.keys(doc ?? {}).length;
};
await Deno.stdout.write(new TextEncoder().encode("ready\n"));
await Deno.stdin.read(new Uint8Array(16));
let seenFirst = -1;
for (let i = 0; i < count; i++) {
  await store.setJson(ctx, "flow", "doc", `/child/${i}`, i);
  if (i === 0) seenFirst = await parentPaths();
  if (i % 10 === 0) await new Promise((resolve) => setTimeout(resolve, 0));
}
const seenLast = await parentPaths();
await store.close();
console.log(JSON.stringify({ seenFirst, seenLast }));
