/**
 * Shared implementation of the `greentic:component/component-v0-v6-v0@0.6.1` exports for the
 * state provider components: describe, setup QA (spec, validation, defaults), i18n and the
 * JSON `schema-core-api`. Each provider supplies a {@link ProviderSpec}; this module is
 * bundled into each component, so it must stay free of Deno and Node APIs.
 *
 * @module
 */
import { decode, encode, rfc8949EncodeOptions } from "cborg";
import { sha256 } from "@noble/hashes/sha2.js";

/** The component world both providers implement. */
export const WORLD = "greentic:component/component-v0-v6-v0@0.6.1";

/** QA modes of the `qa` interface (`enum mode`). */
export type Mode = "default" | "setup" | "upgrade" | "remove";

/** A configuration value. */
export type ConfigValue = string | number | boolean;

/** One setup question, which is also one configuration field. */
export interface Question {
  /** Field name in the configuration. */
  id: string;
  /** Value type. Integers are unsigned 32-bit unless `min`/`max` say narrower. */
  kind: "string" | "boolean" | "integer";
  /** Whether an answer is required (no default). */
  required: boolean;
  /** Whether the value is secret (redacted in describe, never echoed in diagnostics). */
  secret: boolean;
  /** Default applied when the answer is absent. */
  default?: ConfigValue;
  /** Inclusive bounds for integers. */
  min?: number;
  /** Inclusive bounds for integers. */
  max?: number;
  /** Accepted prefixes for strings (e.g. `redis://`). */
  prefixes?: readonly string[];
}

/** What a provider component declares; the kit derives every export from it. */
export interface ProviderSpec {
  /** Component id, e.g. `state-provider-memory`. */
  provider: string;
  /** i18n key prefix, e.g. `state.memory`. */
  i18nPrefix: string;
  /** English messages (the pack's `i18n/en.json`). */
  messages: Readonly<Record<string, string>>;
  /** Setup questions, in the order they are asked. */
  questions: readonly Question[];
  /** JSON schema of the `state.dispatch` input. */
  inputSchema: Record<string, unknown>;
  /** JSON schema of the `state.dispatch` output. */
  outputSchema: Record<string, unknown>;
  /**
   * Runs an operation on a decoded input; `undefined` when the provider does not serve
   * operations itself.
   */
  invoke?: (op: string, input: unknown) => Promise<unknown>;
}

/** A diagnostic produced by configuration validation. */
export interface Diagnostic {
  severity: "error" | "warning";
  field: string;
  code: string;
  message: string;
}

/** Result of `apply-answers`. */
export interface ApplyResult {
  ok: boolean;
  config: Record<string, ConfigValue> | null;
  remove: boolean;
  diagnostics: Diagnostic[];
  error: { code: string; message: string } | null;
}

const textEncoder = new TextEncoder();
const textDecoder = new TextDecoder();

function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** Encodes a value as canonical CBOR (RFC 8949 core deterministic encoding). */
export function canonicalCbor(value: unknown): Uint8Array {
  return encode(value, rfc8949EncodeOptions);
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v) && !(v instanceof Uint8Array);
}

/** Builds the JSON schema of the configuration from the questions. */
export function configSchema(spec: ProviderSpec): Record<string, unknown> {
  const properties: Record<string, unknown> = {};
  for (const q of spec.questions) {
    const p: Record<string, unknown> = {
      type: q.kind,
      title: spec.messages[`${spec.i18nPrefix}.qa.${q.id}.label`] ?? q.id,
    };
    if (q.default !== undefined) p.default = q.default;
    if (q.kind === "integer") {
      p.minimum = q.min ?? 0;
      p.maximum = q.max ?? 4294967295;
    }
    if (q.prefixes) p.pattern = `^(${q.prefixes.map((x) => x.replace(/[/.]/g, "\\$&")).join("|")})`;
    if (q.secret) p.writeOnly = true;
    properties[q.id] = p;
  }
  return {
    type: "object",
    additionalProperties: false,
    required: spec.questions.filter((q) => q.required).map((q) => q.id),
    properties,
  };
}

function text(spec: ProviderSpec, key: string): { key: string; fallback: string } {
  return { key, fallback: spec.messages[key] ?? key };
}

/** The describe payload (before CBOR encoding). */
export function describePayload(spec: ProviderSpec): Record<string, unknown> {
  const config = configSchema(spec);
  const schemaHash = hex(
    sha256(canonicalCbor({ input: spec.inputSchema, output: spec.outputSchema, config })),
  );
  return {
    provider: spec.provider,
    world: WORLD,
    operations: [{
      name: "state.dispatch",
      title: text(spec, `${spec.i18nPrefix}.op.dispatch.title`),
      description: text(spec, `${spec.i18nPrefix}.op.dispatch.description`),
    }],
    input_schema: spec.inputSchema,
    output_schema: spec.outputSchema,
    config_schema: config,
    redactions: spec.questions.filter((q) => q.secret).map((q) => ({
      path: `/${q.id}`,
      strategy: "redact",
    })),
    schema_hash: schemaHash,
  };
}

