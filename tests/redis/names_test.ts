import assert from "node:assert/strict";
import { storageKey, TenantCtx } from "../../mod.ts";
import { globEscape } from "../../src/redis/redis_state_store.ts";
import { connect, freshCtx, rawClient } from "./_server.ts";

const NAMES = [
  "*",
  "?",
  "[",
  "]",
  "\\",
  "\\*",
  "[a]",
  "[!a]",
  "[^a]",
  "a*",
  "a?",
  "a",
  "b",
  "a:b",
  "a%3Ab",
  ":",
  "%",
  "",
  "{tag}",
  "a\\",
  "*:*",
];

Deno.test("Redis names: glob and separator characters select exactly their namespace", async () => {
  await using store = await connect();
  const raw = rawClient();
  try {
    const base = freshCtx();
    const contexts = [base, base.withTeam("t"), base.withUser("u"), new TenantCtx(base.env, "x")];
    for (const ctx of contexts) {
      for (const prefix of NAMES) {
        for (const key of NAMES) await store.setJson(ctx, prefix, key, null, { prefix, key });
      }
    }
    // listKeys sees exactly its namespace, decoded.
    for (const prefix of NAMES) {
      assert.deepEqual(
        (await Array.fromAsync(store.listKeys(base, prefix))).sort(),
        [...NAMES].sort(),
        prefix,
      );
    }
    // Delete one namespace at a time: each removes its own keys and nothing else.
    const remaining = new Set(NAMES);
    for (const prefix of NAMES) {
      assert.equal(await store.delPrefix(base, prefix), NAMES.length, `delPrefix ${prefix}`);
      remaining.delete(prefix);
      for (const other of remaining) {
        assert.equal(
          (await Array.fromAsync(store.listKeys(base, other))).length,
          NAMES.length,
          `${other} after deleting ${prefix}`,
        );
      }
    }
    // Other contexts were not touched, and their raw keys are where the layout says.
    for (const ctx of contexts.slice(1)) {
      for (const prefix of NAMES) {
        for (const key of NAMES) {
          assert.equal(
            await raw.get(storageKey(ctx, prefix, key)),
            JSON.stringify({ prefix, key }),
          );
        }
      }
    }
    for (const ctx of contexts) for (const prefix of NAMES) await store.delPrefix(ctx, prefix);
  } finally {
    await raw.quit();
  }
});

Deno.test("Redis names: the MATCH pattern of a namespace matches only itself", async () => {
  const raw = rawClient();
  try {
    const ctx = freshCtx();
    // Redis decides matching: a key matches the escaped pattern of its own text only.
    for (const name of NAMES) {
      const pattern = globEscape(storageKey(ctx, name, ""));
      for (const other of NAMES) {
        const key = storageKey(ctx, other, "k");
        await raw.set(key, "1", "PX", 60_000);
        let found = false;
        let cursor = "0";
        do {
          const [next, keys] = await raw.scan(cursor, "MATCH", `${pattern}*`, "COUNT", 10_000);
          cursor = next;
          found ||= keys.includes(key);
        } while (cursor !== "0");
        assert.equal(found, name === other, `${name} vs ${other}`);
        await raw.unlink(key);
      }
    }
  } finally {
    await raw.quit();
  }
});
