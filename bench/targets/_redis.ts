/**
 * Redis clients of the benchmark: every ioredis-based row (this project's store and the raw
 * baselines) gets a client made here, so they share the same options.
 *
 * @module
 */

import { Redis } from "ioredis";
import { DEFAULT_REDIS_CLIENT_OPTIONS, type RedisClientOptions } from "../../mod.ts";
import { Unavailable } from "../target.ts";

/** The autopipelining settings measured. */
export const PIPELINING = [true, false] as const;

/** The group name of the Redis rows with autopipelining `on`. */
export function redisGroup(autoPipelining: boolean): string {
  return `redis ap=${autoPipelining ? "on" : "off"}`;
}

/**
 * The options of every ioredis client of the run (this project's store, the raw baselines
 * and unstorage's driver): the store's defaults, with autopipelining on or off.
 */
export function clientOptions(autoPipelining: boolean): RedisClientOptions {
  return {
    ...DEFAULT_REDIS_CLIENT_OPTIONS,
    enableAutoPipelining: autoPipelining,
    lazyConnect: true,
  };
}

/**
 * Opens an ioredis client with the run's options and checks the server answers.
 *
 * @throws {Unavailable} when it does not.
 */
export async function openClient(url: string, autoPipelining: boolean): Promise<Redis> {
  // No reconnection: a server that is not there makes the row skip at once.
  const options = { ...clientOptions(autoPipelining), retryStrategy: () => null };
  // `as never`: ioredis's option types clash with exactOptionalPropertyTypes.
  const client = new Redis(url, options as never);
  client.on("error", () => {}); // reported by the failing command instead
  try {
    await client.connect();
    await client.ping();
  } catch (error) {
    client.disconnect();
    throw new Unavailable(`Redis not reachable at ${url}: ${(error as Error).message}`);
  }
  return client;
}

/** Closes a client, whatever state it is in. */
export async function closeClient(client: Redis): Promise<void> {
  try {
    await client.quit();
  } catch {
    client.disconnect();
  }
}

/**
 * Deletes every key of the run: all of them contain the run id (random hex, so no glob
 * character), and nothing else is touched. Returns how many were deleted.
 */
export async function deleteRunKeys(url: string, runId: string): Promise<number> {
  if (!/^[0-9a-f]+$/.test(runId)) throw new Error(`Unsafe run id ${JSON.stringify(runId)}`);
  const client = await openClient(url, false);
  let deleted = 0;
  try {
    let cursor = "0";
    do {
      const [next, keys] = await client.scan(cursor, "MATCH", `*${runId}*`, "COUNT", 1000);
      cursor = next;
      if (keys.length > 0) deleted += await client.unlink(...keys);
    } while (cursor !== "0");
  } finally {
    await closeClient(client);
  }
  return deleted;
}