/** The QA spec for a mode (before CBOR encoding). */
export function qaSpec(spec: ProviderSpec, mode: Mode): Record<string, unknown> {
  const asked = mode === "remove"
    ? []
    : mode === "default"
    ? spec.questions.filter((q) => q.required)
    : spec.questions;
  return {
    mode,
    title: text(spec, `${spec.i18nPrefix}.qa.${mode}.title`),
    questions: asked.map((q) => {
      const out: Record<string, unknown> = {
        id: q.id,
        label: text(spec, `${spec.i18nPrefix}.qa.${q.id}.label`),
        help: text(spec, `${spec.i18nPrefix}.qa.${q.id}.help`),
        kind: q.kind,
        required: q.required,
        secret: q.secret,
      };
      if (q.default !== undefined) out.default = q.default;
      if (q.kind === "integer") {
        out.min = q.min ?? 0;
        out.max = q.max ?? 4294967295;
      }
      return out;
    }),
    defaults: Object.fromEntries(
      spec.questions.filter((q) => q.default !== undefined).map((q) => [q.id, q.default!]),
    ),
  };
}

function coerce(q: Question, raw: unknown): { value?: ConfigValue; problem?: string } {
  switch (q.kind) {
    case "boolean":
      if (typeof raw === "boolean") return { value: raw };
      if (raw === "true" || raw === "false") return { value: raw === "true" };
      return { problem: "must be true or false" };
    case "integer": {
      const n = typeof raw === "string" && /^\d+$/.test(raw.trim()) ? Number(raw.trim()) : raw;
      const min = q.min ?? 0;
      const max = q.max ?? 4294967295;
      if (typeof n !== "number" || !Number.isInteger(n)) return { problem: "must be an integer" };
      if (n < min || n > max) return { problem: `must be between ${min} and ${max}` };
      return { value: n };
    }
    case "string": {
      if (typeof raw !== "string") return { problem: "must be a string" };
      const v = raw.trim();
      if (q.required && v === "") return { problem: "must not be empty" };
      if (q.prefixes && !q.prefixes.some((p) => v.startsWith(p) && v.length > p.length)) {
        return { problem: `must start with ${q.prefixes.join(" or ")} followed by a host` };
      }
      return { value: v };
    }
  }
}

/**
 * Validates answers and applies defaults: the core of `apply-answers` and
 * `validate-config`. Unknown fields, wrong types, out-of-range integers and bad URL
 * schemes are errors; secrets are never echoed in messages.
 */
export function applyAnswers(spec: ProviderSpec, mode: Mode, input: unknown): ApplyResult {
  if (mode === "remove") {
    return { ok: true, config: null, remove: true, diagnostics: [], error: null };
  }
  if (!isPlainObject(input)) {
    return fail("invalid_input", "answers must be a map of field name to value");
  }
  // Accept either the bare answers map or {answers, current_config} (upgrade).
  let answers: Record<string, unknown> = input;
  let current: Record<string, unknown> = {};
  if (isPlainObject(input.answers)) {
    answers = input.answers;
    if (isPlainObject(input.current_config)) current = input.current_config;
  }
  const merged = { ...current, ...answers };
  const diagnostics: Diagnostic[] = [];
  const config: Record<string, ConfigValue> = {};
  const known = new Set(spec.questions.map((q) => q.id));
  for (const field of Object.keys(merged)) {
    if (!known.has(field)) {
      diagnostics.push({
        severity: "error",
        field,
        code: "unknown_field",
        message: `Unknown field "${field}": expected one of ${[...known].join(", ")}`,
      });
    }
  }
  for (const q of spec.questions) {
    const raw = merged[q.id];
    if (raw === undefined || raw === null || (raw === "" && !q.required)) {
      if (q.required) {
        diagnostics.push({
          severity: "error",
          field: q.id,
          code: "required",
          message: `Missing "${q.id}": this field is required`,
        });
      } else if (q.default !== undefined) config[q.id] = q.default;
      continue;
    }
    const { value, problem } = coerce(q, raw);
    if (problem !== undefined || value === undefined) {
      const shown = q.secret ? "" : ` (got ${JSON.stringify(raw)})`;
      diagnostics.push({
        severity: "error",
        field: q.id,
        code: "invalid",
        message: `Invalid "${q.id}"${shown}: it ${problem}`,
      });
    } else config[q.id] = value;
  }
  if (diagnostics.length > 0) {
    return {
      ok: false,
      config: null,
      remove: false,
      diagnostics,
      error: { code: "invalid_answers", message: diagnostics.map((d) => d.message).join("; ") },
    };
  }
  return { ok: true, config, remove: false, diagnostics: [], error: null };
}

