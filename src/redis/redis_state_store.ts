/**
 * The Redis backend: documents as plain JSON strings at their storage keys, TTLs kept by
 * the server, path writes committed by a Lua compare-and-set.
 *
 * @module
 */

import { checkWrite, closedError } from "../core/args.ts";
import { invalidInput, quote, StateError } from "../core/errors.ts";
import type { JsonValue } from "../core/json_value.ts";
import { createdText, spliceAt } from "../core/json_splice.ts";
import { readAt, writeAt } from "../core/pointer.ts";
import { keyText, type StateKey } from "../core/state_key.ts";
import { pathSegments, type StatePath } from "../core/state_path.ts";
import type { StateStore } from "../core/state_store.ts";
import { namespaceOf } from "../core/storage_key.ts";
import type { TenantCtx } from "../core/tenant_ctx.ts";
import { checkTtl } from "../core/ttl.ts";
import { Deadlines } from "./_deadlines.ts";
import { CAS_SET, type LuaScript } from "./_scripts.ts";

/**
 * What the store needs of a Redis client: the commands it sends, in ioredis's form. An
 * ioredis `Redis` or `Cluster` has them all.
 */
export interface RedisClient {
  /** `GET key`. */
  get(key: string): Promise<string | null>;
  /** `SET key value`. */
  set(key: string, value: string): Promise<unknown>;
  /** `SET key value KEEPTTL`. */
  set(key: string, value: string, keepTtl: "KEEPTTL"): Promise<unknown>;
  /** `SET key value PX milliseconds`. */
  set(key: string, value: string, px: "PX", milliseconds: string): Promise<unknown>;
  /** `PTTL key`. */
  pttl(key: string): Promise<number>;
  /** `UNLINK key...`. */
  unlink(...keys: string[]): Promise<number>;
  /** `EVALSHA sha numkeys key... arg...`. */
  evalsha(sha: string, keys: number, ...args: string[]): Promise<unknown>;
  /** `EVAL script numkeys key... arg...`. */
  eval(lua: string, keys: number, ...args: string[]): Promise<unknown>;
  /** `SCAN cursor MATCH pattern COUNT count`. */
  scan(
    cursor: string,
    match: "MATCH",
    pattern: string,
    count: "COUNT",
    hint: number,
  ): Promise<[string, string[]]>;
  /** A pipeline of commands given as `[name, ...args]`. */
  pipeline(commands: string[][]): { exec(): Promise<[Error | null, unknown][] | null> };
  /** Closes the connection gracefully. */
  quit(): Promise<unknown>;
  /** Closes the connection at once. */
  disconnect(): void;
  /** Listens to one event (`end`). */
  once(event: string, listener: (...args: unknown[]) => void): unknown;
  /** Listens to an event (`error`). */
  on(event: string, listener: (...args: unknown[]) => void): unknown;
  /** Stops listening. */
  off(event: string, listener: (...args: unknown[]) => void): unknown;
  /** The connection state: `ready` when commands are answered. */
  readonly status: string;
  /** Set on an ioredis `Cluster`. */
  readonly isCluster?: boolean;
  /** The nodes of a cluster, by role. */
  nodes?(role: "master"): RedisClient[];
}

/** Options for an ioredis client (see ioredis's `RedisOptions`). */
export type RedisClientOptions = { readonly [option: string]: unknown };

