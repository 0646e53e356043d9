/**
 * Redis clients of the benchmark: every ioredis-based row (this project's store and the raw
 * baselines) gets a client made here, so they share the same options.
 *
 * @module
 */

import { Redis } from "ioredis";
import { Unavailable } from "../target.ts";

/** The autopipelining settings measured. */
export const PIPELINING = [true, false] as const;

/** The group name of the Redis rows with autopipelining `on`. */
export function redisGroup(autoPipelining: boolean): string {
  return `redis ap=${autoPipelining ? "on" : "off"}`;
}

/** The ioredis options every client of the run is made with. */
export interface ClientOptions {
  /** ioredis `enableAutoPipelining`. */
  enableAutoPipelining: boolean;
  /** Connect on `connect()` rather than at once. */
  lazyConnect: boolean;
  /** Retries of a command across reconnections. */
  maxRetriesPerRequest: number;
}

/** The options of every ioredis client of the run, apart from autopipelining. */
export function clientOptions(autoPipelining: boolean): ClientOptions {
  return { enableAutoPipelining: autoPipelining, lazyConnect: true, maxRetriesPerRequest: 2 };
}

/**
 * Opens an ioredis client with the run's options and checks the server answers.
 *
 * @throws {Unavailable} when it does not.
 */
export async function openClient(url: string, autoPipelining: boolean): Promise<Redis> {
  const client = new Redis(url, { ...clientOptions(autoPipelining), retryStrategy: () => null });
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
