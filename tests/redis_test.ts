import assert from "node:assert/strict";
import { Redis } from "ioredis";
import { RedisStateStore, storageKey } from "../mod.ts";
import { conformance } from "./conformance.ts";
import { connect, freshCtx, REDIS_URL } from "./redis/_server.ts";

Deno.test("Redis store: conformance", (t) =>
  conformance(t, { open: () => connect(), injectedClock: false }));

Deno.test("Redis store on a borrowed client with a keyPrefix: conformance", async (t) => {
  const client = new Redis(REDIS_URL, { keyPrefix: "app[1]*:" });
  const raw = new Redis(REDIS_URL);
  try {
    await conformance(t, {
      open: () => new RedisStateStore(client),
      injectedClock: false,
      propertyRuns: 25,
    });
    // The documents live under the prefix, where other clients of the app find them.
    const store = new RedisStateStore(client);
    const ctx = freshCtx();
    await store.setJson(ctx, "p", "k", null, { a: 1 });
    assert.equal(await raw.get("app[1]*:" + storageKey(ctx, "p", "k")), '{"a":1}');
    assert.equal(await store.delPrefix(ctx, "p"), 1);
    await store.close();
    assert.equal(client.status, "ready", "a borrowed client stays open");
  } finally {
    client.disconnect();
    await raw.quit();
  }
});