/** Options of {@linkcode RedisStateStore}. */
export interface RedisStateStoreOptions {
  /**
   * How long, in milliseconds, the store waits for each answer from Redis. A call that
   * gets none in time rejects with `timeout` (or `unavailable` when the client is not
   * connected); a write that timed out may still have been applied.
   *
   * @default {3000}
   */
  timeoutMs?: number;
  /**
   * The largest document stored, in UTF-8 bytes of its JSON text, measured on the
   * document that would be stored (so a path write that grows it past the limit fails).
   * Larger writes are `invalid_input` and write nothing.
   *
   * @default {16777216}
   */
  maxDocumentBytes?: number;
  /**
   * How many times a path write retries after losing a race with another writer of the
   * same document before it rejects with `conflict`.
   *
   * @default {64}
   */
  conflictRetries?: number;
  /**
   * The first delay, in milliseconds, before retrying a path write that lost a race; it
   * doubles with each retry up to {@linkcode RedisStateStoreOptions.conflictBackoffMaxMs},
   * and each wait is a random part of it (full jitter).
   *
   * @default {1}
   */
  conflictBackoffMs?: number;
  /**
   * The longest delay, in milliseconds, between retries of a path write.
   *
   * @default {50}
   */
  conflictBackoffMaxMs?: number;
  /**
   * The `COUNT` hint of each `SCAN` of `delPrefix` and `listKeys`: larger is faster on
   * big namespaces, smaller keeps each Redis step shorter for other clients (measured on
   * a 100k-key delete: 500 deletes about 350k keys/s with a concurrent `PING` p99 of 3-4
   * ms, 250 about 290k keys/s at 2 ms, 1000 about 420k keys/s at 5 ms).
   *
   * @default {500}
   */
  scanCount?: number;
  /**
   * Options for the ioredis client that {@linkcode RedisStateStore.connect} creates,
   * merged over {@linkcode DEFAULT_REDIS_CLIENT_OPTIONS}. Ignored by the constructor.
   *
   * @default {DEFAULT_REDIS_CLIENT_OPTIONS}
   */
  client?: RedisClientOptions;
  /**
   * Whether {@linkcode RedisStateStore.connect} makes an ioredis `Cluster` (the URLs are
   * its seed nodes) rather than a single-server client. Ignored by the constructor.
   *
   * @default {true when several URLs are given}
   */
  cluster?: boolean;
}

/** Options of one {@linkcode RedisStateStore.delPrefix} call. */
export interface RedisDelPrefixOptions {
  /**
   * Called after each batch of deletes with the number of live entries removed so far,
   * for progress displays.
   *
   * @default {undefined}
   */
  onProgress?: (deleted: number) => void;
}

/** The defaults of {@linkcode RedisStateStoreOptions}. */
export const DEFAULT_REDIS_STATE_STORE_OPTIONS: Readonly<
  Required<Omit<RedisStateStoreOptions, "client" | "cluster">>
> = Object.freeze({
  timeoutMs: 3000,
  maxDocumentBytes: 16 * 1024 * 1024,
  conflictRetries: 64,
  conflictBackoffMs: 1,
  conflictBackoffMaxMs: 50,
  scanCount: 500,
});

/**
 * The ioredis options of a client made by {@linkcode RedisStateStore.connect}: calls fail
 * fast with `unavailable` while Redis is down (no retries of queued commands, no resend
 * of unanswered ones after a reconnect, which could apply a timed-out write much later),
 * reconnection every second at most, auto-pipelining, and a socket that does not close
 * within 500 ms of `close` is destroyed.
 */
export const DEFAULT_REDIS_CLIENT_OPTIONS: RedisClientOptions = Object.freeze({
  maxRetriesPerRequest: 0,
  autoResendUnfulfilledCommands: false,
  enableAutoPipelining: true,
  disconnectTimeout: 500,
  retryStrategy: (times: number) => Math.min(times * 50, 1000),
});

const RETRYABLE_REPLY = /^(?:LOADING|READONLY|MASTERDOWN|CLUSTERDOWN|TRYAGAIN|BUSY|OOM)\b/;
const GLOB_SPECIAL = /[*?[\]\\]/g;
const NO_OPTIONS: RedisDelPrefixOptions = Object.freeze({});

const parseDocument = (text: string | null): JsonValue | undefined =>
  text === null ? undefined : JSON.parse(text) as JsonValue;
const toVoid = (): void => {};
const asIs = <T>(reply: T): T => reply;

