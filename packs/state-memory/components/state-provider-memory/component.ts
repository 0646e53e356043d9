/**
 * The `state-provider-memory` component: describes the in-memory state provider, runs its
 * setup QA and serves `state.dispatch` from this project's {@link InMemoryStateStore},
 * compiled into the component (state lives as long as the component instance).
 *
 * Bundled to one ES module and compiled with componentize-js by `tools/packs/component.ts`.
 *
 * @module
 */
import { InMemoryStateStore, StateError, TenantCtx } from "../../../../mod.ts";
import type { JsonValue } from "../../../../mod.ts";
import { makeExports, type ProviderSpec } from "../../../shared/provider_kit.ts";
import messages from "../../i18n/en.json" with { type: "json" };

const store = new InMemoryStateStore();

const scopeSchema = {
  env: { type: "string" },
  tenant: { type: "string" },
  team: { type: ["string", "null"] },
  user: { type: ["string", "null"] },
  prefix: { type: "string" },
};

/** The spec of the memory provider. */
export const spec: ProviderSpec = {
  provider: "state-provider-memory",
  i18nPrefix: "state.memory",
  messages,
  questions: [
    { id: "max_entries", kind: "integer", required: false, secret: false, default: 10000, min: 1 },
    { id: "default_ttl_seconds", kind: "integer", required: false, secret: false, default: 0 },
  ],
  inputSchema: {
    type: "object",
    required: ["op", "env", "tenant", "prefix"],
    properties: {
      op: { type: "string", enum: ["get", "set", "del", "del_prefix", "ttl", "list_keys"] },
      ...scopeSchema,
      key: { type: "string" },
      path: { type: ["string", "null"] },
      value: {},
      ttl_seconds: { type: ["integer", "null"], minimum: 0 },
    },
  },
  outputSchema: {
    type: "object",
    required: ["ok"],
    properties: {
      ok: { type: "boolean" },
      value: {},
      found: { type: "boolean" },
      deleted: { type: ["boolean", "integer"] },
      ttl_seconds: { type: ["integer", "null"] },
      keys: { type: "array", items: { type: "string" } },
      error: {
        type: "object",
        required: ["code", "message"],
        properties: { code: { type: "string" }, message: { type: "string" } },
      },
    },
  },
  invoke: dispatch,
};

function field(input: Record<string, unknown>, name: string): string {
  const v = input[name];
  if (typeof v !== "string") {
    throw new StateError("invalid_input", `Field "${name}" must be a string, got ${typeof v}`);
  }
  return v;
}

function optional(input: Record<string, unknown>, name: string): string | null {
  const v = input[name];
  if (v === undefined || v === null) return null;
  if (typeof v !== "string") {
    throw new StateError("invalid_input", `Field "${name}" must be a string or null`);
  }
  return v;
}

/**
 * Serves one `state.dispatch` call: `{op, env, tenant, team?, user?, prefix, key?, path?,
 * value?, ttl_seconds?}`. Store errors become `{ok: false, error: {code, message}}`.
 */
async function dispatch(op: string, input: unknown): Promise<unknown> {
  if (op !== "state.dispatch") {
    return {
      ok: false,
      error: { code: "invalid_input", message: `Unknown operation "${op}": use "state.dispatch"` },
    };
  }
  try {
    if (typeof input !== "object" || input === null || Array.isArray(input)) {
      throw new StateError("invalid_input", "Input must be a map with op, env, tenant, prefix");
    }
    const args = input as Record<string, unknown>;
    const ctx = new TenantCtx(field(args, "env"), field(args, "tenant"))
      .withTeam(optional(args, "team"))
      .withUser(optional(args, "user"));
    const prefix = field(args, "prefix");
    const action = field(args, "op");
    switch (action) {
      case "get": {
        const value = await store.getJson(ctx, prefix, field(args, "key"), optional(args, "path"));
        return value === undefined ? { ok: true, found: false, value: null } : {
          ok: true,
          found: true,
          value,
        };
      }
      case "set": {
        if (!("value" in args)) throw new StateError("invalid_input", `"set" needs a "value"`);
        const ttl = args.ttl_seconds;
        if (ttl !== undefined && ttl !== null && typeof ttl !== "number") {
          throw new StateError("invalid_input", `Field "ttl_seconds" must be an integer or null`);
        }
        await store.setJson(
          ctx,
          prefix,
          field(args, "key"),
          optional(args, "path"),
          args.value as JsonValue,
          ttl ?? null,
        );
        return { ok: true };
      }
      case "del":
        return { ok: true, deleted: await store.del(ctx, prefix, field(args, "key")) };
      case "del_prefix":
        return { ok: true, deleted: await store.delPrefix(ctx, prefix) };
      case "ttl": {
        const left = await store.ttl(ctx, prefix, field(args, "key"));
        return { ok: true, found: left !== undefined, ttl_seconds: left ?? null };
      }
      case "list_keys": {
        const keys: string[] = [];
        for await (const k of store.listKeys(ctx, prefix)) keys.push(k);
        return { ok: true, keys: keys.sort() };
      }
      default:
        throw new StateError(
          "invalid_input",
          `Unknown state op "${action}": use get, set, del, del_prefix, ttl or list_keys`,
        );
    }
  } catch (e) {
    if (e instanceof StateError) return { ok: false, error: { code: e.code, message: e.message } };
    throw e;
  }
}

export const { descriptor, runtime, qa, componentI18n, schemaCoreApi } = makeExports(spec);
