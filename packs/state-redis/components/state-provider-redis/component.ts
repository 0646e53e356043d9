/**
 * The `state-provider-redis` component: describes the Redis state provider, validates its
 * configuration and runs its setup QA. State operations are dispatched natively by the
 * operator, so `runtime.invoke` answers every operation with an `unsupported` error.
 *
 * Bundled to one ES module and compiled with componentize-js by `tools/packs/component.ts`.
 *
 * @module
 */
import { makeExports, type ProviderSpec } from "../../../shared/provider_kit.ts";
import messages from "../../i18n/en.json" with { type: "json" };

/** The spec of the Redis provider. */
export const spec: ProviderSpec = {
  provider: "state-provider-redis",
  i18nPrefix: "state.redis",
  messages,
  questions: [
    {
      id: "redis_url",
      kind: "string",
      required: true,
      secret: true,
      prefixes: ["redis://", "rediss://"],
    },
    { id: "redis_password", kind: "string", required: false, secret: true, default: "" },
    { id: "redis_tls_enabled", kind: "boolean", required: false, secret: false, default: false },
    { id: "key_prefix", kind: "string", required: false, secret: false, default: "greentic" },
    { id: "default_ttl_seconds", kind: "integer", required: false, secret: false, default: 0 },
    {
      id: "connection_pool_size",
      kind: "integer",
      required: false,
      secret: false,
      default: 5,
      min: 1,
      max: 100,
    },
  ],
  inputSchema: {
    type: "object",
    required: ["op", "env", "tenant", "prefix"],
    properties: {
      op: { type: "string", enum: ["get", "set", "del", "del_prefix"] },
      env: { type: "string" },
      tenant: { type: "string" },
      team: { type: ["string", "null"] },
      user: { type: ["string", "null"] },
      prefix: { type: "string" },
      key: { type: "string" },
      path: { type: ["string", "null"] },
      value: {},
      ttl_seconds: { type: ["integer", "null"], minimum: 0 },
    },
  },
  outputSchema: {
    type: "object",
    required: ["ok"],
    properties: { ok: { type: "boolean" }, value: {}, error: { type: "object" } },
  },
};

export const { descriptor, runtime, qa, componentI18n, schemaCoreApi } = makeExports(spec);
