/**
 * The tenant context: which env, tenant, team and user a piece of state belongs to.
 *
 * @module
 */

import { describeType, parseId } from "./ids.ts";
import { invalidInput } from "./errors.ts";

/** The constant first part of every storage key. */
export const KEY_ROOT = "greentic:state:";

let scopeOfCtx: (ctx: TenantCtx) => string;
let isCtx: (value: object) => value is TenantCtx;

/**
 * An immutable tenant context. Every id is validated when the context is made, so a
 * context can never name a namespace that is not its own.
 *
 * @example Scope a context to a team and a user
 * ```ts
 * import { TenantCtx } from "@greentic/state";
 * import assert from "node:assert/strict";
 *
 * const ctx = new TenantCtx("dev", "tenant-123");
 * const scoped = ctx.withTeam("ops").withUser("alice");
 * assert.equal(scoped.team, "ops");
 * assert.equal(scoped.user, "alice");
 * assert.equal(ctx.team, null); // the original is unchanged
 * assert.equal(scoped.withTeam(null).team, null);
 * ```
 */
export class TenantCtx {
  /** The environment id, such as `dev`. */
  readonly env: string;
  /** The tenant id. */
  readonly tenant: string;
  /** The team id, or `null` when the context is not scoped to a team. */
  readonly team: string | null;
  /** The user id, or `null` when the context is not scoped to a user. */
  readonly user: string | null;
  #scope: string;

  static {
    scopeOfCtx = (ctx) => ctx.#scope;
    isCtx = (value): value is TenantCtx => #scope in value;
  }

  /**
   * Makes a context.
   *
   * @param env The environment id (`^[A-Za-z0-9._-]+$`).
   * @param tenant The tenant id (same rule).
   * @param team An optional team id (same rule), `null` or omitted for none.
   * @param user An optional user id (same rule), `null` or omitted for none.
   * @throws {StateError} `invalid_input` naming the id that is not valid.
   */
  constructor(env: string, tenant: string, team: string | null = null, user: string | null = null) {
    this.env = parseId("env", env);
    this.tenant = parseId("tenant", tenant);
    this.team = team === null || team === undefined ? null : parseId("team", team);
    this.user = user === null || user === undefined ? null : parseId("user", user);
    this.#scope = `${KEY_ROOT}${this.env}:${this.tenant}:${this.team ?? ""}:${this.user ?? ""}:`;
    Object.freeze(this);
  }

  /**
   * Returns a copy scoped to `team`, or not scoped to a team when `team` is `null`.
   *
   * @param team The team id, or `null`.
   * @returns A new context; this one is unchanged.
   */
  withTeam(team: string | null): TenantCtx {
    return new TenantCtx(this.env, this.tenant, team, this.user);
  }

  /**
   * Returns a copy scoped to `user`, or not scoped to a user when `user` is `null`.
   *
   * @param user The user id, or `null`.
   * @returns A new context; this one is unchanged.
   */
  withUser(user: string | null): TenantCtx {
    return new TenantCtx(this.env, this.tenant, this.team, user);
  }

  /** Shows the context as `env/tenant[/team:…][/user:…]`. */
  toString(): string {
    let text = `${this.env}/${this.tenant}`;
    if (this.team !== null) text += `/team:${this.team}`;
    if (this.user !== null) text += `/user:${this.user}`;
    return text;
  }
}

/**
 * Returns the storage-key scope of a context: `greentic:state:{env}:{tenant}:{team}:{user}:`.
 * A context made by another copy of this module is re-validated field by field.
 */
export function ctxScope(ctx: unknown): string {
  if (typeof ctx === "object" && ctx !== null && isCtx(ctx)) return scopeOfCtx(ctx);
  if (typeof ctx !== "object" || ctx === null) {
    throw invalidInput(`Invalid tenant context: expected a TenantCtx, got ${describeType(ctx)}`);
  }
  const { env, tenant, team, user } = ctx as Record<string, unknown>;
  const checked = new TenantCtx(
    env as string,
    tenant as string,
    (team ?? null) as string | null,
    (user ?? null) as string | null,
  );
  return scopeOfCtx(checked);
}
