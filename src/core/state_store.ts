/**
 * The contract every backend implements.
 *
 * @module
 */

import type { JsonValue } from "./json_value.ts";
import type { StateKey } from "./state_key.ts";
import type { StatePath } from "./state_path.ts";
import type { TenantCtx } from "./tenant_ctx.ts";

/**
 * A multi-tenant JSON working-memory store. Documents live at
 * `(ctx, prefix, key)`; parts of them are addressed by JSON Pointer.
 *
 * Every method validates all its arguments before it looks at any data and rejects with
 * a `StateError`; after {@linkcode StateStore.close} every call is `unavailable`.
 */
export interface StateStore extends AsyncDisposable {
  /**
   * Reads a document, or the part of it at `path`.
   *
   * `T` is the type the caller expects (default {@linkcode JsonValue}); it is not
   * checked, as with `Deno.Kv.get<T>`.
   *
   * @returns The value; `undefined` if the entry is absent or expired, or the path does
   *   not resolve. Objects are fresh plain objects the caller may change.
   */
  getJson<T = JsonValue>(
    ctx: TenantCtx,
    prefix: string,
    key: StateKey | string,
    path?: StatePath | string | null,
  ): Promise<T | undefined>;

  /**
   * Writes a document, or the part of it at `path`, atomically.
   *
   * `value` must be JSON (see {@linkcode JsonValue}); it is checked at run time, so values
   * typed with an interface are accepted by the compiler and checked all the same.
   *
   * @param ttlSecs `null`/`undefined` keeps the current TTL (none for a new entry), a
   *   positive number of seconds sets a new deadline, `0` removes the TTL.
   */
  setJson(
    ctx: TenantCtx,
    prefix: string,
    key: StateKey | string,
    path: StatePath | string | null | undefined,
    value: unknown,
    ttlSecs?: number | null,
  ): Promise<void>;

  /**
   * Seconds left before the entry expires, rounded up; `null` when it has no TTL;
   * `undefined` when it is absent or expired.
   */
  ttl(ctx: TenantCtx, prefix: string, key: StateKey | string): Promise<number | null | undefined>;

  /** Deletes an entry. Resolves to `true` if a live entry was removed. */
  del(ctx: TenantCtx, prefix: string, key: StateKey | string): Promise<boolean>;

  /**
   * Deletes every entry of the namespace `(ctx, prefix)` (exactly that namespace, not
   * prefixes that start with it). Resolves to the number of live entries removed.
   */
  delPrefix(ctx: TenantCtx, prefix: string): Promise<number>;

  /** Yields the keys of the live entries of the namespace `(ctx, prefix)`. */
  listKeys(ctx: TenantCtx, prefix: string): AsyncIterable<string>;

  /** Releases the store's resources; later calls are `unavailable`. */
  close(): Promise<void>;
}
