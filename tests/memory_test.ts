import assert from "node:assert/strict";
import { InMemoryStateStore, TenantCtx } from "../mod.ts";
import { conformance } from "./conformance.ts";

Deno.test("in-memory store: conformance", (t) =>
  conformance(t, { open: ({ now }) => new InMemoryStateStore({ now }), injectedClock: true }));

Deno.test("in-memory store: expired entries nobody reads are reclaimed by writes", async () => {
  let now = 0;
  const store = new InMemoryStateStore({ now: () => now });
  const ctx = new TenantCtx("dev", "t");
  for (let i = 0; i < 10_000; i++) await store.setJson(ctx, `ns${i % 10}`, `k${i}`, null, i, 1);
  assert.equal(store.size, 10_000);
  now = 1_000;
  for (let i = 0; i < 5_000; i++) await store.setJson(ctx, "live", `k${i % 100}`, null, i);
  assert.ok(store.size <= 100 + 2_000, `size ${store.size}`);
  for (let i = 0; i < 5_000; i++) await store.setJson(ctx, "live", `k${i % 100}`, null, i);
  assert.equal(store.size, 100);
  await store.close();
});

Deno.test("in-memory store: size counts held entries and drops on delete", async () => {
  let now = 0;
  const store = new InMemoryStateStore({ now: () => now });
  const ctx = new TenantCtx("dev", "t");
  await store.setJson(ctx, "a", "1", null, 1, 1);
  await store.setJson(ctx, "a", "2", null, 1);
  await store.setJson(ctx, "b", "1", null, 1);
  assert.equal(store.size, 3);
  now = 1_000;
  assert.equal(store.size, 3); // expired but not yet swept
  assert.equal(await store.getJson(ctx, "a", "1"), undefined);
  assert.equal(store.size, 2); // a read drops what it finds expired
  assert.equal(await store.delPrefix(ctx, "a"), 1);
  assert.equal(store.size, 1);
  await store.close();
  assert.equal(store.size, 0);
});

Deno.test("in-memory store: concurrent path writes lose no update", async () => {
  const store = new InMemoryStateStore();
  const ctx = new TenantCtx("dev", "t");
  await Promise.all(
    Array.from({ length: 200 }, (_, i) => store.setJson(ctx, "p", "doc", `/n${i}`, i)),
  );
  const doc = (await store.getJson(ctx, "p", "doc")) as Record<string, number>;
  assert.equal(Object.keys(doc).length, 200);
  await store.close();
});

Deno.test("in-memory store: values typed with interfaces go in, typed reads come out", async () => {
  interface NodeState {
    status: string;
    retries?: number;
    outputs: { name: string }[];
  }
  const store = new InMemoryStateStore();
  const ctx = new TenantCtx("dev", "t");
  const state: NodeState = { status: "ready", outputs: [{ name: "a" }] };
  await store.setJson(ctx, "p", "k", null, state);
  const back = await store.getJson<NodeState>(ctx, "p", "k");
  assert.equal(back?.outputs[0]?.name, "a");
  assert.equal(await store.getJson<string>(ctx, "p", "k", "/status"), "ready");
  await store.close();
});
