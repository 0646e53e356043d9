/**
 * The in-memory backend: one process, no dependencies, exact TTL semantics.
 *
 * @module
 */

import { parseJson } from "../core/json_parse.ts";
import { closedError, writeArgs } from "../core/args.ts";
import type { JsonValue } from "../core/json_value.ts";
import { readAt, writeAt } from "../core/pointer.ts";
import { keyText, type StateKey } from "../core/state_key.ts";
import { pathSegments, type StatePath } from "../core/state_path.ts";
import type { StateStore } from "../core/state_store.ts";
import { namespaceOf } from "../core/storage_key.ts";
import type { TenantCtx } from "../core/tenant_ctx.ts";
import { secondsLeft } from "../core/ttl.ts";

/** Options of {@linkcode InMemoryStateStore}. */
export interface InMemoryStateStoreOptions {
  /**
   * The clock, in epoch milliseconds. Inject one to test TTLs without waiting.
   *
   * @default {Date.now}
   */
  now?: () => number;
}

interface Entry {
  /** The document, serialized: the store's own copy, safe from callers' mutations. */
  json: string;
  /** Epoch ms at which the entry expires; `Infinity` for none. */
  deadline: number;
}

/** How many entries each write inspects for expiry. */
const SWEEP_PER_WRITE = 4;

/**
 * A {@linkcode StateStore} that keeps documents in this process's memory.
 *
 * Documents are held as JSON text, so neither the values passed in nor the values read
 * out share anything with what is stored. Expired entries are invisible at once and their
 * memory is reclaimed by a few steps of sweeping on every write (no timers).
 *
 * @example Store, patch and read a document
 * ```ts
 * import { InMemoryStateStore, StatePath, TenantCtx } from "@greentic/state";
 * import assert from "node:assert/strict";
 *
 * await using store = new InMemoryStateStore();
 * const ctx = new TenantCtx("dev", "tenant-123");
 * await store.setJson(ctx, "flow/example", "node/state", null, { status: "ready" }, 300);
 * await store.setJson(ctx, "flow/example", "node/state", StatePath.fromPointer("/status"), "running");
 * assert.deepEqual(await store.getJson(ctx, "flow/example", "node/state"), { status: "running" });
 * assert.equal(await store.ttl(ctx, "flow/example", "node/state"), 300);
 * ```
 */
export class InMemoryStateStore implements StateStore {
  readonly #now: () => number;
  /** Namespace (see `namespaceOf`) -> key -> entry. */
  readonly #spaces = new Map<string, Map<string, Entry>>();
  #size = 0;
  #closed = false;
  #sweepSpaces: Iterator<[string, Map<string, Entry>]> | null = null;
  #sweepSpace: Map<string, Entry> | null = null;
  #sweepName = "";
  #sweepEntries: Iterator<[string, Entry]> | null = null;

  /**
   * Creates an empty store.
   *
   * @param options The clock to use.
   */
  constructor(options: InMemoryStateStoreOptions = {}) {
    this.#now = options?.now ?? Date.now;
  }

  /** Entries held, expired ones not yet reclaimed included. */
  get size(): number {
    return this.#size;
  }

