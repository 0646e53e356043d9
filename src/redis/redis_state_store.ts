/**
 * The Redis backend: documents as plain JSON strings at their storage keys, TTLs kept by
 * the server, path writes committed by a Lua compare-and-set.
 *
 * @module
 */

import { parseJson } from "../core/json_parse.ts";
import { displayUrl } from "./_url.ts";
import { closedError, writeArgs } from "../core/args.ts";
import { invalidInput, quote, StateError } from "../core/errors.ts";
import type { JsonValue } from "../core/json_value.ts";
import { createdText, spliceAt } from "../core/json_splice.ts";
import { readAt, writeAt } from "../core/pointer.ts";
import { keyText, type StateKey } from "../core/state_key.ts";
import { pathSegments, type StatePath } from "../core/state_path.ts";
import type { StateStore } from "../core/state_store.ts";
import type { TenantCtx } from "../core/tenant_ctx.ts";
import { type Master, mastersOf, refreshSlots, type SlotMap } from "./_cluster_masters.ts";
import { Deadlines } from "./_deadlines.ts";
import { type KeyLayout, namespaceIn } from "./_key_layout.ts";
import { sharedSlot } from "./_key_slot.ts";
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
  /** The node connections of a cluster, by role. */
  nodes?(role: "all" | "master"): RedisClient[];
  /** A cluster's slot map: per slot, the `host:port` of its master, then its replicas. */
  readonly slots?: readonly (readonly string[] | undefined)[];
  /** Asks a cluster node for the slot map again (`CLUSTER SLOTS`). */
  refreshSlotsCache?(callback: (error?: Error | null) => void): void;
  /** `ROLE`. */
  role?(): Promise<unknown>;
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
   * How storage keys are laid out. `"plain"` is the layout of every backend,
   * `greentic:state:{env}:{tenant}:{team}:{user}:{prefix}:{key}`, where a `{...}` in a
   * prefix or key is a Redis Cluster hash tag: it picks the slot of the keys it appears
   * in. `"namespace-tag"` puts a hash tag over the namespace part,
   * `greentic:state:{env:tenant:team:user:prefix}:key` (braces literal; `%`, `:`, `{` and
   * `}` of the prefix percent-encoded, so that tag is always the first), so a namespace
   * lives in one hash slot: its `delPrefix` and `listKeys` scan one node, but a busy
   * namespace cannot spread over the cluster. The layouts do not see each other's data:
   * choose before storing anything.
   *
   * @default {"plain"}
   */
  keyLayout?: "plain" | "namespace-tag";
  /**
   * How many replicas must acknowledge each write (`setJson`, `del`, each batch of
   * `delPrefix`) before it resolves, with Redis `WAIT` on the connection that wrote. Redis
   * replicates asynchronously: a write acknowledged by a master that dies before its
   * replica got it is lost in the failover. With this, an acknowledged write has reached
   * that many replicas (with as many as each master has, it survives the failover of its
   * master). When fewer acknowledge within {@linkcode RedisStateStoreOptions.waitTimeoutMs}
   * the call rejects with `timeout`: the write was applied on the master but may be lost,
   * as it is while a promoted master has no replica yet. `0` does not wait.
   *
   * @default {0}
   */
  waitReplicas?: number;
  /**
   * How long, in milliseconds, each write waits for the replica acknowledgements of
   * {@linkcode RedisStateStoreOptions.waitReplicas}; less than
   * {@linkcode RedisStateStoreOptions.timeoutMs}.
   *
   * @default {half of timeoutMs}
   */
  waitTimeoutMs?: number;
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
  /**
   * Options for the ioredis `Cluster` that {@linkcode RedisStateStore.connect} makes with
   * `cluster` (see ioredis's `ClusterOptions`: `natMap`, `slotsRefreshTimeout`,
   * `retryDelayOnFailover`...), over ioredis's defaults; its nodes take
   * {@linkcode RedisStateStoreOptions.client}. Ignored by the constructor.
   *
   * @default {{}}
   */
  clusterOptions?: RedisClientOptions;
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
  Required<
    Omit<
      RedisStateStoreOptions,
      "client" | "cluster" | "clusterOptions" | "keyLayout" | "waitTimeoutMs"
    >
  >
> = Object.freeze({
  timeoutMs: 3000,
  maxDocumentBytes: 16 * 1024 * 1024,
  conflictRetries: 64,
  conflictBackoffMs: 1,
  conflictBackoffMaxMs: 50,
  scanCount: 500,
  waitReplicas: 0,
});

