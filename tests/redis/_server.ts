/**
 * Finds the Redis the tests share: `REDIS_URL` if set, else the server on
 * 127.0.0.1:6379 if it answers, else a throwaway `redis-server` on a free port, started
 * when this module loads and killed when the test process ends. Data of different runs
 * never mix: tests use random env ids.
 *
 * @module
 */

import { Redis } from "ioredis";
import { RedisStateStore, type RedisStateStoreOptions, TenantCtx } from "../../mod.ts";
import { answersPing, freePort, redisServerPath } from "./_own_server.ts";

async function findRedis(): Promise<string> {
  const fromEnv = Deno.env.get("REDIS_URL");
  if (fromEnv !== undefined && fromEnv !== "") return fromEnv;
  if (await answersPing(6379)) return "redis://127.0.0.1:6379";
  let path: string;
  try {
    path = redisServerPath();
  } catch {
    throw new Error(
      "The Redis tests need a Redis 6.0+ server: set REDIS_URL, run one on " +
        "127.0.0.1:6379, or install redis-server (apt-get install redis-server) so the " +
        "tests can start their own",
    );
  }
  const port = freePort();
  const child = new Deno.Command(path, {
    args: ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
    stdin: "null",
    stdout: "null",
    stderr: "null",
  }).spawn();
  child.unref();
  globalThis.addEventListener("unload", () => {
    try {
      Deno.kill(child.pid, "SIGKILL");
    } catch {
      // gone
    }
  });
  for (let i = 0; i < 200; i++) {
    if (await answersPing(port)) return `redis://127.0.0.1:${port}`;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`The throwaway redis-server on port ${port} did not start`);
}

/** The URL of the shared test Redis. */
export const REDIS_URL: string = await findRedis();

/** A context under a new random env id, so runs never mix. */
export function freshCtx(tenant = "tenant-1"): TenantCtx {
  return new TenantCtx(`redis-${crypto.randomUUID().slice(0, 13)}`, tenant);
}

/** Connects a store that owns its client to the shared test Redis. */
export function connect(options: RedisStateStoreOptions = {}): Promise<RedisStateStore> {
  return RedisStateStore.connect(REDIS_URL, options);
}

/** A raw ioredis client to the shared test Redis (or `url`); `quit` it at the end. */
export function rawClient(url: string = REDIS_URL): Redis {
  return new Redis(url, { maxRetriesPerRequest: 0, lazyConnect: false });
}
