/**
 * Where the Redis backend stores a namespace: the core layout, or the same with a Redis
 * Cluster hash tag over the namespace part, so one namespace lives in one hash slot.
 *
 * Core layout (`keyLayout: "plain"`, the default):
 * `greentic:state:{env}:{tenant}:{team}:{user}:{prefix}:{key}` where the prefix has `%`
 * and `:` percent-encoded. Redis hashes the first `{...}` of a key when there is one, so
 * a `{x}` in a user's prefix or key picks the slot of every key it appears in (a prefix
 * `{x}` puts the whole namespace on the slot of `x`); without braces keys spread.
 *
 * Tagged layout (`keyLayout: "namespace-tag"`):
 * `greentic:state:{env:tenant:team:user:prefix}:{key}`, the braces literal. Ids cannot
 * hold braces and the prefix has `%`, `:`, `{` and `}` percent-encoded, so the tag opens
 * at the first `{` of the key and closes at the `}` written after the prefix: it is the
 * first tag of every key, and braces in the key come after it and change nothing.
 *
 * @module
 */

import { checkText } from "../core/state_key.ts";
import { namespaceOf } from "../core/storage_key.ts";
import { ctxScope, KEY_ROOT } from "../core/tenant_ctx.ts";
import type { TenantCtx } from "../core/tenant_ctx.ts";

/** How storage keys are laid out; see the module documentation. */
export type KeyLayout = "plain" | "namespace-tag";

const TAG_UNSAFE = /[%:{}]/;
const TAG_UNSAFE_ALL = /[%:{}]/g;
const TAG_ESCAPES: Record<string, string> = { "%": "%25", ":": "%3A", "{": "%7B", "}": "%7D" };

/**
 * Encodes a prefix for the tagged layout: `%`, `:`, `{` and `}` become `%25`, `%3A`,
 * `%7B` and `%7D`, so the encoded prefix can neither end the namespace nor close the tag.
 */
export function encodeTaggedPrefix(prefix: string): string {
  return TAG_UNSAFE.test(prefix) ? prefix.replace(TAG_UNSAFE_ALL, (c) => TAG_ESCAPES[c]!) : prefix;
}

/**
 * The namespace of `(ctx, prefix)` in the tagged layout:
 * `greentic:state:{env:tenant:team:user:prefix}:`.
 */
export function taggedNamespaceOf(ctx: TenantCtx, prefix: string): string {
  const scope = ctxScope(ctx); // greentic:state:env:tenant:team:user:
  return `${KEY_ROOT}{${scope.slice(KEY_ROOT.length)}${
    encodeTaggedPrefix(checkText("prefix", prefix))
  }}:`;
}

/** The namespace of `(ctx, prefix)` in `layout`: the start every key of it, and no other, has. */
export function namespaceIn(layout: KeyLayout, ctx: TenantCtx, prefix: string): string {
  return layout === "plain" ? namespaceOf(ctx, prefix) : taggedNamespaceOf(ctx, prefix);
}