/**
 * The ioredis options of a client made by {@linkcode RedisStateStore.connect}: calls fail
 * fast with `unavailable` while Redis is down (no offline queue, no retries of queued
 * commands, no resend of unanswered ones after a reconnect: any of them could apply a
 * write the caller was told had failed, much later, over newer data), reconnection every
 * second at most, auto-pipelining, and a socket that does not close within 500 ms of
 * `close` is destroyed. A cluster client keeps its nodes' offline queues, which it needs
 * to open node connections on first use.
 */
export const DEFAULT_REDIS_CLIENT_OPTIONS: RedisClientOptions = Object.freeze({
  maxRetriesPerRequest: 0,
  autoResendUnfulfilledCommands: false,
  enableOfflineQueue: false,
  enableAutoPipelining: true,
  disconnectTimeout: 500,
  retryStrategy: (times: number) => Math.min(times * 50, 1000),
});

// MOVED and ASK reach the store only from commands sent to one cluster node (SCAN and
// UNLINK of delPrefix): the slot moved meanwhile, in a failover or a resharding.
const RETRYABLE_REPLY =
  /^(?:LOADING|READONLY|MASTERDOWN|CLUSTERDOWN|TRYAGAIN|BUSY|OOM|MOVED|ASK)\b/;
/** How many times `delPrefix` and `listKeys` look for masters that took over. */
const MAX_SCAN_ROUNDS = 3;
/** How many times a write with `WAIT` is sent again after `MOVED` or `CLUSTERDOWN`. */
const CLUSTER_RETRIES = 16;
const GLOB_SPECIAL = /[*?[\]\\]/g;
const NO_OPTIONS: RedisDelPrefixOptions = Object.freeze({});

