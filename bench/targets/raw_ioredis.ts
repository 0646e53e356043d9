/**
 * The Redis baselines, written by hand with raw ioredis and the same client options as this
 * project's store: `GET` + `JSON.parse`, `SET` + `JSON.stringify`, the atomic path update a
 * careful user writes (GET, change in JS, compare-and-set in Lua via `EVALSHA`, retry) and
 * the non-atomic one a careless user writes (GET, change, `SET KEEPTTL`).
 *
 * @module
 */

import type { Redis } from "ioredis";
import type { BenchEnv, Connection, Space, Target } from "../target.ts";
import { assign, pick } from "../workload.ts";
import { closeClient, openClient, redisGroup } from "./_redis.ts";

/**
 * Compare-and-set: replaces the value only if it is still the one read (`ARGV[1]`, or ""
 * for "was absent"), keeping its TTL. Returns 1 when it wrote.
 */
const CAS_LUA = `
local current = redis.call('GET', KEYS[1])
if (current == false and ARGV[1] == '') or current == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[2], 'KEEPTTL')
  return 1
end
return 0`;

type CasClient = Redis & {
  benchCas(key: string, expected: string, next: string): Promise<number>;
};

function connectRaw(
  env: BenchEnv,
  autoPipelining: boolean,
  tag: string,
  make: (client: CasClient, prefix: string) => Space,
): () => Promise<Connection> {
  return async () => {
    const client = await openClient(env.redisUrl, autoPipelining) as CasClient;
    const pinger = await openClient(env.redisUrl, false);
    client.defineCommand("benchCas", { numberOfKeys: 1, lua: CAS_LUA });
    const root = `bench-${env.runId}:${tag}-ap${autoPipelining ? 1 : 0}`;
    return {
      space: (name) => make(client, `${root}:${name}:`),
      ping: () => pinger.ping(),
      async close() {
        await closeClient(client);
        await closeClient(pinger);
      },
    };
  };
}

const parse = (json: string | null) => json === null ? undefined : JSON.parse(json);

/** Raw `GET` + parse, `SET EX` + stringify, `DEL`, and `SCAN` + `UNLINK` for a namespace. */
export function rawIoredis(env: BenchEnv, autoPipelining: boolean): Target {
  return {
    name: "ioredis GET/SET",
    group: redisGroup(autoPipelining),
    role: "baseline",
    baselineFor: ["get", "get-path", "set", "del", "clear"],
    clearMethod: "SCAN+UNLINK",
    connect: connectRaw(env, autoPipelining, "raw", (client, prefix) => ({
      get: async (key) => parse(await client.get(prefix + key)),
      getPath: async (key, path) => pick(parse(await client.get(prefix + key)), path.segments),
      set: (key, doc, ttlSecs) => client.set(prefix + key, JSON.stringify(doc), "EX", ttlSecs),
      del: (key) => client.del(prefix + key),
      async clear() {
        let deleted = 0;
        let cursor = "0";
        do {
          const [next, keys] = await client.scan(cursor, "MATCH", `${prefix}*`, "COUNT", 1000);
          cursor = next;
          if (keys.length > 0) deleted += await client.unlink(...keys);
        } while (cursor !== "0");
        return deleted;
      },
    })),
  };
}

/** The hand-written atomic path update: GET, change in JS, Lua compare-and-set, retry. */
export function rawCas(env: BenchEnv, autoPipelining: boolean): Target {
  return {
    name: "ioredis GET+CAS (atomic)",
    group: redisGroup(autoPipelining),
    role: "baseline",
    measures: ["set-path"],
    baselineFor: ["set-path"],
    connect: connectRaw(env, autoPipelining, "cas", (client, prefix) => ({
      get: async (key) => parse(await client.get(prefix + key)),
      async setPath(key, path, value) {
        const k = prefix + key;
        for (;;) {
          const before = await client.get(k);
          const next = JSON.stringify(assign(parse(before), path.segments, value));
          if (await client.benchCas(k, before ?? "", next) === 1) return;
        }
      },
      seed: (key, doc, ttlSecs) => client.set(prefix + key, JSON.stringify(doc), "EX", ttlSecs),
    })),
  };
}

/** The careless path update: GET, change in JS, `SET KEEPTTL`; loses concurrent updates. */
export function rawCareless(env: BenchEnv, autoPipelining: boolean): Target {
  return {
    name: "ioredis GET+SET KEEPTTL (not atomic)",
    group: redisGroup(autoPipelining),
    role: "reference",
    measures: ["set-path"],
    connect: connectRaw(env, autoPipelining, "careless", (client, prefix) => ({
      get: async (key) => parse(await client.get(prefix + key)),
      async setPath(key, path, value) {
        const k = prefix + key;
        const doc = assign(parse(await client.get(k)), path.segments, value);
        await client.set(k, JSON.stringify(doc), "KEEPTTL");
      },
      seed: (key, doc, ttlSecs) => client.set(prefix + key, JSON.stringify(doc), "EX", ttlSecs),
    })),
  };
}
