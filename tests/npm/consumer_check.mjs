// A Node.js project's own test of the installed npm package (`node --test`), run by
// `npm_package_test.ts` in a temporary project that installed the packed tarball.
// It only uses the public entry points, as a Node user would.
//
// Environment (set by npm_package_test.ts):
// - GREENTIC_EXPECT_IOREDIS: "1" if this project installed ioredis, else "0".
// - GREENTIC_EXPECT_REDIS: "1" if the package must export RedisStateStore.
// - GREENTIC_REDIS_URL: the test Redis; GREENTIC_ENV_ID: an env id unique to this run.

import assert from "node:assert/strict";
import { createRequire } from "node:module";
import process from "node:process";
import { test } from "node:test";
import * as state from "@greentic/state";

const { InMemoryStateStore, StateError, StatePath, TenantCtx } = state;
const expectIoredis = process.env.GREENTIC_EXPECT_IOREDIS === "1";
const expectRedis = process.env.GREENTIC_EXPECT_REDIS === "1";
const redisUrl = process.env.GREENTIC_REDIS_URL ?? "redis://127.0.0.1:6379";
const envId = process.env.GREENTIC_ENV_ID ?? `npm-${process.pid}-${Date.now()}`;
const require = createRequire(import.meta.url);

/** The same scenario against any store, through the public API only. */
async function exercise(store) {
  const acme = new TenantCtx(envId, "acme").withTeam("ops");
  const globex = new TenantCtx(envId, "globex").withTeam("ops");
  await store.setJson(acme, "flow/1", "node/a", null, { status: "ready", steps: [] }, 300);
  await store.setJson(acme, "flow/1", "node/a", StatePath.fromPointer("/steps/-"), "start");
  await store.setJson(acme, "flow/1", "node/a", "/status", "running", null);
  await store.setJson(acme, "flow/1", "node/b", null, 2);
  await store.setJson(globex, "flow/1", "node/a", null, "globex's own");

  assert.deepEqual(await store.getJson(acme, "flow/1", "node/a"), {
    status: "running",
    steps: ["start"],
  });
  assert.equal(await store.getJson(acme, "flow/1", "node/a", "/steps/0"), "start");
  assert.equal(await store.getJson(acme, "flow/1", "node/a", "/missing"), undefined);
  assert.equal(await store.getJson(globex, "flow/1", "node/a"), "globex's own");
  const ttl = await store.ttl(acme, "flow/1", "node/a");
  assert.ok(typeof ttl === "number" && ttl > 290 && ttl <= 300, `ttl ${ttl}`);
  assert.equal(await store.ttl(acme, "flow/1", "node/b"), null);

  const keys = [];
  for await (const key of store.listKeys(acme, "flow/1")) keys.push(key);
  assert.deepEqual(keys.sort(), ["node/a", "node/b"]);

  await assert.rejects(
    store.getJson(acme, "flow/1", "node/a", "no-leading-slash"),
    (error) => error instanceof StateError && error.code === "invalid_input",
  );
  await assert.rejects(
    store.setJson(acme, "flow/1", "node/a", null, { big: 1n }),
    (error) => error instanceof StateError && error.code === "invalid_input",
  );
  assert.equal(await store.getJson(acme, "flow/1", "node/a", "/status"), "running");

  assert.equal(await store.del(acme, "flow/1", "node/b"), true);
  assert.equal(await store.del(acme, "flow/1", "node/b"), false);
  assert.equal(await store.delPrefix(acme, "flow/1"), 1);
  assert.equal(await store.getJson(globex, "flow/1", "node/a"), "globex's own");
  assert.equal(await store.delPrefix(globex, "flow/1"), 1);
}

test("the package declares what it is", () => {
  const manifest = require("@greentic/state/package.json");
  assert.equal(manifest.name, "@greentic/state");
  assert.equal(manifest.type, "module");
  assert.equal(manifest.engines.node, ">=20");
  assert.ok(manifest.exports["."]);
});

test("the Deno-only CLI is not part of the npm package", async () => {
  await assert.rejects(import("@greentic/state/cli"), { code: "ERR_PACKAGE_PATH_NOT_EXPORTED" });
});

test("ioredis is installed only where the project asked for it", () => {
  let found = true;
  try {
    require.resolve("ioredis");
  } catch {
    found = false;
  }
  assert.equal(found, expectIoredis);
});

test(
  "CommonJS code can require the package where Node.js loads ES modules with require()",
  { skip: !process.features.require_module && "this Node.js has no require(esm)" },
  () => {
    const required = require("@greentic/state");
    assert.equal(required.InMemoryStateStore, InMemoryStateStore, "one copy of the module");
  },
);

test("the in-memory store works", async () => {
  const store = new InMemoryStateStore();
  await exercise(store);
  await store[Symbol.asyncDispose]();
  await assert.rejects(
    store.getJson(new TenantCtx(envId, "acme"), "flow/1", "node/a"),
    (error) => error instanceof StateError && error.code === "unavailable",
  );
});

test("the Redis store", { skip: !expectRedis && "this build has no Redis store" }, async () => {
  assert.equal(typeof state.RedisStateStore, "function", "RedisStateStore is exported");
  if (!expectIoredis) {
    // Importing the package worked (the tests above ran); only the Redis store needs ioredis,
    // and it says so.
    await assert.rejects(
      state.RedisStateStore.connect(redisUrl),
      (error) => error instanceof StateError && /ioredis/.test(error.message),
    );
    return;
  }
  const store = await state.RedisStateStore.connect(redisUrl);
  try {
    await exercise(store);
  } finally {
    // Leave nothing behind, even when a check failed: the test Redis is shared.
    for (const tenant of ["acme", "globex"]) {
      await store.delPrefix(new TenantCtx(envId, tenant).withTeam("ops"), "flow/1");
    }
    await store.close();
  }
});

test("the SQLite entry point", async () => {
  const manifest = require("@greentic/state/package.json");
  if (manifest.exports["./sqlite"] === undefined) return;
  if (!hasNodeSqlite()) {
    // Node.js 20: a clear error, of this package's error type, that says how to fix it.
    await assert.rejects(import("@greentic/state/sqlite"), (error) => {
      assert.ok(error instanceof StateError, `a StateError, got ${error}`);
      assert.equal(error.code, "unavailable");
      assert.match(error.message, /node:sqlite/);
      assert.match(error.message, /Node\.js 22/);
      return true;
    });
    return;
  }
  const { SqliteStateStore } = await import("@greentic/state/sqlite");
  const store = new SqliteStateStore({ path: ":memory:" });
  try {
    await exercise(store);
  } finally {
    await store.close();
  }
});

function hasNodeSqlite() {
  try {
    return typeof process.getBuiltinModule === "function" &&
      process.getBuiltinModule("node:sqlite") !== undefined;
  } catch {
    return false;
  }
}