/**
 * A {@linkcode StateStore} on Redis (6.0 or later), for many workers sharing working
 * memory.
 *
 * Each document is a plain JSON string at its storage key (`redis-cli GET` shows it) with
 * the TTL kept by the server in milliseconds. Whole writes are one `SET` (`PX` for a new
 * TTL, `KEEPTTL` to keep it, neither to persist); path writes read the document, splice
 * the new value into its text (untouched parts keep their exact text, big integers
 * included) and commit with a Lua compare-and-set run by SHA, retrying with bounded
 * backoff when another writer got there first. `delPrefix` and `listKeys` use `SCAN` with
 * an escaped `MATCH` pattern (on a cluster, on every master) and delete with `UNLINK`.
 *
 * Every call settles within {@linkcode RedisStateStoreOptions.timeoutMs} per answer
 * awaited, with `unavailable` when Redis cannot be reached and `timeout` when it does not
 * answer; the same store works again once Redis is back (scripts lost in a restart are
 * sent again). Error messages keep Redis's text but never the password of the URL.
 *
 * A borrowed client's ioredis `keyPrefix` is honoured: documents live at
 * `keyPrefix + storageKey(...)`, and `delPrefix`/`listKeys` scan under it.
 *
 * @example Connect, write, patch and read
 * ```ts
 * import { RedisStateStore, TenantCtx } from "@greentic/state";
 * import assert from "node:assert/strict";
 *
 * await using store = await RedisStateStore.connect(
 *   Deno.env.get("REDIS_URL") ?? "redis://127.0.0.1:6379",
 * );
 * const ctx = new TenantCtx(`doc-${crypto.randomUUID().slice(0, 8)}`, "tenant-123");
 * await store.setJson(ctx, "flow/example", "node/state", null, { status: "ready" }, 300);
 * await store.setJson(ctx, "flow/example", "node/state", "/status", "running");
 * assert.deepEqual(await store.getJson(ctx, "flow/example", "node/state"), { status: "running" });
 * assert.equal(await store.delPrefix(ctx, "flow/example"), 1);
 * ```
 */
export class RedisStateStore implements StateStore {
  readonly #client: RedisClient;
  #owned = false;
  readonly #options: Readonly<Required<Omit<RedisStateStoreOptions, "client" | "cluster">>>;
  readonly #calls: Deadlines;
  readonly #secrets: string[];
  /** ioredis's `keyPrefix` of the client: added to keys, but not to `SCAN` patterns. */
  readonly #keyPrefix: string;
  #closed = false;

  /**
   * Makes a store on a client the caller keeps: {@linkcode RedisStateStore.close} leaves
   * it open.
   *
   * @param client An ioredis `Redis` or `Cluster`.
   * @param options Timeouts, limits and retries.
   * @throws {StateError} `invalid_input` if an option is out of range or `client` lacks a
   *   command.
   */
  constructor(client: RedisClient, options: RedisStateStoreOptions = {}) {
    const merged = mergeOptions(options);
    for (const command of ["get", "set", "pttl", "unlink", "evalsha", "eval", "scan"] as const) {
      if (typeof (client as Partial<RedisClient> | null)?.[command] !== "function") {
        throw invalidInput(
          `Cannot make a Redis store: the client has no ${command} command; pass an ioredis ` +
            `Redis or Cluster`,
        );
      }
    }
    this.#client = client;
    this.#options = merged;
    this.#secrets = [];
    const settings = settingsOf(client);
    const password = settings?.password ?? settings?.redisOptions?.password;
    if (typeof password === "string" && password !== "") this.#secrets.push(password);
    this.#keyPrefix = keyPrefixOf(client);
    this.#calls = new Deadlines(merged.timeoutMs, this.#expired);
  }

