/**
 * Validated identifiers of the tenant model: env, tenant, team and user ids.
 *
 * @module
 */

import { invalidInput, quote } from "./errors.ts";

/** A parser of one kind of id. */
export interface IdParser {
  /** Returns `value` if it is a valid id of this kind, else throws `invalid_input`. */
  parse(value: string): string;
}

const ID_PATTERN = /^[A-Za-z0-9._-]+$/;

/** Checks `value` against the id rule and returns it, or throws `invalid_input` naming `field`. */
export function parseId(field: string, value: unknown): string {
  if (typeof value !== "string") {
    throw invalidInput(`Invalid ${field} id: expected a string, got ${describeType(value)}`);
  }
  if (value.length === 0) {
    throw invalidInput(`Invalid ${field} id: it is empty; use letters, digits, ".", "_" or "-"`);
  }
  if (!ID_PATTERN.test(value)) {
    throw invalidInput(
      `Invalid ${field} id ${quote(value)}: use only letters, digits, ".", "_" or "-"`,
    );
  }
  return value;
}

/** Names the type of a value for error messages. */
export function describeType(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  const type = typeof value;
  if (type === "object") {
    const ctor = (value as { constructor?: { name?: unknown } }).constructor;
    return typeof ctor?.name === "string" && ctor.name !== "Object"
      ? `an instance of ${ctor.name}`
      : "an object";
  }
  return type === "undefined" ? "undefined" : `a ${type}`;
}

/**
 * An environment id, such as `dev` or `prod-eu`.
 *
 * @example Parse an env id
 * ```ts
 * import { EnvId } from "@greentic/state";
 * import assert from "node:assert/strict";
 *
 * assert.equal(EnvId.parse("prod-eu"), "prod-eu");
 * assert.throws(() => EnvId.parse("prod:eu"));
 * ```
 */
export const EnvId: IdParser = {
  /** Returns `value` if it is a valid env id, else throws `invalid_input`. */
  parse(value: string): string {
    return parseId("env", value);
  },
};

/**
 * A tenant id, such as `tenant-123`.
 *
 * @example Parse a tenant id
 * ```ts
 * import { TenantId } from "@greentic/state";
 * import assert from "node:assert/strict";
 *
 * assert.equal(TenantId.parse("tenant-123"), "tenant-123");
 * ```
 */
export const TenantId: IdParser = {
  /** Returns `value` if it is a valid tenant id, else throws `invalid_input`. */
  parse(value: string): string {
    return parseId("tenant", value);
  },
};

/**
 * A team id within a tenant, such as `ops`.
 *
 * @example Parse a team id
 * ```ts
 * import { TeamId } from "@greentic/state";
 * import assert from "node:assert/strict";
 *
 * assert.equal(TeamId.parse("ops"), "ops");
 * ```
 */
export const TeamId: IdParser = {
  /** Returns `value` if it is a valid team id, else throws `invalid_input`. */
  parse(value: string): string {
    return parseId("team", value);
  },
};

/**
 * A user id within a tenant, such as `alice`.
 *
 * @example Parse a user id
 * ```ts
 * import { UserId } from "@greentic/state";
 * import assert from "node:assert/strict";
 *
 * assert.equal(UserId.parse("alice"), "alice");
 * ```
 */
export const UserId: IdParser = {
  /** Returns `value` if it is a valid user id, else throws `invalid_input`. */
  parse(value: string): string {
    return parseId("user", value);
  },
};
