/**
 * `@greentic/state`: a multi-tenant JSON working-memory store for Greentic flows.
 *
 * Flows keep node state as JSON documents, or parts of them addressed by JSON Pointer,
 * each with an optional TTL, in a namespace derived from the tenant context:
 * `greentic:state:{env}:{tenant}:{team}:{user}:{prefix}:{key}`.
 *
 * This module loads no npm package: the in-memory store needs nothing else.
 *
 * @example Keep flow state in memory
 * ```ts
 * import { InMemoryStateStore, StatePath, TenantCtx } from "@greentic/state";
 * import assert from "node:assert/strict";
 *
 * await using store = new InMemoryStateStore();
 * const ctx = new TenantCtx("dev", "tenant-123").withTeam("ops");
 * await store.setJson(ctx, "flow/example", "node/state", null, { status: "ready" }, 300);
 * await store.setJson(ctx, "flow/example", "node/state", StatePath.fromPointer("/status"), "running", null);
 * assert.equal(await store.getJson(ctx, "flow/example", "node/state", "/status"), "running");
 * assert.equal(await store.delPrefix(ctx, "flow/example"), 1);
 * ```
 *
 * @module
 */

export { StateError, type StateErrorCode, type StateErrorOptions } from "./src/core/errors.ts";
export { EnvId, type IdParser, TeamId, TenantId, UserId } from "./src/core/ids.ts";
export { TenantCtx } from "./src/core/tenant_ctx.ts";
export { StateKey } from "./src/core/state_key.ts";
export { StatePath } from "./src/core/state_path.ts";
export { type JsonValue, MAX_DEPTH } from "./src/core/json_value.ts";
export { MAX_TTL_SECS } from "./src/core/ttl.ts";
export { storageKey } from "./src/core/storage_key.ts";
export type { StateStore } from "./src/core/state_store.ts";
export {
  InMemoryStateStore,
  type InMemoryStateStoreOptions,
} from "./src/memory/in_memory_store.ts";
export {
  DEFAULT_REDIS_CLIENT_OPTIONS,
  DEFAULT_REDIS_STATE_STORE_OPTIONS,
  type RedisClient,
  type RedisClientOptions,
  type RedisDelPrefixOptions,
  RedisStateStore,
  type RedisStateStoreOptions,
} from "./src/redis/redis_state_store.ts";
