/**
 * The storage-key layout shared by every backend:
 * `greentic:state:{env}:{tenant}:{team}:{user}:{prefix}:{key}`.
 *
 * @module
 */

import { checkText, keyText } from "./state_key.ts";
import type { StateKey } from "./state_key.ts";
import { ctxScope } from "./tenant_ctx.ts";
import type { TenantCtx } from "./tenant_ctx.ts";

/**
 * Encodes a prefix for the storage key: `%` becomes `%25` and `:` becomes `%3A`, so the
 * encoded prefix never contains `:` and the key after it is unambiguous.
 */
export function encodePrefix(prefix: string): string {
  if (prefix.indexOf("%") === -1 && prefix.indexOf(":") === -1) return prefix;
  return prefix.replaceAll("%", "%25").replaceAll(":", "%3A");
}

/** Reverses {@linkcode encodePrefix}. */
export function decodePrefix(encoded: string): string {
  return encoded.replaceAll("%3A", ":").replaceAll("%25", "%");
}

/**
 * Returns the namespace of `(ctx, prefix)`: the storage-key start that every key of that
 * namespace, and no other, has. It ends with `:`.
 */
export function namespaceOf(ctx: TenantCtx, prefix: string): string {
  return ctxScope(ctx) + encodePrefix(checkText("prefix", prefix)) + ":";
}

/**
 * Returns the storage key of `key` in namespace `prefix` of tenant context `ctx`.
 *
 * The mapping is injective: ids cannot contain `:`, the encoded prefix cannot either,
 * and the key is everything after the seventh `:`.
 *
 * @example The key layout
 * ```ts
 * import { storageKey, TenantCtx } from "@greentic/state";
 * import assert from "node:assert/strict";
 *
 * const ctx = new TenantCtx("dev", "tenant-123").withUser("alice");
 * assert.equal(
 *   storageKey(ctx, "flow:1", "node/state"),
 *   "greentic:state:dev:tenant-123::alice:flow%3A1:node/state",
 * );
 * ```
 *
 * @param ctx The tenant context.
 * @param prefix The namespace within the context; any well-formed string.
 * @param key The state key.
 * @returns The storage key.
 * @throws {StateError} `invalid_input` if an argument is not valid.
 */
export function storageKey(ctx: TenantCtx, prefix: string, key: StateKey | string): string {
  return namespaceOf(ctx, prefix) + keyText(key);
}