  /**
   * Connects to Redis and returns a store that owns its client:
   * {@linkcode RedisStateStore.close} closes it. ioredis is loaded on first use.
   *
   * @param url A `redis://` or `rediss://` URL (`redis://user:password@host:port/db`), or
   *   the seed nodes of a cluster.
   * @param options Timeouts, limits, retries, ioredis client options, cluster or not.
   * @returns The connected store.
   * @throws {StateError} `invalid_input` for a bad URL or option, `unavailable` or
   *   `timeout` if Redis cannot be reached within `timeoutMs`.
   */
  static async connect(
    url: string | readonly string[],
    options: RedisStateStoreOptions = {},
  ): Promise<RedisStateStore> {
    const urls = typeof url === "string" ? [url] : url;
    if (!Array.isArray(urls) || urls.length === 0) {
      throw invalidInput("Cannot connect to Redis: give a redis:// URL, or a list for a cluster");
    }
    const cluster = options.cluster ?? urls.length > 1;
    if (!cluster && urls.length > 1) {
      throw invalidInput(
        `Cannot connect to Redis: ${urls.length} URLs given without the cluster option; ` +
          `give one URL, or set cluster: true`,
      );
    }
    const secrets: string[] = [];
    const nodes = urls.map((text) => {
      let parsed: URL;
      try {
        if (typeof text !== "string") throw new TypeError("not a string");
        parsed = new URL(text);
      } catch {
        throw invalidInput(
          `Cannot connect to Redis at ${
            quote(redactUrl(String(text)))
          }: not a URL; use redis://host:port`,
        );
      }
      if (parsed.protocol !== "redis:" && parsed.protocol !== "rediss:") {
        throw invalidInput(
          `Cannot connect to Redis at ${quote(redactUrl(text))}: the scheme must be ` +
            `redis:// or rediss://`,
        );
      }
      if (parsed.password !== "") secrets.push(safeDecode(parsed.password), parsed.password);
      return { text, parsed };
    });
    const { timeoutMs } = mergeOptions(options); // checked before anything is opened
    let ioredis: Pick<typeof import("ioredis"), "Redis" | "Cluster">;
    try {
      ioredis = await import("ioredis");
    } catch (error) {
      throw new StateError(
        "unavailable",
        `Cannot load ioredis: ${String(error)}; add the npm package ioredis@6 to the project`,
      );
    }
    const { Redis, Cluster } = ioredis;
    const clientOptions: { [option: string]: unknown } = {
      ...DEFAULT_REDIS_CLIENT_OPTIONS,
      connectTimeout: timeoutMs,
      ...options.client,
      lazyConnect: true,
    };
    let client: RedisClient & { connect(): Promise<void>; select(db: number): Promise<unknown> };
    if (!cluster) {
      // `as never`: ioredis's option types clash with exactOptionalPropertyTypes.
      client = new Redis(nodes[0]!.text, clientOptions as never) as unknown as typeof client;
    } else {
      const first = nodes[0]!.parsed;
      const { lazyConnect: _, retryStrategy: __, ...redisOptions } = clientOptions;
      client = new Cluster(
        nodes.map(({ parsed }) => ({ host: parsed.hostname, port: Number(parsed.port || 6379) })),
        {
          lazyConnect: true,
          enableAutoPipelining: clientOptions.enableAutoPipelining === true,
          redisOptions: {
            ...redisOptions,
            ...(first.username === "" ? {} : { username: safeDecode(first.username) }),
            ...(first.password === "" ? {} : { password: safeDecode(first.password) }),
            ...(first.protocol === "rediss:" ? { tls: {} } : {}),
          } as never,
        },
      ) as unknown as typeof client;
    }
    // Errors are reported by the calls; without a listener ioredis prints them.
    client.on("error", toVoid);
    const store = new RedisStateStore(client as unknown as RedisClient, options);
    store.#owned = true;
    store.#secrets.push(...secrets);
    let socketError: unknown; // the reason behind "Connection is closed", if any
    const remember = (error: unknown) => socketError = error;
    client.on("error", remember);
    try {
      await store.#calls.run(client.connect(), asIs, store.#failure);
    } catch (error) {
      await store.close();
      const failure = store.#failure(socketError ?? error);
      throw new StateError(
        failure.code === "timeout" || (error as StateError).code === "timeout"
          ? "timeout"
          : "unavailable",
        `Cannot connect to Redis at ${urls.map(redactUrl).join(", ")}: ${failure.message}; ` +
          `check that the server runs and the URL is right`,
      );
    } finally {
      client.off("error", remember);
    }
    // ioredis only logs a failed SELECT of the URL's database and goes on in database 0:
    // select it again here, so a database the server lacks is an error, not a wrong place.
    const db = cluster ? 0 : Number(nodes[0]!.parsed.pathname.slice(1) || 0);
    if (db !== 0) {
      try {
        await store.#calls.run(client.select(db), asIs, store.#failure);
      } catch (error) {
        await store.close();
        throw new StateError(
          "invalid_input",
          `Cannot use database ${db} of Redis at ${urls.map(redactUrl).join(", ")}: ${
            (error as Error).message
          }; use a database number the server has (see its "databases" setting)`,
        );
      }
    }
    return store;
  }

