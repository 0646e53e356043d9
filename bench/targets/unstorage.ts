/**
 * unstorage as a peer, with its memory and redis drivers, through its public API. Path
 * reads and writes are whole reads and get + change + set, as its users must write them.
 *
 * Each space is its own storage with its own driver (`base` set to the namespace for
 * redis): `storage.clear(base)` on a driver mounted at the root deletes nothing (it only
 * clears mounts below `base`), so a per-namespace driver is how a user clears a namespace.
 *
 * @module
 */

// deno-lint-ignore no-import-prefix -- bench-only peer, pinned here so it never reaches the package
import { createStorage, type Storage } from "npm:unstorage@1.17.6";
// deno-lint-ignore no-import-prefix -- bench-only peer, pinned here so it never reaches the package
import memoryDriver from "npm:unstorage@1.17.6/drivers/memory";
// deno-lint-ignore no-import-prefix -- bench-only peer, pinned here so it never reaches the package
import redisDriver from "npm:unstorage@1.17.6/drivers/redis";
import type { JsonValue } from "../../mod.ts";
import type { BenchEnv, Connection, Space, Target } from "../target.ts";
import { assign, pick } from "../workload.ts";
import { clientOptions, openClient, redisGroup } from "./_redis.ts";

/** The unstorage version imported above. */
export const UNSTORAGE_VERSION = "1.17.6";

function storageSpace(storage: Storage<JsonValue>): Space {
  return {
    get: (key) => storage.getItem(key),
    getPath: async (key, path) => pick(await storage.getItem(key), path.segments),
    set: (key, doc, ttlSecs) => storage.setItem(key, doc, { ttl: ttlSecs }),
    async setPath(key, path, value) {
      await storage.setItem(key, assign(await storage.getItem(key), path.segments, value));
    },
    del: (key) => storage.removeItem(key),
    clear: () => storage.clear(),
    close: () => storage.dispose(),
  };
}

/** unstorage with the memory driver (keeps no TTL). */
export function unstorageMemory(): Target {
  return {
    name: `unstorage ${UNSTORAGE_VERSION}`,
    group: "memory",
    role: "peer",
    clearMethod: "clear() of a per-namespace driver",
    connect() {
      const connection: Connection = {
        space: () => storageSpace(createStorage<JsonValue>({ driver: memoryDriver() })),
        close: () => Promise.resolve(),
      };
      return Promise.resolve(connection);
    },
  };
}

/** unstorage with the redis driver (ioredis underneath, with the run's client options). */
export function unstorageRedis(env: BenchEnv, autoPipelining: boolean): Target {
  return {
    name: `unstorage ${UNSTORAGE_VERSION} redis`,
    group: redisGroup(autoPipelining),
    role: "peer",
    clearMethod: "clear() of a per-namespace driver",
    async connect() {
      const pinger = await openClient(env.redisUrl, false);
      const root = `bench-${env.runId}:unstorage-ap${autoPipelining ? 1 : 0}`;
      return {
        space: (name) =>
          storageSpace(createStorage<JsonValue>({
            driver: redisDriver({
              ...clientOptions(autoPipelining),
              lazyConnect: false,
              // The driver sends its first command before its client is connected; only the
              // offline queue (which changes nothing once connected) lets that one wait.
              enableOfflineQueue: true,
              url: env.redisUrl,
              base: `${root}:${name}`,
            }),
          })),
        ping: () => pinger.ping(),
        close: () => pinger.quit().then(() => {}),
      };
    },
  };
}