  /** {@inheritDoc StateStore.getJson} */
  getJson<T = JsonValue>(
    ctx: TenantCtx,
    prefix: string,
    key: StateKey | string,
    path?: StatePath | string | null,
  ): Promise<T | undefined> {
    try {
      this.#checkOpen();
      const space = namespaceOf(ctx, prefix);
      const name = keyText(key);
      const segments = pathSegments(path);
      const entry = this.#live(space, name);
      if (entry === undefined) return Promise.resolve(undefined);
      const doc = parseJson(entry.json) as JsonValue;
      return Promise.resolve((segments.length === 0 ? doc : readAt(doc, segments)) as T);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** {@inheritDoc StateStore.setJson} */
  setJson(
    ctx: TenantCtx,
    prefix: string,
    key: StateKey | string,
    path: StatePath | string | null | undefined,
    value: unknown,
    ttlSecs?: number | null,
  ): Promise<void> {
    try {
      this.#checkOpen();
      const space = namespaceOf(ctx, prefix);
      const { key: name, segments, ttl, text } = writeArgs(key, path, value, ttlSecs);
      const now = this.#now();
      const entry = this.#live(space, name, now);
      const json = segments.length === 0
        ? text
        : JSON.stringify(writeAt(entry && parseJson(entry.json), segments, parseJson(text)));
      const deadline = ttl === null
        ? entry?.deadline ?? Infinity
        : ttl === 0
        ? Infinity
        : now + ttl * 1000;
      if (entry !== undefined) {
        entry.json = json;
        entry.deadline = deadline;
      } else {
        let entries = this.#spaces.get(space);
        if (entries === undefined) this.#spaces.set(space, entries = new Map());
        entries.set(name, { json, deadline });
        this.#size++;
      }
      this.#sweep(now);
      return Promise.resolve();
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** {@inheritDoc StateStore.ttl} */
  ttl(ctx: TenantCtx, prefix: string, key: StateKey | string): Promise<number | null | undefined> {
    try {
      this.#checkOpen();
      const space = namespaceOf(ctx, prefix);
      const name = keyText(key);
      const entry = this.#live(space, name);
      if (entry === undefined) return Promise.resolve(undefined);
      if (entry.deadline === Infinity) return Promise.resolve(null);
      return Promise.resolve(secondsLeft(entry.deadline, this.#now()));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** {@inheritDoc StateStore.del} */
  del(ctx: TenantCtx, prefix: string, key: StateKey | string): Promise<boolean> {
    try {
      this.#checkOpen();
      const space = namespaceOf(ctx, prefix);
      const name = keyText(key);
      const entry = this.#live(space, name);
      if (entry === undefined) return Promise.resolve(false);
      this.#remove(space, name);
      return Promise.resolve(true);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** {@inheritDoc StateStore.delPrefix} */
  delPrefix(ctx: TenantCtx, prefix: string): Promise<number> {
    try {
      this.#checkOpen();
      const space = namespaceOf(ctx, prefix);
      const entries = this.#spaces.get(space);
      if (entries === undefined) return Promise.resolve(0);
      const now = this.#now();
      let live = 0;
      for (const entry of entries.values()) if (now < entry.deadline) live++;
      this.#spaces.delete(space);
      this.#size -= entries.size;
      return Promise.resolve(live);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** {@inheritDoc StateStore.listKeys} */
  async *listKeys(ctx: TenantCtx, prefix: string): AsyncGenerator<string, void, undefined> {
    this.#checkOpen();
    const space = namespaceOf(ctx, prefix);
    const entries = this.#spaces.get(space);
    if (entries === undefined) return;
    // Keys present when the listing starts, each yielded only if still live when its turn
    // comes; keys added meanwhile may be missed (as with Redis SCAN).
    for (const name of [...entries.keys()]) {
      this.#checkOpen();
      if (this.#live(space, name) !== undefined) yield name;
    }
  }

  /** {@inheritDoc StateStore.close} */
  close(): Promise<void> {
    this.#closed = true;
    this.#spaces.clear();
    this.#size = 0;
    this.#sweepSpaces = this.#sweepSpace = this.#sweepEntries = null;
    return Promise.resolve();
  }

  /** Same as {@linkcode InMemoryStateStore.close}. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  #checkOpen(): void {
    if (this.#closed) throw closedError("in-memory store");
  }

  /** Returns the live entry, dropping it if it has expired. */
  #live(space: string, name: string, now: number = this.#now()): Entry | undefined {
    const entry = this.#spaces.get(space)?.get(name);
    if (entry === undefined) return undefined;
    if (now < entry.deadline) return entry;
    this.#remove(space, name);
    return undefined;
  }

  #remove(space: string, name: string): void {
    const entries = this.#spaces.get(space)!;
    entries.delete(name);
    this.#size--;
    if (entries.size === 0) this.#spaces.delete(space);
  }

  /**
   * Inspects a few entries, in a cycle over the whole store, and reclaims expired ones, so
   * memory stays bounded by live data even when expired entries are never read again.
   */
  #sweep(now: number): void {
    let budget = SWEEP_PER_WRITE;
    let restarts = 0;
    while (budget > 0) {
      if (this.#sweepEntries === null) {
        if (this.#sweepSpaces === null) {
          if (restarts++ > 0) return; // went round once: nothing (more) to inspect
          this.#sweepSpaces = this.#spaces.entries();
        }
        const next = this.#sweepSpaces.next();
        if (next.done) {
          this.#sweepSpaces = null;
          continue;
        }
        [this.#sweepName, this.#sweepSpace] = next.value;
        this.#sweepEntries = this.#sweepSpace.entries();
      }
      const step = this.#sweepEntries.next();
      const space = this.#sweepSpace!;
      if (step.done || this.#spaces.get(this.#sweepName) !== space) {
        this.#sweepEntries = null; // finished, or the namespace was deleted meanwhile
        continue;
      }
      budget--;
      const [name, entry] = step.value;
      if (now >= entry.deadline) {
        space.delete(name);
        this.#size--;
        if (space.size === 0) this.#spaces.delete(this.#sweepName);
      }
    }
  }
}