const parseDocument = (text: string | null): JsonValue | undefined =>
  text === null ? undefined : parseJson(text) as JsonValue;
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
 * On a Redis Cluster (`connect(urls, { cluster: true })`, or a borrowed ioredis `Cluster`)
 * each call goes to the master of its key's slot. `delPrefix` and `listKeys` scan the
 * masters of a freshly refreshed slot map, each once, then any master that took over
 * meanwhile; while a shard has no master they fail with `unavailable` rather than skip
 * it. {@linkcode RedisStateStoreOptions.keyLayout} `"namespace-tag"` keeps a namespace on
 * one slot (one node to scan); {@linkcode RedisStateStoreOptions.waitReplicas} makes each
 * write wait for replica acknowledgements, so a failover does not lose it.
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
  readonly #options: Readonly<
    Required<
      Omit<
        RedisStateStoreOptions,
        "client" | "cluster" | "clusterOptions" | "keyLayout" | "waitTimeoutMs"
      >
    >
  >;
  readonly #layout: KeyLayout;
  readonly #waitTimeoutMs: number;
  /** The client as a cluster, or `null` for a single Redis. */
  readonly #cluster: SlotMap<RedisClient> | null;
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
    this.#layout = layoutOf(options);
    this.#waitTimeoutMs = waitTimeoutOf(options, merged.timeoutMs);
    this.#cluster = null;
    if (client.isCluster === true) {
      for (const member of ["nodes", "refreshSlotsCache", "role"] as const) {
        if (typeof client[member] !== "function") {
          throw invalidInput(
            `Cannot make a Redis store: the cluster client has no ${member} method; pass an ` +
              `ioredis Cluster`,
          );
        }
      }
      this.#cluster = client as RedisClient & SlotMap<RedisClient>;
    }
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
          "Cannot connect to Redis: the URL is malformed (not shown, it may hold a " +
            "password); use redis://[user:password@]host:port[/db]",
        );
      }
      if (parsed.protocol !== "redis:" && parsed.protocol !== "rediss:") {
        throw invalidInput(
          `Cannot connect to Redis at ${quote(displayUrl(text))}: the scheme must be ` +
            `redis:// or rediss://`,
        );
      }
      if (parsed.password !== "") secrets.push(safeDecode(parsed.password), parsed.password);
      return { text, parsed };
    });
    const { timeoutMs } = mergeOptions(options); // checked before anything is opened
    layoutOf(options);
    waitTimeoutOf(options, timeoutMs);
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
      // A cluster's node connections are opened on first use and need their offline
      // queue for that; the cluster client itself fails calls while a slot has no master.
      const {
        lazyConnect: _,
        retryStrategy: __,
        enableOfflineQueue: ___,
        ...redisOptions
      } = clientOptions;
      client = new Cluster(
        nodes.map(({ parsed }) => ({ host: parsed.hostname, port: Number(parsed.port || 6379) })),
        {
          enableAutoPipelining: clientOptions.enableAutoPipelining === true,
          ...options.clusterOptions,
          lazyConnect: true,
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
        store.#redact(
          `Cannot connect to Redis at ${urls.map(displayUrl).join(", ")}: ${failure.message}; `,
        ) +
          (/WRONGPASS|NOAUTH|NOPERM/.test(failure.message)
            ? "check the user name and password in the URL"
            : "check that the server runs and the URL is right"),
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
          `Cannot use database ${db} of Redis at ${urls.map(displayUrl).join(", ")}: ${
            (error as Error).message
          }; use a database number the server has (see its "databases" setting)`,
        );
      }
    }
    return store;
  }

  /**
   * Returns the Redis key that holds `key` in namespace `prefix` of `ctx`, in this store's
   * {@linkcode RedisStateStoreOptions.keyLayout} and after the client's `keyPrefix`: what
   * `redis-cli GET` and `CLUSTER KEYSLOT` take.
   *
   * @example The two layouts
   * ```ts
   * import { RedisStateStore, TenantCtx } from "@greentic/state";
   * import { Redis } from "ioredis";
   * import assert from "node:assert/strict";
   *
   * const client = new Redis({ lazyConnect: true });
   * const ctx = new TenantCtx("dev", "tenant-123").withTeam("ops");
   * const plain = new RedisStateStore(client);
   * assert.equal(plain.storageKey(ctx, "flow{1}", "k"), "greentic:state:dev:tenant-123:ops::flow{1}:k");
   * const tagged = new RedisStateStore(client, { keyLayout: "namespace-tag" });
   * assert.equal(
   *   tagged.storageKey(ctx, "flow{1}", "k"),
   *   "greentic:state:{dev:tenant-123:ops::flow%7B1%7D}:k",
   * );
   * client.disconnect();
   * ```
   *
   * @param ctx The tenant context.
   * @param prefix The namespace.
   * @param key The key.
   * @returns The storage key.
   * @throws {StateError} `invalid_input` if an argument is not valid.
   */
  storageKey(ctx: TenantCtx, prefix: string, key: StateKey | string): string {
    return this.#keyPrefix + this.#space(ctx, prefix) + keyText(key);
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
      storage = this.#space(ctx, prefix) + keyText(key);
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
      (text) => text === null ? undefined : readAt(parseJson(text) as JsonValue, segments),
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
      const space = this.#space(ctx, prefix); // the namespace is checked first, as everywhere
      const checked = writeArgs(key, path, value, ttlSecs);
      storage = space + checked.key;
      ({ segments, ttl, text: json } = checked);
      if (segments.length === 0) this.#checkSize(json, storage);
    } catch (error) {
      return Promise.reject(error);
    }
    if (segments.length > 0) {
      // One deadline for the whole read-modify-write, not only for each of its round trips.
      const deadline = performance.now() + this.#options.timeoutMs;
      return this.#calls.run(
        this.#patch(storage, segments, json, ttl, deadline),
        toVoid,
        this.#failure,
      );
    }
    const client = this.#client;
    if (this.#options.waitReplicas > 0) {
      const set = ttl === null
        ? ["set", storage, json, "KEEPTTL"]
        : ttl === 0
        ? ["set", storage, json]
        : ["set", storage, json, "PX", String(ttl * 1000)];
      return this.#calls.run(this.#replicated(set, storage), toVoid, this.#failure);
    }
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
      storage = this.#space(ctx, prefix) + keyText(key);
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
      storage = this.#space(ctx, prefix) + keyText(key);
    } catch (error) {
      return Promise.reject(error);
    }
    // UNLINK, like DEL, drops an expired key before counting, so only live ones count.
    const reply = this.#options.waitReplicas > 0
      ? this.#replicated(["unlink", storage], storage) as Promise<number>
      : this.#client.unlink(storage);
    return this.#calls.run(reply, (n) => n > 0, this.#failure);
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
    const space = this.#keyPrefix + this.#space(ctx, prefix);
    const onProgress = (options ?? NO_OPTIONS).onProgress;
    const pattern = globEscape(space) + "*";
    let deleted = 0;
    const report = (n: number) => {
      deleted += n;
      if (onProgress !== undefined && n > 0) onProgress(deleted);
    };
    // When every key of the namespace shares a slot (namespace tag, or a {tag} in the
    // prefix or keyPrefix), only that slot's master holds them and a batch is one UNLINK.
    const slot = this.#cluster === null ? null : sharedSlot(space);
    const together = this.#cluster === null || slot !== null;
    await this.#onMasters(
      slot,
      (node) => this.#deleteOnNode(node, space, pattern, report, together),
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
    const space = this.#keyPrefix + this.#space(ctx, prefix);
    const pattern = globEscape(space) + "*";
    // SCAN may return a key twice while Redis rehashes, and a master that took over during
    // the listing is scanned again: `seen` keeps each key to one yield.
    const seen = new Set<string>();
    const slot = this.#cluster === null ? null : sharedSlot(space);
    const done = new Set<string>();
    for (let round = 0;; round++) {
      const masters = await this.#mastersToScan(slot, done, round);
      if (masters.length === 0) return;
      for (const { key, node } of masters) {
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
        done.add(key);
      }
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

  /** The namespace of `(ctx, prefix)` in this store's key layout (without `keyPrefix`). */
  #space(ctx: TenantCtx, prefix: string): string {
    return namespaceIn(this.#layout, ctx, prefix);
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

  /**
   * A path write: read, splice, compare-and-set; again while other writers win. Past
   * `deadline` (when the caller has been told `timeout`) it sends nothing more, so a write
   * the caller gave up on is not made later.
   */
  async #patch(
    storage: string,
    segments: readonly string[],
    valueJson: string,
    ttl: number | null,
    deadline: number,
  ): Promise<void> {
    const mode = ttl === null ? "k" : ttl === 0 ? "p" : String(ttl * 1000);
    const { conflictRetries, conflictBackoffMs, conflictBackoffMaxMs } = this.#options;
    const inTime = () => {
      if (performance.now() >= deadline) {
        throw new StateError(
          "timeout",
          `Redis did not complete the write at ${quote(storage)} in time`,
        );
      }
    };
    for (let attempt = 0;; attempt++) {
      inTime();
      const old = await this.#calls.run(this.#client.get(storage), asIs, this.#failure);
      let json: string;
      if (old === null) {
        json = createdText(segments, 0, valueJson);
      } else {
        const spliced = spliceAt(old, segments, valueJson);
        if (spliced === undefined) {
          let doc: JsonValue;
          try {
            doc = parseJson(old) as JsonValue;
          } catch (error) {
            throw this.#failure(error);
          }
          writeAt(doc, segments, parseJson(valueJson)); // throws the rule the write breaks
          throw new StateError("internal", `Cannot write into ${quote(storage)}: unexpected`);
        }
        json = spliced;
      }
      this.#checkSize(json, storage);
      const args = old === null ? [storage, json, mode] : [storage, json, mode, old];
      inTime();
      if (await this.#eval(CAS_SET, args, inTime) === 1) return;
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

  /**
   * Runs a script by SHA, sending its source once more after `NOSCRIPT`. Scripts are cached
   * per node and not replicated (Redis 7 replicates their effects), so each cluster master,
   * and a replica promoted to master, answers `NOSCRIPT` once; `EVAL` caches it there.
   */
  async #eval(script: LuaScript, args: string[], inTime?: () => void): Promise<unknown> {
    const waiting = this.#options.waitReplicas > 0;
    try {
      return await this.#calls.run(
        waiting
          ? this.#replicated(["evalsha", script.sha, String(script.keys), ...args], args[0]!)
          : this.#client.evalsha(script.sha, script.keys, ...args),
        asIs,
        asIs,
      );
    } catch (error) {
      if (!(error instanceof Error) || !error.message.startsWith("NOSCRIPT")) {
        throw this.#failure(error);
      }
      inTime?.(); // the caller may have been told `timeout` meanwhile: send nothing more
      // EVAL runs the script on the node of its key and caches it there for EVALSHA.
      return await this.#calls.run(
        waiting
          ? this.#replicated(["eval", script.lua, String(script.keys), ...args], args[0]!)
          : this.#client.eval(script.lua, script.keys, ...args),
        asIs,
        this.#failure,
      );
    }
  }

  /**
   * Sends a write and `WAIT` for {@linkcode RedisStateStoreOptions.waitReplicas} in one
   * pipeline, so both go to the connection of the write's key (alone, `WAIT`, which names
   * no key, would go to any node of a cluster). Resolves to the write's reply; rejects with
   * the write's error, or `timeout` when too few replicas acknowledged.
   *
   * `MOVED`, `CLUSTERDOWN` and `TRYAGAIN` answers mean the write was not applied. ioredis
   * does not retry a pipeline whose other command (`WAIT`) succeeded, so it is done here
   * as ioredis does for a lone command: refresh the slot map (after 100 ms unless `MOVED`)
   * and send again, {@linkcode CLUSTER_RETRIES} times at most.
   */
  async #replicated(command: string[], storage: string): Promise<unknown> {
    const wanted = this.#options.waitReplicas;
    const waitMs = this.#waitTimeoutMs;
    for (let attempt = 0;; attempt++) {
      const results = await this.#client
        .pipeline([command, ["wait", String(wanted), String(waitMs)]])
        .exec();
      const [written, acked] = results ?? [];
      if (written === undefined || acked === undefined) {
        throw new StateError("internal", "Redis answered a write pipeline with no replies");
      }
      const [error, reply] = written;
      if (error !== null) {
        const kind = /^(MOVED|CLUSTERDOWN|TRYAGAIN) /.exec(error.message)?.[1];
        if (kind === undefined || this.#cluster === null || attempt >= CLUSTER_RETRIES) {
          throw error;
        }
        if (kind !== "MOVED") await sleep(100);
        this.#checkOpen();
        await refreshSlots(this.#cluster);
        continue;
      }
      if (acked[0] !== null) throw acked[0];
      this.#checkAcked(acked[1], `The write to ${quote(storage)} was applied on the master`);
      return reply;
    }
  }

  /** Throws `timeout` when a `WAIT` reply counts fewer replicas than `waitReplicas`. */
  #checkAcked(count: unknown, applied: string): void {
    const wanted = this.#options.waitReplicas;
    if (typeof count === "number" && count >= wanted) return;
    throw new StateError(
      "timeout",
      `${applied}, but ${count} of the ${wanted} replicas asked for (waitReplicas) ` +
        `acknowledged it within ${this.#waitTimeoutMs} ms, so a failover may undo it; check ` +
        `the replicas, or retry`,
    );
  }

  /**
   * The masters still to scan for keys of `slot` (of every slot when `null`): of a single
   * Redis, the client; of a cluster, the master of each slot from a freshly refreshed slot
   * map, leaving out those in `done`, each confirmed by `ROLE` (see `_cluster_masters.ts`).
   * Called again after a scan, it returns the masters that took over meanwhile, if any.
   *
   * @param round How many times it was called for this scan before.
   * @throws {StateError} `unavailable` when a slot has no master, when roles are changing,
   *   or when masters kept changing for {@linkcode MAX_SCAN_ROUNDS} rounds.
   */
  async #mastersToScan(
    slot: number | null,
    done: ReadonlySet<string>,
    round: number,
  ): Promise<Master<RedisClient>[]> {
    const cluster = this.#cluster;
    if (cluster === null) return done.has("") ? [] : [{ key: "", node: this.#client }];
    for (let attempt = 0;; attempt++) {
      this.#checkOpen();
      await this.#calls.run(refreshSlots(cluster), asIs, this.#failure);
      const masters = mastersOf(cluster, slot).filter((master) => !done.has(master.key));
      if (masters.length > 0 && round >= MAX_SCAN_ROUNDS) {
        throw new StateError(
          "unavailable",
          `Redis Cluster masters kept changing during ${MAX_SCAN_ROUNDS} scans; retry later`,
        );
      }
      const roles = await Promise.all(
        masters.map(({ node }) => this.#calls.run(node.role!(), asIs, this.#failure)),
      );
      if (roles.every((role) => Array.isArray(role) && role[0] === "master")) return masters;
      if (attempt >= 2) {
        throw new StateError(
          "unavailable",
          "Redis Cluster nodes are changing roles (a failover is under way); retry later",
        );
      }
      await sleep(100);
    }
  }

  /**
   * Runs `visit` on each master of `slot` (every master when `null`) at once, then on the
   * masters that took over meanwhile; waits for every visit before reporting a failure.
   */
  async #onMasters(
    slot: number | null,
    visit: (node: RedisClient) => Promise<void>,
  ): Promise<void> {
    const done = new Set<string>();
    for (let round = 0;; round++) {
      const masters = await this.#mastersToScan(slot, done, round);
      if (masters.length === 0) return;
      const results = await Promise.allSettled(masters.map(async ({ key, node }) => {
        await visit(node);
        done.add(key);
      }));
      const failed = results.find((result) => result.status === "rejected");
      if (failed !== undefined) throw (failed as PromiseRejectedResult).reason;
    }
  }

  /**
   * Scans one node for the keys of `space` and unlinks them, a few batches in flight. On a
   * cluster one `UNLINK` may only name keys of one slot: with `together` (the keys share a
   * slot, or the node is a single Redis) a batch is one `UNLINK`, else one `UNLINK` per key
   * in one pipeline. With `waitReplicas`, the pipeline of each batch ends with `WAIT`.
   */
  async #deleteOnNode(
    node: RedisClient,
    space: string,
    pattern: string,
    report: (deleted: number) => void,
    together: boolean,
  ): Promise<void> {
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
      const wanted = this.#options.waitReplicas;
      let unlink: Promise<number>;
      if (together && wanted === 0) {
        unlink = this.#calls.run(node.unlink(...batch), asIs, this.#failure);
      } else {
        const commands = together
          ? [["unlink", ...batch]]
          : batch.map((storage) => ["unlink", storage]);
        if (wanted > 0) commands.push(["wait", String(wanted), String(this.#waitTimeoutMs)]);
        unlink = this.#calls.run(
          node.pipeline(commands).exec(),
          (results) => this.#countUnlinked(results, wanted > 0, batch[0]!),
          this.#failure,
        );
      }
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

  /**
   * Counts the keys a pipeline of `UNLINK`s removed, or throws its first error; when
   * `waited`, the last reply is `WAIT`'s count of replicas, and too few is `timeout`.
   */
  #countUnlinked(
    results: [Error | null, unknown][] | null,
    waited: boolean,
    sample: string,
  ): number {
    const replies = results ?? [];
    const unlinks = waited ? replies.length - 1 : replies.length;
    let count = 0;
    for (let i = 0; i < replies.length; i++) {
      const [error, reply] = replies[i]!;
      if (error !== null) throw error;
      if (i < unlinks) count += reply as number;
      else this.#checkAcked(reply, `${count} entries near ${quote(sample)} were deleted`);
    }
    return count;
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

/** The `waitTimeoutMs` of `options`, checked against `timeoutMs`. */
function waitTimeoutOf(options: RedisStateStoreOptions, timeoutMs: number): number {
  const value = options.waitTimeoutMs ?? Math.max(1, Math.floor(timeoutMs / 2));
  if (
    typeof value !== "number" || !Number.isSafeInteger(value) || value < 1 ||
    value >= timeoutMs
  ) {
    throw invalidInput(
      `Invalid option waitTimeoutMs ${quote(String(value))}: use a whole number from 1 to ` +
        `less than timeoutMs (${timeoutMs})`,
    );
  }
  return value;
}

/** The key layout of `options`, checked. */
function layoutOf(options: RedisStateStoreOptions): KeyLayout {
  const layout = options.keyLayout ?? "plain";
  if (layout !== "plain" && layout !== "namespace-tag") {
    throw invalidInput(
      `Invalid option keyLayout ${quote(String(layout))}: use "plain" or "namespace-tag"`,
    );
  }
  return layout;
}

/** Merges `options` over the defaults, checking each. */
function mergeOptions(
  options: RedisStateStoreOptions,
): Readonly<
  Required<
    Omit<
      RedisStateStoreOptions,
      "client" | "cluster" | "clusterOptions" | "keyLayout" | "waitTimeoutMs"
    >
  >
> {
  const merged = { ...DEFAULT_REDIS_STATE_STORE_OPTIONS };
  for (const name of Object.keys(merged) as (keyof typeof merged)[]) {
    const value = options[name];
    if (value === undefined) continue;
    const min =
      name === "conflictRetries" || name === "conflictBackoffMs" || name === "waitReplicas" ? 0 : 1;
    // Timers hold at most 2^31 - 1 ms; a longer one would fire at once.
    const max = name.endsWith("Ms") ? 2 ** 31 - 1 : Number.MAX_SAFE_INTEGER;
    if (typeof value !== "number" || !Number.isSafeInteger(value) || value < min || value > max) {
      throw invalidInput(
        `Invalid option ${name} ${quote(String(value))}: use a whole number from ${min} to ${max}`,
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

/** Escapes the glob characters of Redis `MATCH` patterns, so `text` matches itself. */
export function globEscape(text: string): string {
  return text.replace(GLOB_SPECIAL, "\\$&");
}

/** Replaces the password of URLs in `text` with `***`. */
function redactUrl(text: string): string {
  return text.replace(/(\b[a-z][a-z0-9+.-]*:\/\/[^:@/\s]*:)\S*@/gi, "$1***@");
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
