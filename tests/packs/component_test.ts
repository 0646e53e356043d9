// Loads the built components with jco transpile and calls every export.
import { parse as parseYaml } from "yaml";
import { assert, assertEquals } from "./_assert.ts";
import { builtPack, TEST_OUT_DIR } from "./_built.ts";
import { loadComponent, type ProviderExports } from "./_component_loader.ts";
import { decodeCbor, encodeCanonical } from "../../tools/packs/cbor.ts";
import { sha256Hex } from "../../tools/packs/hash.ts";
import { REPO_ROOT } from "../../tools/packs/packs.ts";

const cbor = (v: unknown) => encodeCanonical(v);
const dec = (b: Uint8Array) => decodeCbor(b) as Record<string, unknown>;
const json = (v: unknown) => new TextEncoder().encode(JSON.stringify(v));
const unjson = (b: Uint8Array) => JSON.parse(new TextDecoder().decode(b));

const loaded = new Map<string, Promise<ProviderExports>>();

/** Loads the component of a built pack once per run. */
function component(pack: string): Promise<ProviderExports> {
  let p = loaded.get(pack);
  if (p === undefined) {
    p = (async () => {
      const built = await builtPack(pack);
      const [id, wasm] = [...built.wasm][0]!;
      const dir = `${TEST_OUT_DIR}/jco`;
      await Deno.mkdir(dir, { recursive: true });
      return await loadComponent(wasm, id.replaceAll("-", "_"), dir);
    })();
    loaded.set(pack, p);
  }
  return p;
}

for (
  const [pack, prefix] of [["state-memory", "state.memory"], [
    "state-redis",
    "state.redis",
  ]] as const
) {
  Deno.test(`${pack}: describe is canonical CBOR with the schema hash and matches the sources`, async () => {
    const c = await component(pack);
    const bytes = c.descriptor.describe();
    assertEquals(encodeCanonical(decodeCbor(bytes)), bytes);
    const d = dec(bytes);
    const id = pack.replace("state-", "state-provider-");
    assertEquals(d.provider, id);
    assertEquals(d.world, "greentic:component/component-v0-v6-v0@0.6.1");
    assertEquals((d.operations as { name: string }[]).map((o) => o.name), ["state.dispatch"]);
    assertEquals(
      d.schema_hash,
      sha256Hex(cbor({ input: d.input_schema, output: d.output_schema, config: d.config_schema })),
    );
    const manifest = JSON.parse(
      await Deno.readTextFile(
        `${REPO_ROOT}/packs/${pack}/components/${id}/component.manifest.json`,
      ),
    );
    assertEquals(d.config_schema, manifest.config_schema, "component.manifest.json config_schema");
    assertEquals(unjson(c.schemaCoreApi.describe()), d, "schema-core-api describe is the same");
    assertEquals(unjson(c.schemaCoreApi.healthcheck()), { status: "healthy", provider: id });
  });

  Deno.test(`${pack}: qa-spec agrees with assets/setup.yaml and uses known i18n keys`, async () => {
    const c = await component(pack);
    const setup = parseYaml(
      await Deno.readTextFile(`${REPO_ROOT}/packs/${pack}/assets/setup.yaml`),
    ) as { questions: { id: string; default?: unknown; required: boolean; label: string }[] };
    const spec = dec(c.qa.qaSpec("setup"));
    const questions = spec.questions as Record<string, unknown>[];
    assertEquals(
      questions.map((q) => [q.id, q.default, q.required, (q.label as { key: string }).key]),
      setup.questions.map((q) => [q.id, q.default, q.required, q.label]),
    );
    const keys = new Set(c.componentI18n.i18nKeys());
    for (const q of questions) {
      assert.ok(keys.has((q.label as { key: string }).key));
      assert.ok(keys.has((q.help as { key: string }).key));
    }
    assertEquals(dec(c.qa.qaSpec("remove")).questions, []);
    const en = JSON.parse(await Deno.readTextFile(`${REPO_ROOT}/packs/${pack}/i18n/en.json`));
    assertEquals(dec(c.componentI18n.i18nBundle("")), { locale: "en", messages: en });
    assertEquals([...keys].sort(), Object.keys(en).sort());
    assert.ok([...keys].every((k) => k.startsWith(`${prefix}.`)));
  });
}

