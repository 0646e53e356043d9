import assert from "node:assert/strict";
import fc from "fast-check";
import { storageKey, TenantCtx } from "../../mod.ts";
import { encodeTaggedPrefix, namespaceIn, taggedNamespaceOf } from "../../src/redis/_key_layout.ts";
import { keySlot, sharedSlot } from "../../src/redis/_key_slot.ts";

const id = fc.stringMatching(/^[A-Za-z0-9._-]{1,4}$/);
const text = fc.string({
  maxLength: 8,
  unit: fc.constantFrom("a", "b", ":", "%", "7", "B", "D", "{", "}", "é", "😀"),
});
const ctxArb = fc.tuple(id, id, fc.option(id), fc.option(id)).map(([env, tenant, team, user]) =>
  new TenantCtx(env, tenant, team, user)
);
const triple = fc.tuple(ctxArb, text, text);
const tagged = (ctx: TenantCtx, prefix: string, key: string) =>
  taggedNamespaceOf(ctx, prefix) + key;

Deno.test("key layout: the namespace tag covers the namespace, braces encoded", () => {
  const ctx = new TenantCtx("dev", "tenant-123").withUser("alice");
  assert.equal(
    tagged(ctx, "flow/example", "node/state"),
    "greentic:state:{dev:tenant-123::alice:flow/example}:node/state",
  );
  assert.equal(
    tagged(ctx.withTeam("ops"), "a}b{c:%", "{k}"),
    "greentic:state:{dev:tenant-123:ops:alice:a%7Db%7Bc%3A%25}:{k}",
  );
  assert.equal(encodeTaggedPrefix("%7D"), "%257D");
  assert.equal(namespaceIn("plain", ctx, "a{b}"), "greentic:state:dev:tenant-123::alice:a{b}:");
  assert.equal(namespaceIn("plain", ctx, "p") + "k", storageKey(ctx, "p", "k"));
  assert.equal(namespaceIn("namespace-tag", ctx, "p"), taggedNamespaceOf(ctx, "p"));
});

Deno.test("key layout: property: the tagged mapping is injective and apart from the plain one", () => {
  fc.assert(
    fc.property(triple, triple, ([c1, p1, k1], [c2, p2, k2]) => {
      const same = `${c1}` === `${c2}` && c1.team === c2.team && c1.user === c2.user &&
        p1 === p2 && k1 === k2;
      assert.equal(tagged(c1, p1, k1) === tagged(c2, p2, k2), same);
      assert.notEqual(tagged(c1, p1, k1), storageKey(c2, p2, k2));
    }),
    { numRuns: 5000 },
  );
});

Deno.test("key layout: property: a tagged namespace holds exactly its own keys, on one slot", () => {
  fc.assert(
    fc.property(triple, ctxArb, text, ([ctx, prefix, key], otherCtx, otherPrefix) => {
      const space = taggedNamespaceOf(ctx, prefix);
      const inNamespace = tagged(ctx, prefix, key).startsWith(
        taggedNamespaceOf(otherCtx, otherPrefix),
      );
      const sameNamespace = ctx.env === otherCtx.env && ctx.tenant === otherCtx.tenant &&
        ctx.team === otherCtx.team && ctx.user === otherCtx.user && prefix === otherPrefix;
      assert.equal(inNamespace, sameNamespace);
      // The tag is the first {...} and spans the namespace scope: every key, braces or
      // not, lands on the namespace's slot.
      const slot = sharedSlot(space);
      assert.notEqual(slot, null);
      assert.equal(keySlot(tagged(ctx, prefix, key)), slot);
      const tag = space.slice(space.indexOf("{") + 1, space.indexOf("}"));
      assert.equal(`greentic:state:{${tag}}:`, space);
    }),
    { numRuns: 5000 },
  );
});

Deno.test("key layout: in the plain layout a user's braces pick the slot", () => {
  const ctx = new TenantCtx("dev", "t");
  // A key's first complete tag decides; a prefix's tag wins over the key's.
  assert.equal(keySlot(storageKey(ctx, "p", "{x}")), keySlot("x"));
  assert.equal(keySlot(storageKey(ctx, "{p}", "{x}")), keySlot("p"));
  assert.equal(sharedSlot(namespaceIn("plain", ctx, "{p}")), keySlot("p"));
  // An empty tag means no tag: the whole key is hashed.
  assert.notEqual(keySlot(storageKey(ctx, "{}", "{x}")), keySlot("x"));
  assert.equal(sharedSlot(namespaceIn("plain", ctx, "{}")), null);
  // A tag the prefix opens is closed by the key: each key decides.
  assert.equal(sharedSlot(namespaceIn("plain", ctx, "a{")), null);
  assert.equal(keySlot(storageKey(ctx, "a{", "b}")), keySlot(":b"));
  assert.equal(sharedSlot(namespaceIn("plain", ctx, "flow")), null);
});
