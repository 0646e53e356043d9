import assert from "node:assert/strict";
import { storageKey } from "../../mod.ts";
import { connect, freshCtx, rawClient } from "./_server.ts";

Deno.test("Redis path writes keep the exact text of untouched parts", async () => {
  await using store = await connect();
  const raw = rawClient();
  try {
    const ctx = freshCtx();
    const key = storageKey(ctx, "p", "doc");
    // Written by another client: big integers, long decimals, integer-like names after
    // others, escapes, whitespace and a duplicate name.
    const original = '{"id": 12345678901234567890, "ratio": 1.0000000000000001, ' +
      '"z": {"b": 1, "10": 2, "a": [1e400, -0.0, 1E2]}, "s": "caf\\u00e9 \\"q\\"", ' +
      '"list": [ 18446744073709551615 ] }';
    await raw.set(key, original);
    await store.setJson(ctx, "p", "doc", "/z/b", 3);
    await store.setJson(ctx, "p", "doc", "/list/-", 4);
    await store.setJson(ctx, "p", "doc", "/new", { n: 1 });
    await store.setJson(ctx, "p", "doc", "/z/c/0", "x");
    const expected = '{"id": 12345678901234567890, "ratio": 1.0000000000000001, ' +
      '"z": {"b": 3, "10": 2, "a": [1e400, -0.0, 1E2],"c":["x"]}, "s": "caf\\u00e9 \\"q\\"", ' +
      '"list": [ 18446744073709551615,4 ],"new":{"n":1} }';
    assert.equal(await raw.get(key), expected);
    assert.equal(await store.getJson(ctx, "p", "doc", "/z/b"), 3);
    // A write that breaks a rule is refused with the core's message; the text is unchanged.
    await assert.rejects(store.setJson(ctx, "p", "doc", "/id/x", 1), /is a number/);
    await assert.rejects(store.setJson(ctx, "p", "doc", "/list/5", 1), /array of length 2/);
    assert.equal(await raw.get(key), expected);
    // A stored value that is not JSON is an internal error, and stays as it was.
    await raw.set(key, "not json {");
    await assert.rejects(
      store.getJson(ctx, "p", "doc"),
      (e: Error & { code?: string }) => e.code === "internal",
    );
    await assert.rejects(
      store.setJson(ctx, "p", "doc", "/a", 1),
      (e: Error & { code?: string }) => e.code === "internal",
    );
    assert.equal(await raw.get(key), "not json {");
    await raw.unlink(key);
  } finally {
    await raw.quit();
  }
});