  /** {@inheritDoc StateStore.getJson} */
  getJson<T = JsonValue>(
    ctx: TenantCtx,
    prefix: string,
    key: StateKey | string,
    path?: StatePath | string | null,
  ): Promise<T | undefined> {
    let storage: string;
    let segments: readonly string[];
    try {
      this.#checkOpen();
      storage = namespaceOf(ctx, prefix) + keyText(key);
      segments = pathSegments(path);
    } catch (error) {
      return Promise.reject(error);
    }
    const reply = this.#client.get(storage);
    if (segments.length === 0) {
      return this.#calls.run(reply, parseDocument, this.#failure) as Promise<T | undefined>;
    }
    return this.#calls.run(
      reply,
      (text) => text === null ? undefined : readAt(JSON.parse(text) as JsonValue, segments),
      this.#failure,
    ) as Promise<T | undefined>;
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
    let storage: string;
    let segments: readonly string[];
    let ttl: number | null;
    let json: string;
    try {
      this.#checkOpen();
      storage = namespaceOf(ctx, prefix) + keyText(key);
      segments = pathSegments(path);
      ttl = checkTtl(ttlSecs);
      json = checkWrite(segments, value);
      if (segments.length === 0) this.#checkSize(json, storage);
    } catch (error) {
      return Promise.reject(error);
    }
    if (segments.length > 0) return this.#patch(storage, segments, json, ttl);
    const client = this.#client;
    const reply = ttl === null
      ? client.set(storage, json, "KEEPTTL")
      : ttl === 0
      ? client.set(storage, json)
      : client.set(storage, json, "PX", String(ttl * 1000));
    return this.#calls.run(reply, toVoid, this.#failure);
  }

  /** {@inheritDoc StateStore.ttl} */
  ttl(ctx: TenantCtx, prefix: string, key: StateKey | string): Promise<number | null | undefined> {
    let storage: string;
    try {
      this.#checkOpen();
      storage = namespaceOf(ctx, prefix) + keyText(key);
    } catch (error) {
      return Promise.reject(error);
    }
    return this.#calls.run(this.#client.pttl(storage), secondsOf, this.#failure);
  }

  /** {@inheritDoc StateStore.del} */
  del(ctx: TenantCtx, prefix: string, key: StateKey | string): Promise<boolean> {
    let storage: string;
    try {
      this.#checkOpen();
      storage = namespaceOf(ctx, prefix) + keyText(key);
    } catch (error) {
      return Promise.reject(error);
    }
    // UNLINK, like DEL, drops an expired key before counting, so only live ones count.
    return this.#calls.run(this.#client.unlink(storage), (n) => n > 0, this.#failure);
  }

  /**
   * Deletes every entry of the namespace `(ctx, prefix)` (exactly that namespace, not
   * prefixes that start with it), scanning with `SCAN MATCH` (every master of a cluster)
   * and deleting in batches with `UNLINK`. Entries other clients write while it runs may
   * or may not be deleted; entries of other namespaces never are.
   *
   * @param ctx The tenant context.
   * @param prefix The namespace.
   * @param options A progress callback.
   * @returns The number of live entries removed.
   */
  async delPrefix(
    ctx: TenantCtx,
    prefix: string,
    options: RedisDelPrefixOptions = NO_OPTIONS,
  ): Promise<number> {
    this.#checkOpen();
    const space = this.#keyPrefix + namespaceOf(ctx, prefix);
    const onProgress = (options ?? NO_OPTIONS).onProgress;
    const pattern = globEscape(space) + "*";
    let deleted = 0;
    const report = (n: number) => {
      deleted += n;
      if (onProgress !== undefined && n > 0) onProgress(deleted);
    };
    await Promise.all(
      this.#nodes().map((node) => this.#deleteOnNode(node, space, pattern, report)),
    );
    return deleted;
  }

  /**
   * Yields the keys of the live entries of the namespace `(ctx, prefix)`, streamed batch
   * by batch with `SCAN MATCH` (every master of a cluster). Each key is yielded once: the
   * keys already yielded are remembered, since `SCAN` may return a key twice. Entries
   * written or removed during the listing may or may not be seen.
   *
   * @param ctx The tenant context.
   * @param prefix The namespace.
   * @returns The keys, in no particular order.
   */
  async *listKeys(ctx: TenantCtx, prefix: string): AsyncGenerator<string, void, undefined> {
    this.#checkOpen();
    const space = this.#keyPrefix + namespaceOf(ctx, prefix);
    const pattern = globEscape(space) + "*";
    const seen = new Set<string>(); // SCAN may return a key twice while Redis rehashes
    for (const node of this.#nodes()) {
      let cursor = "0";
      do {
        this.#checkOpen();
        const [next, keys] = await this.#calls.run(
          node.scan(cursor, "MATCH", pattern, "COUNT", this.#options.scanCount),
          asIs,
          this.#failure,
        );
        cursor = next;
        for (const storage of keys) {
          if (!storage.startsWith(space)) continue;
          const name = storage.slice(space.length);
          if (seen.has(name)) continue;
          seen.add(name);
          yield name;
        }
      } while (cursor !== "0");
    }
  }

  /**
   * Closes the store: calls in flight reject with `unavailable`, later calls too. A client
   * made by {@linkcode RedisStateStore.connect} is closed (with `QUIT`, cut off when Redis
   * does not answer within `timeoutMs`); a borrowed one is left open.
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#calls.abortAll(closedError("Redis state store"));
    if (!this.#owned) return;
    const client = this.#client;
    if (client.status !== "end") {
      // QUIT lets Redis answer what was sent; a server that does not answer in time is
      // cut off.
      const ended = new Promise<void>((resolve) => client.once("end", () => resolve()));
      if (client.status === "ready") client.quit().catch(toVoid);
      else client.disconnect();
      if (!await within(ended, this.#options.timeoutMs)) {
        client.disconnect();
        await within(ended, this.#options.timeoutMs);
      }
    }
    client.off("error", toVoid);
  }

  /** Same as {@linkcode RedisStateStore.close}. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  #checkOpen(): void {
    if (this.#closed) throw closedError("Redis state store");
  }

  #checkSize(json: string, storage: string): void {
    const limit = this.#options.maxDocumentBytes;
    if (json.length * 3 <= limit) return; // UTF-8 needs at most 3 bytes per UTF-16 unit
    const bytes = utf8Length(json);
    if (bytes > limit) {
      throw invalidInput(
        `Cannot store the document at ${quote(storage)}: it is ${bytes} bytes of JSON, ` +
          `more than the limit of ${limit}; store less, or raise maxDocumentBytes`,
      );
    }
  }

  /** A path write: read, splice, compare-and-set; again while other writers win. */
  async #patch(
    storage: string,
    segments: readonly string[],
    valueJson: string,
    ttl: number | null,
  ): Promise<void> {
    const mode = ttl === null ? "k" : ttl === 0 ? "p" : String(ttl * 1000);
    const { conflictRetries, conflictBackoffMs, conflictBackoffMaxMs } = this.#options;
    for (let attempt = 0;; attempt++) {
      const old = await this.#calls.run(this.#client.get(storage), asIs, this.#failure);
      let json: string;
      if (old === null) {
        json = createdText(segments, 0, valueJson);
      } else {
        const spliced = spliceAt(old, segments, valueJson);
        if (spliced === undefined) {
          let doc: JsonValue;
          try {
            doc = JSON.parse(old) as JsonValue;
          } catch (error) {
            throw this.#failure(error);
          }
          writeAt(doc, segments, JSON.parse(valueJson)); // throws the rule the write breaks
          throw new StateError("internal", `Cannot write into ${quote(storage)}: unexpected`);
        }
        json = spliced;
      }
      this.#checkSize(json, storage);
      const args = old === null ? [storage, json, mode] : [storage, json, mode, old];
      if (await this.#eval(CAS_SET, args) === 1) return;
      if (attempt >= conflictRetries) {
        throw new StateError(
          "conflict",
          `Cannot write at ${quote(storage)}: other writers changed the document ` +
            `${attempt + 1} times in a row; nothing was written, retry later or raise ` +
            `conflictRetries`,
        );
      }
      this.#checkOpen();
      const cap = Math.min(conflictBackoffMaxMs, conflictBackoffMs * 2 ** attempt);
      await sleep(Math.random() * cap);
      this.#checkOpen();
    }
  }

  /** Runs a script by SHA, sending its source once more after `NOSCRIPT`. */
  async #eval(script: LuaScript, args: string[]): Promise<unknown> {
    try {
      return await this.#calls.run(
        this.#client.evalsha(script.sha, script.keys, ...args),
        asIs,
        asIs,
      );
    } catch (error) {
      if (!(error instanceof Error) || !error.message.startsWith("NOSCRIPT")) {
        throw this.#failure(error);
      }
      // EVAL runs the script on the node of its key and caches it there for EVALSHA.
      return await this.#calls.run(
        this.#client.eval(script.lua, script.keys, ...args),
        asIs,
        this.#failure,
      );
    }
  }

  /** The nodes to scan: every master of a cluster, else the client itself. */
  #nodes(): RedisClient[] {
    const client = this.#client;
    if (client.isCluster === true && typeof client.nodes === "function") {
      const masters = client.nodes("master");
      if (masters.length === 0) {
        throw new StateError("unavailable", "Redis Cluster has no master connected yet; retry");
      }
      return masters;
    }
    return [client];
  }

  async #deleteOnNode(
    node: RedisClient,
    space: string,
    pattern: string,
    report: (deleted: number) => void,
  ): Promise<void> {
    const perKey = this.#client.isCluster === true; // keys of one node may span slots
    const nodePrefix = keyPrefixOf(node);
    if (!space.startsWith(nodePrefix)) {
      throw new StateError(
        "internal",
        `Cannot delete: the keyPrefix ${quote(nodePrefix)} of a cluster node differs from ` +
          `the client's ${quote(this.#keyPrefix)}`,
      );
    }
    const pending = new Set<Promise<void>>();
    let failure: unknown;
    let cursor = "0";
    do {
      this.#checkOpen();
      const [next, keys] = await this.#calls.run(
        node.scan(cursor, "MATCH", pattern, "COUNT", this.#options.scanCount),
        asIs,
        this.#failure,
      );
      cursor = next;
      // Keys as the node's client names them: without its keyPrefix, which it adds back.
      const batch: string[] = [];
      for (const storage of keys) {
        if (storage.startsWith(space)) batch.push(storage.slice(nodePrefix.length));
      }
      if (batch.length === 0) continue;
      const unlink = perKey
        ? this.#calls.run(
          node.pipeline(batch.map((storage) => ["unlink", storage])).exec(),
          countPipeline,
          this.#failure,
        )
        : this.#calls.run(node.unlink(...batch), asIs, this.#failure);
      const done: Promise<void> = unlink.then(report, (error) => {
        failure ??= error;
      }).finally(() => pending.delete(done));
      pending.add(done);
      // Keep a few deletes in flight while scanning on, no more.
      if (pending.size >= 4) await Promise.race(pending);
      if (failure !== undefined) break;
    } while (cursor !== "0");
    await Promise.all(pending);
    if (failure !== undefined) throw failure;
  }

  /** Makes the error of a call that got no answer in time. */
  #expired = (): StateError => {
    const status = this.#client.status;
    if (status === "ready" || status === "connect") {
      return new StateError(
        "timeout",
        `Redis did not answer within ${this.#options.timeoutMs} ms; a write may or may ` +
          `not have been applied`,
      );
    }
    return new StateError(
      "unavailable",
      `Redis is not reachable (connection ${status}) and did not come back within ` +
        `${this.#options.timeoutMs} ms`,
    );
  };

  /** Turns an error of the client, or of reading a document, into a `StateError`. */
  #failure = (error: unknown): StateError => {
    if (error instanceof StateError) return error;
    if (error instanceof SyntaxError) {
      return new StateError(
        "internal",
        `Cannot read the stored document: it is not valid JSON (${error.message}); ` +
          `replace it with a whole-document write`,
      );
    }
    const raw = error instanceof Error ? error.message : String(error);
    const message = this.#redact(raw).replace(/\.$/, "");
    const options = message === raw ? { cause: error } : undefined;
    const name = error instanceof Error ? error.name : "";
    if (name === "ReplyError" || (raw !== "" && /^[A-Z]{3,}[A-Z_]* /.test(raw))) {
      if (RETRYABLE_REPLY.test(raw)) {
        return new StateError("unavailable", `Redis cannot serve now: ${message}`, options);
      }
      return new StateError("internal", `Redis answered with an error: ${message}`, options);
    }
    if (/timed out/i.test(raw)) {
      return new StateError("timeout", `Redis did not answer in time: ${message}`, options);
    }
    return new StateError("unavailable", `Redis is not reachable: ${message}`, options);
  };

  #redact(message: string): string {
    let out = redactUrl(message);
    for (const secret of this.#secrets) out = out.replaceAll(secret, "***");
    return out;
  }
}