Deno.test("state-redis: apply-answers validates the URL and applies defaults", async () => {
  const c = await component("state-redis");
  const ok = dec(c.qa.applyAnswers("setup", cbor({ redis_url: "redis://localhost:6379/0" })));
  assertEquals(ok, {
    ok: true,
    remove: false,
    diagnostics: [],
    error: null,
    config: {
      redis_url: "redis://localhost:6379/0",
      redis_password: "",
      redis_tls_enabled: false,
      key_prefix: "greentic",
      default_ttl_seconds: 0,
      connection_pool_size: 5,
    },
  });
  const tls = dec(c.qa.applyAnswers(
    "setup",
    cbor({
      redis_url: "rediss://cache:6380",
      redis_tls_enabled: "true",
      connection_pool_size: "20",
    }),
  ));
  assertEquals((tls.config as Record<string, unknown>).redis_tls_enabled, true);
  assertEquals((tls.config as Record<string, unknown>).connection_pool_size, 20);

  const bad = dec(
    c.qa.applyAnswers("setup", cbor({ redis_url: "http://user:hunter2@cache:6379" })),
  );
  assertEquals(bad.ok, false);
  assertEquals(bad.config, null);
  const diags = bad.diagnostics as { field: string; code: string; message: string }[];
  assertEquals(diags.map((d) => [d.field, d.code]), [["redis_url", "invalid"]]);
  assert.match(diags[0]!.message, /redis:\/\/ or rediss:\/\//);
  assert.ok(!JSON.stringify(bad).includes("hunter2"), "a secret must not be echoed");

  for (
    const [answers, field, code] of [
      [{}, "redis_url", "required"],
      [{ redis_url: "redis://" }, "redis_url", "invalid"],
      [{ redis_url: "redis://h", connection_pool_size: 500 }, "connection_pool_size", "invalid"],
      [{ redis_url: "redis://h", default_ttl_seconds: -1 }, "default_ttl_seconds", "invalid"],
      [{ redis_url: "redis://h", redis_tls_enabled: "maybe" }, "redis_tls_enabled", "invalid"],
      [{ redis_url: "redis://h", port: 6379 }, "port", "unknown_field"],
    ] as const
  ) {
    const r = dec(c.qa.applyAnswers("setup", cbor(answers)));
    assertEquals(r.ok, false, JSON.stringify(answers));
    const d = r.diagnostics as { field: string; code: string }[];
    assertEquals(d.map((x) => [x.field, x.code]), [[field, code]], JSON.stringify(answers));
  }
  const upgrade = dec(c.qa.applyAnswers(
    "upgrade",
    cbor({ answers: { key_prefix: "tenant-a" }, current_config: { redis_url: "redis://h:1" } }),
  ));
  assertEquals((upgrade.config as Record<string, unknown>).key_prefix, "tenant-a");
  assertEquals((upgrade.config as Record<string, unknown>).redis_url, "redis://h:1");
  assertEquals(dec(c.qa.applyAnswers("remove", cbor({}))).remove, true);
  assertEquals(dec(c.qa.applyAnswers("setup", new Uint8Array([0xff]))).ok, false);
  const validated = unjson(c.schemaCoreApi.validateConfig(json({ redis_url: "ftp://x" })));
  assertEquals(validated.ok, false);
  assertEquals(
    unjson(c.schemaCoreApi.validateConfig(json({ redis_url: "redis://x" }))).ok,
    true,
  );
  const describe = dec(c.descriptor.describe());
  assertEquals(describe.redactions, [
    { path: "/redis_url", strategy: "redact" },
    { path: "/redis_password", strategy: "redact" },
  ]);
});

Deno.test("state-redis: runtime.invoke says operations are dispatched by the operator", async () => {
  const c = await component("state-redis");
  const out = dec(c.runtime.invoke("state.dispatch", cbor({ op: "get" })));
  assertEquals(out.ok, false);
  assertEquals((out.error as { code: string }).code, "unsupported");
});

Deno.test("state-memory: apply-answers applies defaults and checks bounds", async () => {
  const c = await component("state-memory");
  assertEquals(dec(c.qa.applyAnswers("default", cbor({}))).config, {
    max_entries: 10000,
    default_ttl_seconds: 0,
  });
  const bad = dec(c.qa.applyAnswers("setup", cbor({ max_entries: 0 })));
  assertEquals((bad.diagnostics as { field: string }[]).map((d) => d.field), ["max_entries"]);
  assertEquals(dec(c.qa.qaSpec("default")).questions, []);
});

Deno.test("state-memory: runtime.invoke serves set/get/del from the compiled-in store", async () => {
  const c = await component("state-memory");
  const call = (input: Record<string, unknown>) =>
    dec(c.runtime.invoke("state.dispatch", cbor(input)));
  const t1 = { env: "dev", tenant: "acme", prefix: "flow/onboarding" };
  const t2 = { env: "dev", tenant: "other", prefix: "flow/onboarding" };
  const doc = { status: "ready", steps: [1, 2], nested: { n: 1.5, s: "é" } };
  assertEquals(call({ ...t1, op: "set", key: "node/a", value: doc, ttl_seconds: 300 }), {
    ok: true,
  });
  assertEquals(call({ ...t1, op: "get", key: "node/a" }), { ok: true, found: true, value: doc });
  assertEquals(call({ ...t2, op: "get", key: "node/a" }), { ok: true, found: false, value: null });
  assertEquals(call({ ...t1, op: "set", key: "node/a", path: "/status", value: "running" }), {
    ok: true,
  });
  assertEquals(call({ ...t1, op: "get", key: "node/a", path: "/status" }), {
    ok: true,
    found: true,
    value: "running",
  });
  assertEquals(call({ ...t1, op: "ttl", key: "node/a" }), {
    ok: true,
    found: true,
    ttl_seconds: 300,
  });
  assertEquals(call({ ...t1, op: "set", key: "node/b", value: 2 }), { ok: true });
  assertEquals(call({ ...t1, op: "list_keys" }), { ok: true, keys: ["node/a", "node/b"] });
  assertEquals(call({ ...t1, op: "del", key: "node/a" }), { ok: true, deleted: true });
  assertEquals(call({ ...t1, op: "del", key: "node/a" }), { ok: true, deleted: false });
  assertEquals(call({ ...t1, op: "get", key: "node/a" }), { ok: true, found: false, value: null });
  assertEquals(call({ ...t1, op: "del_prefix" }), { ok: true, deleted: 1 });
  assertEquals(call({ ...t1, op: "get", key: "node/b" }).found, false);

  const invalid = call({ ...t1, env: "bad env", op: "get", key: "k" });
  assertEquals((invalid.error as { code: string }).code, "invalid_input");
  assertEquals((call({ ...t1, op: "explode" }).error as { code: string }).code, "invalid_input");
  const notCbor = dec(c.runtime.invoke("state.dispatch", new Uint8Array([0xff, 0x00])));
  assertEquals((notCbor.error as { code: string }).code, "invalid_input");
  const otherOp = dec(c.runtime.invoke("state.other", cbor({})));
  assertEquals((otherOp.error as { code: string }).code, "invalid_input");
  // The JSON surface reaches the same store.
  const viaJson = unjson(
    c.schemaCoreApi.invoke("state.dispatch", json({ ...t1, op: "set", key: "j", value: [true] })),
  );
  assertEquals(viaJson, { ok: true });
  assertEquals(call({ ...t1, op: "get", key: "j" }).value, [true]);
});
