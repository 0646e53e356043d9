/**
 * This project's stores as benchmark targets: the in-memory store, the Redis store (with
 * ioredis autopipelining on and off) and the SQLite store, all through the public
 * `StateStore` API, under the run's own env id.
 *
 * @module
 */

import { InMemoryStateStore, RedisStateStore, type StateStore, TenantCtx } from "../../mod.ts";
import { SqliteStateStore } from "../../sqlite.ts";
import type { BenchEnv, Connection, Space, Target } from "../target.ts";
import { closeClient, openClient, redisGroup } from "./_redis.ts";

/** The row name of this project's stores. */
export const OURS = "greentic";

/** The tenant context of the run: env id `bench-{runId}`. */
export function benchCtx(env: BenchEnv): TenantCtx {
  return new TenantCtx(`bench-${env.runId}`, "tenant-1");
}

/** The operations of a `StateStore` on namespace `name`, as a user calls them. */
export function storeSpace(store: StateStore, ctx: TenantCtx, name: string): Space {
  return {
    get: (key) => store.getJson(ctx, name, key),
    getPath: (key, path) => store.getJson(ctx, name, key, path.pointer),
    set: (key, doc, ttlSecs) => store.setJson(ctx, name, key, null, doc, ttlSecs),
    setPath: (key, path, value) => store.setJson(ctx, name, key, path.pointer, value),
    del: (key) => store.del(ctx, name, key),
    clear: () => store.delPrefix(ctx, name),
  };
}

function storeConnection(
  store: StateStore,
  env: BenchEnv,
  extra: Partial<Connection> = {},
): Connection {
  const ctx = benchCtx(env);
  return {
    space: (name) => storeSpace(store, ctx, name),
    close: () => store.close(),
    ...extra,
  };
}

/** `InMemoryStateStore`. */
export function greenticMemory(env: BenchEnv): Target {
  return {
    name: OURS,
    group: "memory",
    role: "ours",
    clearMethod: "delPrefix",
    connect: () => Promise.resolve(storeConnection(new InMemoryStateStore(), env)),
  };
}

/** `RedisStateStore` on an ioredis client made with the run's options. */
export function greenticRedis(env: BenchEnv, autoPipelining: boolean): Target {
  return {
    name: OURS,
    group: redisGroup(autoPipelining),
    role: "ours",
    clearMethod: "delPrefix",
    async connect() {
      const client = await openClient(env.redisUrl, autoPipelining);
      const pinger = await openClient(env.redisUrl, false);
      const store = new RedisStateStore(client);
      return storeConnection(store, env, {
        ping: () => pinger.ping(),
        async close() {
          await store.close();
          await closeClient(client);
          await closeClient(pinger);
        },
      });
    },
  };
}

/**
 * `SqliteStateStore` on a file in a temporary folder (removed on close), with its default
 * `synchronous: "full"`.
 */
export function greenticSqlite(env: BenchEnv): Target {
  return {
    name: OURS,
    group: "sqlite",
    role: "ours",
    clearMethod: "delPrefix",
    async connect() {
      const dir = await Deno.makeTempDir({ prefix: `bench-${env.runId}-` });
      const store = new SqliteStateStore({ path: `${dir}/state.db` });
      return storeConnection(store, env, {
        async close() {
          await store.close();
          await Deno.remove(dir, { recursive: true });
        },
      });
    },
  };
}