function settingsOf(
  client: RedisClient,
): { password?: unknown; keyPrefix?: unknown; redisOptions?: { password?: unknown } } | undefined {
  return (client as { options?: ReturnType<typeof settingsOf> }).options;
}

/** The `keyPrefix` option of an ioredis client, or `""`. */
function keyPrefixOf(client: RedisClient): string {
  const prefix = settingsOf(client)?.keyPrefix;
  return typeof prefix === "string" ? prefix : "";
}

/** Merges `options` over the defaults, checking each. */
function mergeOptions(
  options: RedisStateStoreOptions,
): Readonly<Required<Omit<RedisStateStoreOptions, "client" | "cluster">>> {
  const merged = { ...DEFAULT_REDIS_STATE_STORE_OPTIONS };
  for (const name of Object.keys(merged) as (keyof typeof merged)[]) {
    const value = options[name];
    if (value === undefined) continue;
    const min = name === "conflictRetries" || name === "conflictBackoffMs" ? 0 : 1;
    if (typeof value !== "number" || !Number.isSafeInteger(value) || value < min) {
      throw invalidInput(
        `Invalid option ${name} ${quote(String(value))}: use a whole number from ${min} upwards`,
      );
    }
    merged[name] = value;
  }
  return Object.freeze(merged);
}

