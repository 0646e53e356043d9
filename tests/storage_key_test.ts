import assert from "node:assert/strict";
import fc from "fast-check";
import { storageKey, TenantCtx } from "../mod.ts";
import { decodePrefix, encodePrefix, namespaceOf } from "../src/core/storage_key.ts";

const id = fc.stringMatching(/^[A-Za-z0-9._-]{1,4}$/);
const text = fc.string({
  maxLength: 8,
  unit: fc.constantFrom("a", "b", ":", "%", "3", "A", "2", "5", "/", "{", "}"),
});
const ctxArb = fc.tuple(id, id, fc.option(id), fc.option(id)).map(([env, tenant, team, user]) =>
  new TenantCtx(env, tenant, team, user)
);
const triple = fc.tuple(ctxArb, text, text);

Deno.test("storage key: the documented layout", () => {
  const ctx = new TenantCtx("dev", "tenant-123");
  assert.equal(
    storageKey(ctx, "flow/example", "node/state"),
    "greentic:state:dev:tenant-123:::flow/example:node/state",
  );
  assert.equal(
    storageKey(ctx.withTeam("ops").withUser("alice"), "a:b%c", "k:1"),
    "greentic:state:dev:tenant-123:ops:alice:a%3Ab%25c:k:1",
  );
  assert.equal(storageKey(ctx, "", ""), "greentic:state:dev:tenant-123::::");
  assert.equal(encodePrefix("%3A"), "%253A");
  assert.equal(decodePrefix(encodePrefix("a:%3A:%")), "a:%3A:%");
});

Deno.test("storage key: property: the mapping is injective", () => {
  fc.assert(
    fc.property(triple, triple, ([c1, p1, k1], [c2, p2, k2]) => {
      const same = `${c1}` === `${c2}` && c1.team === c2.team && c1.user === c2.user && p1 === p2 &&
        k1 === k2;
      assert.equal(storageKey(c1, p1, k1) === storageKey(c2, p2, k2), same);
    }),
    { numRuns: 5000 },
  );
});

Deno.test("storage key: property: a namespace holds exactly its own keys", () => {
  fc.assert(
    fc.property(triple, ctxArb, text, ([ctx, prefix, key], otherCtx, otherPrefix) => {
      const inNamespace = storageKey(ctx, prefix, key).startsWith(
        namespaceOf(otherCtx, otherPrefix),
      );
      const sameNamespace = ctx.env === otherCtx.env && ctx.tenant === otherCtx.tenant &&
        ctx.team === otherCtx.team && ctx.user === otherCtx.user && prefix === otherPrefix;
      assert.equal(inNamespace, sameNamespace);
    }),
    { numRuns: 5000 },
  );
  // The cases the property would rarely draw:
  const ctx = new TenantCtx("e", "t");
  assert.ok(!storageKey(ctx, "a:b", "k").startsWith(namespaceOf(ctx, "a")));
  assert.ok(!storageKey(ctx, "flow/x", "k").startsWith(namespaceOf(ctx, "flow")));
  assert.ok(!storageKey(ctx.withTeam("ops"), "a", "k").startsWith(namespaceOf(ctx, "a")));
  assert.ok(!storageKey(ctx.withUser("u"), "a", "k").startsWith(namespaceOf(ctx, "a")));
});