function fail(code: string, message: string): ApplyResult {
  return { ok: false, config: null, remove: false, diagnostics: [], error: { code, message } };
}

function errorOutput(code: string, message: string): Record<string, unknown> {
  return { ok: false, error: { code, message } };
}

/**
 * Views a `list<u8>` argument as a Uint8Array: the component runtime may hand over an
 * ArrayBuffer, another typed array or a plain array.
 */
export function toBytes(data: unknown): Uint8Array {
  if (data instanceof Uint8Array) return data;
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  if (ArrayBuffer.isView(data)) {
    return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  }
  if (Array.isArray(data)) return Uint8Array.from(data as number[]);
  throw new TypeError(`Expected bytes, got ${Object.prototype.toString.call(data)}`);
}

/** Decodes CBOR input, reporting malformed bytes as an error message. */
function tryDecodeCbor(bytes: unknown): { value?: unknown; error?: string } {
  try {
    return { value: decode(toBytes(bytes)) };
  } catch (e) {
    return { error: e instanceof Error ? e.message : String(e) };
  }
}

function i18nBundle(spec: ProviderSpec, locale: string): Record<string, unknown> {
  const wanted = locale.trim() === "" ? "en" : locale.trim();
  // Only English ships; other locales get the English messages under their own tag.
  return { locale: wanted, messages: spec.messages };
}

async function runOperation(spec: ProviderSpec, op: string, input: unknown): Promise<unknown> {
  if (!spec.invoke) {
    return errorOutput(
      "unsupported",
      `Operation "${op}" is dispatched natively by the operator, not by ${spec.provider}`,
    );
  }
  try {
    return await spec.invoke(op, input);
  } catch (e) {
    return errorOutput("internal", e instanceof Error ? e.message : String(e));
  }
}

/** Builds the JavaScript exports of the component world from a provider spec. */
export function makeExports(spec: ProviderSpec) {
  const json = (v: unknown) => textEncoder.encode(JSON.stringify(v));
  return {
    descriptor: {
      describe: (): Uint8Array => canonicalCbor(describePayload(spec)),
    },
    runtime: {
      invoke: async (op: string, inputCbor: Uint8Array): Promise<Uint8Array> => {
        const decoded = tryDecodeCbor(inputCbor);
        if (decoded.error !== undefined) {
          return canonicalCbor(errorOutput("invalid_input", `Input is not CBOR: ${decoded.error}`));
        }
        return canonicalCbor(await runOperation(spec, op, decoded.value));
      },
    },
    qa: {
      qaSpec: (mode: Mode): Uint8Array => canonicalCbor(qaSpec(spec, mode)),
      applyAnswers: (mode: Mode, answersCbor: Uint8Array): Uint8Array => {
        const decoded = tryDecodeCbor(answersCbor);
        if (decoded.error !== undefined) {
          return canonicalCbor(fail("invalid_input", `Answers are not CBOR: ${decoded.error}`));
        }
        return canonicalCbor(applyAnswers(spec, mode, decoded.value));
      },
    },
    componentI18n: {
      i18nKeys: (): string[] => Object.keys(spec.messages).sort(),
      i18nBundle: (locale: string): Uint8Array => canonicalCbor(i18nBundle(spec, locale)),
    },
    schemaCoreApi: {
      describe: (): Uint8Array => json(describePayload(spec)),
      validateConfig: (configJson: Uint8Array): Uint8Array => {
        let parsed: unknown;
        try {
          parsed = JSON.parse(textDecoder.decode(toBytes(configJson)));
        } catch (e) {
          return json(fail("invalid_input", `Config is not JSON: ${(e as Error).message}`));
        }
        return json(applyAnswers(spec, "setup", parsed));
      },
      healthcheck: (): Uint8Array => json({ status: "healthy", provider: spec.provider }),
      invoke: async (op: string, inputJson: Uint8Array): Promise<Uint8Array> => {
        let parsed: unknown;
        try {
          parsed = JSON.parse(textDecoder.decode(toBytes(inputJson)));
        } catch (e) {
          return json(errorOutput("invalid_input", `Input is not JSON: ${(e as Error).message}`));
        }
        return json(await runOperation(spec, op, parsed));
      },
    },
  };
}
