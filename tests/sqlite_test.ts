import { SqliteStateStore } from "../sqlite.ts";
import { conformance } from "./conformance.ts";

Deno.test("SQLite store on :memory:: conformance", (t) =>
  conformance(t, {
    open: ({ now }) => new SqliteStateStore({ path: ":memory:", now }),
    injectedClock: true,
  }));

Deno.test("SQLite store on a file: conformance", async (t) => {
  const dir = await Deno.makeTempDir({ prefix: "greentic-sqlite-" });
  try {
    let n = 0;
    await conformance(t, {
      // "normal": flushing to disk is not what the suite checks, and costs ~1 ms a write.
      open: ({ now }) =>
        new SqliteStateStore({
          path: `${dir}/conformance-${n++}.db`,
          now,
          synchronous: "normal",
        }),
      injectedClock: true,
      propertyRuns: 50, // the same code as on :memory:, which runs 100
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
