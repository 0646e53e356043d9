/**
 * One store operation, as the CLI and `run` scripts describe it, and its execution.
 *
 * @module
 */

import { StateError } from "../core/errors.ts";
import type { JsonValue } from "../core/json_value.ts";
import type { StateStore } from "../core/state_store.ts";
import { TenantCtx } from "../core/tenant_ctx.ts";

/** The commands that act on a store. */
export const OPERATIONS = ["get", "set", "del", "del-prefix", "ttl", "keys"] as const;

/** The name of a store command. */
export type OperationName = typeof OPERATIONS[number];

/** A validated operation, ready to execute. */
export interface Operation {
  /** The command. */
  op: OperationName;
  /** The tenant context. */
  ctx: TenantCtx;
  /** The namespace. */
  prefix: string;
  /** The state key (all but `del-prefix` and `keys`). */
  key: string;
  /** The JSON Pointer (get, set). */
  path: string | null;
  /** The value (set). */
  value: JsonValue | undefined;
  /** The TTL in seconds (set); null keeps the current one. */
  ttl: number | null;
}

/** A usage mistake: exit code 2. */
export class UsageError extends Error {
  /** Makes an error with a message that says how to fix the call. */
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

/** The fields of an operation before validation (from flags or a JSON line). */
export interface OperationFields {
  op?: unknown;
  env?: unknown;
  tenant?: unknown;
  team?: unknown;
  user?: unknown;
  prefix?: unknown;
  key?: unknown;
  path?: unknown;
  value?: unknown;
  ttl?: unknown;
}

/** The fields each operation takes, besides the target (env, tenant, team, user, prefix). */
const FIELDS: Record<OperationName, readonly (keyof OperationFields)[]> = {
  get: ["key", "path"],
  set: ["key", "path", "value", "ttl"],
  del: ["key"],
  "del-prefix": [],
  ttl: ["key"],
  keys: [],
};

const TARGET_FIELDS = ["op", "env", "tenant", "team", "user", "prefix"] as const;

/**
 * Checks the fields of an operation; store-level checks (key, pointer, value) come later.
 *
 * @param fields The fields, from command-line options or a script line.
 * @param source `"options"` to word messages as `--flag`s, `"script"` as JSON fields.
 */
export function toOperation(
  fields: OperationFields,
  source: "options" | "script" = "options",
): Operation {
  const show = (field: string) => source === "options" ? `--${field}` : `"${field}"`;
  const op = fields.op;
  if (typeof op !== "string" || !(OPERATIONS as readonly string[]).includes(op)) {
    throw new UsageError(
      op === undefined
        ? `The operation is missing: set "op" to one of ${OPERATIONS.join(", ")}`
        : `Unknown operation ${JSON.stringify(op)}: use one of ${OPERATIONS.join(", ")}`,
    );
  }
  const name = op as OperationName;
  const allowed = new Set<string>([...TARGET_FIELDS, ...FIELDS[name]]);
  for (const [field, value] of Object.entries(fields)) {
    if (value !== undefined && !allowed.has(field)) {
      throw new UsageError(
        `${name} takes no ${show(field)}` +
          (FIELDS[name].length > 0 ? `; it takes ${FIELDS[name].map(show).join(", ")}` : ""),
      );
    }
  }
  const text = (field: keyof OperationFields, required: boolean): string | undefined => {
    const value = fields[field];
    if (value === undefined || value === null) {
      if (required) throw new UsageError(`${name} needs ${show(field)}`);
      return undefined;
    }
    if (typeof value !== "string") {
      throw new UsageError(`${show(field)} must be a string, got ${JSON.stringify(value)}`);
    }
    return value;
  };
  const ctx = new TenantCtx(
    text("env", true)!,
    text("tenant", true)!,
    text("team", false) ?? null,
    text("user", false) ?? null,
  );
  const needsKey = name !== "del-prefix" && name !== "keys";
  const value = fields.value;
  if (name === "set" && value === undefined) {
    throw new UsageError(
      source === "options"
        ? "set needs a value: --value JSON, --file FILE, or JSON on stdin"
        : 'set needs "value"',
    );
  }
  return {
    op: name,
    ctx,
    prefix: text("prefix", true)!,
    key: needsKey ? text("key", true)! : "",
    path: text("path", false) ?? null,
    value: value as JsonValue | undefined,
    ttl: parseTtl(fields.ttl, show("ttl"), source),
  };
}

function parseTtl(ttl: unknown, shown: string, source: "options" | "script"): number | null {
  if (ttl === undefined || ttl === null) return null;
  if (typeof ttl === "number") return ttl; // range and whole-ness are the store's to check
  // A number of any kind goes to the store, whose check says what is wrong with it.
  if (source === "options" && typeof ttl === "string" && /^-?[0-9]+(\.[0-9]+)?$/.test(ttl)) {
    return Number(ttl);
  }
  throw new UsageError(
    `${shown} must be a whole number of seconds (0 removes the TTL), got ${JSON.stringify(ttl)}`,
  );
}

/** What an operation answered, as a JSON object (one line of `run` output). */
export type Answer = { ok: true } & Record<string, JsonValue>;

/** Options of {@linkcode execute}. */
export interface ExecuteOptions {
  /** Called with the running count during a `del-prefix`, when the store reports it. */
  onProgress?: (deleted: number) => void;
}

/** Runs one operation on a store. */
export async function execute(
  store: StateStore,
  op: Operation,
  options: ExecuteOptions = {},
): Promise<Answer> {
  switch (op.op) {
    case "get": {
      const value = await store.getJson(op.ctx, op.prefix, op.key, op.path);
      return value === undefined ? { ok: true, found: false } : { ok: true, found: true, value };
    }
    case "set":
      await store.setJson(op.ctx, op.prefix, op.key, op.path, op.value as JsonValue, op.ttl);
      return { ok: true };
    case "del":
      return { ok: true, deleted: await store.del(op.ctx, op.prefix, op.key) };
    case "del-prefix": {
      const withProgress = store as StateStore & {
        delPrefix(
          ctx: TenantCtx,
          prefix: string,
          options?: { onProgress?: (deleted: number) => void },
        ): Promise<number>;
      };
      const deleted = options.onProgress
        ? await withProgress.delPrefix(op.ctx, op.prefix, { onProgress: options.onProgress })
        : await store.delPrefix(op.ctx, op.prefix);
      return { ok: true, deleted };
    }
    case "ttl": {
      const ttl = await store.ttl(op.ctx, op.prefix, op.key);
      return ttl === undefined ? { ok: true, found: false } : { ok: true, found: true, ttl };
    }
    case "keys": {
      const keys: string[] = [];
      for await (const key of store.listKeys(op.ctx, op.prefix)) keys.push(key);
      return { ok: true, keys };
    }
  }
}

/** The answer of a failed operation, as a `run` output line. */
export function failure(
  error: unknown,
  line: number,
): { ok: false; line: number; error: { code: string; message: string } } {
  const code = error instanceof StateError
    ? error.code
    : error instanceof UsageError
    ? "invalid_input"
    : "internal";
  const message = error instanceof Error ? error.message : String(error);
  return { ok: false, line, error: { code, message } };
}
