/**
 * Chooses and opens the store a command works on.
 *
 * @module
 */

import { join } from "node:path";
import { displayUrl } from "../redis/_url.ts";
import type { StateStore } from "../core/state_store.ts";
import { InMemoryStateStore } from "../memory/in_memory_store.ts";

/** The default file of the durable store, relative to the working directory. */
export const DEFAULT_DB_FILE = "./.greentic-state.db";

/** How the user asked for a store. */
export interface StoreChoice {
  /** `--redis URL`. */
  redis?: string | undefined;
  /** `--db FILE`. */
  db?: string | undefined;
  /** `--memory`: an in-memory store, gone when the command ends. */
  memory?: boolean | undefined;
}

/** An open store and a description of it for `--verbose`. */
export interface OpenedStore {
  /** The store. */
  store: StateStore;
  /** What it is, such as `redis redis://127.0.0.1:6379` (no password). */
  description: string;
}

/**
 * Opens the store: `--memory`, else `--redis URL` or `REDIS_URL`, else `--db FILE`, else
 * the file store at {@linkcode DEFAULT_DB_FILE}.
 */
export async function openStore(
  choice: StoreChoice,
  env: (name: string) => string | undefined,
  cwd = ".",
): Promise<OpenedStore> {
  if (choice.memory) {
    return { store: new InMemoryStateStore(), description: "in-memory store (not kept)" };
  }
  const redis = choice.redis ?? env("REDIS_URL");
  if (redis !== undefined && redis !== "") {
    const { RedisStateStore } = await import("../redis/redis_state_store.ts");
    const store = await RedisStateStore.connect(redis);
    return { store, description: `redis ${displayUrl(redis)}` };
  }
  const path = choice.db ?? join(cwd, DEFAULT_DB_FILE);
  const { SqliteStateStore } = await import("../../sqlite.ts");
  return { store: new SqliteStateStore({ path }), description: `sqlite ${path}` };
}

/** Removes the password (and user) from a URL for display. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== "") parsed.password = "***";
    return parsed.toString();
  } catch {
    return url.replace(/\/\/\S*@/, "//***@");
  }
}
