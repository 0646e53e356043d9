import assert from "node:assert/strict";
import { Redis } from "ioredis";
import { RedisStateStore, StateError, storageKey } from "../../mod.ts";
import { freshCtx, REDIS_URL } from "./_server.ts";

function withDb(url: string, db: number): string {
  const parsed = new URL(url);
  parsed.pathname = `/${db}`;
  return parsed.toString();
}

Deno.test("Redis connect: the URL's database is used, and a missing one is an error", async () => {
  const store = await RedisStateStore.connect(withDb(REDIS_URL, 3));
  const raw = new Redis(withDb(REDIS_URL, 3));
  const ctx = freshCtx();
  try {
    await store.setJson(ctx, "p", "k", null, { db: 3 });
    assert.equal(await raw.get(storageKey(ctx, "p", "k")), '{"db":3}');
    assert.equal(await store.delPrefix(ctx, "p"), 1);
  } finally {
    await store.close();
    await raw.quit();
  }
  await assert.rejects(
    RedisStateStore.connect(withDb(REDIS_URL, 9999)),
    (error: unknown) =>
      error instanceof StateError && error.code === "invalid_input" &&
      /database 9999/.test(error.message),
  );
});

Deno.test("Redis connect: no part of a password shows in the error", async () => {
  const secrets = ["p@ss", "se cret", "top\tsecret", "pw", "x%40y"];
  for (const password of secrets) {
    for (
      const url of [`redis://user:${password}@127.0.0.1:1`, `redis://us@er:${password}@127.0.0.1:1`]
    ) {
      const error = await RedisStateStore.connect(url, { timeoutMs: 500 }).then(
        () => assert.fail("connected to port 1"),
        (e: unknown) => e as StateError,
      );
      assert.ok(error instanceof StateError);
      for (
        const piece of [
          password,
          encodeURIComponent(password),
          password.split(/[@ \t%]/)[1] ?? "\u0000",
        ]
      ) {
        if (piece.length >= 2) {
          assert.ok(!error.message.includes(piece), `${piece} in ${error.message}`);
        }
      }
    }
  }
});