/** Seconds left from a `PTTL` reply: `undefined` when absent, `null` without TTL. */
function secondsOf(pttl: number): number | null | undefined {
  if (pttl === -2) return undefined;
  if (pttl === -1) return null;
  return Math.max(1, Math.ceil(pttl / 1000));
}

/** Counts the keys a pipeline of single-key `UNLINK`s removed, or throws its first error. */
function countPipeline(results: [Error | null, unknown][] | null): number {
  let count = 0;
  for (const [error, n] of results ?? []) {
    if (error !== null) throw error;
    count += n as number;
  }
  return count;
}

/** Escapes the glob characters of Redis `MATCH` patterns, so `text` matches itself. */
export function globEscape(text: string): string {
  return text.replace(GLOB_SPECIAL, "\\$&");
}

/** Replaces the password of URLs in `text` with `***`. */
function redactUrl(text: string): string {
  return text.replace(/(\b[a-z][a-z0-9+.-]*:\/\/[^:@/\s]*:)[^@\s]*@/gi, "$1***@");
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** The length of `text` in UTF-8 bytes (well-formed or not: lone surrogates take 3). */
function utf8Length(text: string): number {
  let bytes = text.length;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) continue;
    if (c < 0x800) bytes += 1;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
      const d = text.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        bytes += 2; // a pair: 4 bytes for 2 units
        i++;
      } else bytes += 2;
    } else bytes += 2;
  }
  return bytes;
}

/** Whether `promise` settles within `ms`; the timer is cleared either way. */
async function within(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([promise.then(() => true), late]);
  } finally {
    clearTimeout(timer);
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
