/**
 * keyv as a peer, in memory and with its Redis adapter, through its public API. keyv has
 * no path operations: a path read is a whole read, a path write is get + change + set, as
 * its users must write them.
 *
 * @module
 */

// deno-lint-ignore no-import-prefix -- bench-only peer, pinned here so it never reaches the package
import Keyv from "npm:keyv@6.1.0";
// The latest @keyv/redis (5.1.6) supports keyv ^5.6.0 only, so the Redis row uses that keyv,
// as its users must. (`deno check` then warns that @keyv/redis's peer resolved to 6.1.0: it
// only re-exports that one, and the adapter runs inside the keyv 5.6.0 made below.)
// deno-lint-ignore no-import-prefix -- bench-only peer, pinned here so it never reaches the package
import Keyv5 from "npm:keyv@5.6.0";
// deno-lint-ignore no-import-prefix -- bench-only peer, pinned here so it never reaches the package
import KeyvRedis from "npm:@keyv/redis@5.1.6";
import type { BenchEnv, Connection, Space, Target } from "../target.ts";
import { assign, pick } from "../workload.ts";
import { openClient, redisGroup } from "./_redis.ts";

/** The keyv version of the memory row. */
export const KEYV_VERSION = "6.1.0";
/** The keyv version of the Redis row. */
export const KEYV_FOR_REDIS_VERSION = "5.6.0";
/** The @keyv/redis version imported above. */
export const KEYV_REDIS_VERSION = "5.1.6";

/** What both keyv versions offer and the rows use. */
interface KeyvLike {
  get(key: string): Promise<unknown>;
  set(key: string, value: unknown, ttlMs?: number): Promise<unknown>;
  delete(key: string): Promise<unknown>;
  clear(): Promise<void>;
  disconnect(): Promise<void>;
}

function keyvSpace(keyv: KeyvLike): Space {
  return {
    get: (key) => keyv.get(key),
    getPath: async (key, path) => pick(await keyv.get(key), path.segments),
    set: (key, doc, ttlSecs) => keyv.set(key, doc, ttlSecs * 1000),
    async setPath(key, path, value) {
      await keyv.set(key, assign(await keyv.get(key), path.segments, value));
    },
    del: (key) => keyv.delete(key),
    clear: () => keyv.clear(),
  };
}

/** keyv with its default in-memory `Map` store, one namespace per space. */
export function keyvMemory(): Target {
  return {
    name: `keyv ${KEYV_VERSION}`,
    group: "memory",
    role: "peer",
    clearMethod: "clear() of a namespace",
    connect() {
      const map = new Map();
      const connection: Connection = {
        space: (name) => keyvSpace(new Keyv({ store: map, namespace: name })),
        close: () => Promise.resolve(map.clear()),
      };
      return Promise.resolve(connection);
    },
  };
}

/**
 * keyv with `@keyv/redis` (node-redis underneath, which sends the commands of one tick as a
 * pipeline, so it sits in the autopipelining group), one client per namespace.
 */
export function keyvRedis(env: BenchEnv): Target {
  return {
    name: `keyv ${KEYV_FOR_REDIS_VERSION} + @keyv/redis ${KEYV_REDIS_VERSION}`,
    group: redisGroup(true),
    role: "peer",
    clearMethod: "clear() of a namespace",
    async connect() {
      const pinger = await openClient(env.redisUrl, false); // also proves Redis is there
      const opened: KeyvLike[] = [];
      return {
        space(name) {
          // What @keyv/redis's createKeyv() does, with keyv 5.6.0.
          const namespace = `bench-${env.runId}-keyv-${name}`;
          const keyv = new Keyv5({
            store: new KeyvRedis(env.redisUrl, { namespace }),
            namespace,
            useKeyPrefix: false,
          });
          opened.push(keyv);
          return keyvSpace(keyv);
        },
        ping: () => pinger.ping(),
        async close() {
          for (const keyv of opened) await keyv.disconnect();
          await pinger.quit();
        },
      };
    },
  };
}
