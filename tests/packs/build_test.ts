import { parse as parseYaml } from "yaml";
import { assert, assertEquals } from "./_assert.ts";
import { builtPack, builtPacks, TEST_OUT_DIR } from "./_built.ts";
import { buildPacks } from "../../tools/packs/build.ts";
import { buildPack } from "../../tools/packs/builder.ts";
import { decodeCbor, encodeCanonical } from "../../tools/packs/cbor.ts";
import { blake3Hex, sha256Hex } from "../../tools/packs/hash.ts";
import { PACK_NAMES, REPO_ROOT } from "../../tools/packs/packs.ts";
import { loadPackSource, packageVersion, PackSourceError } from "../../tools/packs/source.ts";
import { verifyPack } from "../../tools/packs/verifier.ts";
import { readZip } from "../../tools/packs/zip.ts";

const VERSION = await packageVersion(REPO_ROOT);

Deno.test("pack sources carry deno.json's version", async () => {
  for (const name of PACK_NAMES) {
    const dir = `${REPO_ROOT}/packs/${name}`;
    const pack = parseYaml(await Deno.readTextFile(`${dir}/pack.yaml`)) as {
      version: string;
      components: { id: string; version: string; manifest: string }[];
    };
    assertEquals(pack.version, VERSION, `${name}/pack.yaml version`);
    for (const c of pack.components) {
      assertEquals(c.version, VERSION, `${name}/pack.yaml component ${c.id} version`);
      const manifest = JSON.parse(await Deno.readTextFile(`${dir}/${c.manifest}`));
      assertEquals(manifest.version, VERSION, `${c.manifest} version`);
    }
  }
});

Deno.test("both packs build, verify and list their entries in the documented order", async () => {
  for (const name of PACK_NAMES) {
    const pack = await builtPack(name);
    const id = name === "state-memory" ? "state-provider-memory" : "state-provider-redis";
    const report = verifyPack(pack.bytes);
    assertEquals(report.problems, []);
    assertEquals(report.entries, [
      "manifest.cbor",
      `components/${id}.wasm`,
      `components/${id}.manifest.cbor`,
      "assets/README.md",
      "assets/secret-requirements.json",
      "assets/setup.yaml",
      "i18n/en.json",
      "pack.lock.cbor",
      "sbom.cbor",
    ]);
    assertEquals(await Deno.readFile(`${TEST_OUT_DIR}/${name}.gtpack`), pack.bytes);
    for (const e of readZip(pack.bytes)) {
      assertEquals([e.method, e.mode.toString(8)], [0, "100644"], e.name);
    }
  }
});

Deno.test("building again from the same sources gives byte-identical packs", async () => {
  const first = await builtPacks();
  const again = await buildPacks({
    root: REPO_ROOT,
    outDir: `${TEST_OUT_DIR}/again`,
    cacheDir: `${REPO_ROOT}/dist/packs/.cache`,
  });
  for (const pack of again) {
    assert.ok(first.get(pack.name)!.bytes.length > 1_000_000);
    assertEquals(sha256Hex(pack.bytes), sha256Hex(first.get(pack.name)!.bytes), pack.name);
    // Assembly alone is deterministic too: same source and wasm, same bytes.
    assertEquals(buildPack(pack.source, pack.wasm), pack.bytes);
  }
});

Deno.test("manifest.cbor has the documented fields, order and hashes", async () => {
  for (const name of PACK_NAMES) {
    const pack = await builtPack(name);
    const files = new Map(readZip(pack.bytes).map((e) => [e.name, e.data]));
    const manifest = decodeCbor(files.get("manifest.cbor")!) as Record<string, unknown>;
    const keys = [
      "schema_version",
      "pack_id",
      "name",
      "version",
      "kind",
      "publisher",
      "symbols",
      "components",
      "flows",
      "dependencies",
      "capabilities",
      ...(name === "state-redis" ? ["secret_requirements"] : []),
      "signatures",
      "extensions",
    ];
    assertEquals(Object.keys(manifest), keys);
    assertEquals(manifest.schema_version, "pack-v1");
    assertEquals(manifest.pack_id, name);
    assertEquals(manifest.version, VERSION);
    const symbols = manifest.symbols as Record<string, string[]>;
    assertEquals(symbols.capability_names, ["greentic.cap.state.kv.v1"]);
    const id = symbols.component_ids![0]!;
    const component = (manifest.components as Record<string, unknown>[])[0]!;
    assertEquals(component.id, 0);
    assertEquals(component.world, "greentic:component/component-v0-v6-v0@0.6.1");
    const ext = manifest.extensions as Record<string, { inline: Record<string, unknown> }>;
    assertEquals(ext["greentic.pack-mode.v1"]!.inline, { mode: "prod" });
    const entry = (ext["greentic.pack.component_manifests@v1"]!.inline.entries as Record<
      string,
      string
    >[])[0]!;
    const cm = files.get(`components/${id}.manifest.cbor`)!;
    assertEquals(entry.content_hash, `sha256:${sha256Hex(cm)}`);
    assertEquals(encodeCanonical(decodeCbor(cm)), cm, "component manifest is canonical CBOR");
    const offers = ext["greentic.ext.capabilities.v1"]!.inline.offers as Record<string, unknown>[];
    assertEquals(
      offers[0]!.offer_id,
      name === "state-memory" ? "state.memory.kv.01" : "state.redis.kv.01",
    );
    if (name === "state-redis") {
      const secrets = manifest.secret_requirements as Record<string, unknown>[];
      assertEquals(secrets.map((s) => [s.key, s.required]), [["redis_url", true]]);
    }
    const sbomBytes = files.get("sbom.cbor")!;
    assertEquals(encodeCanonical(decodeCbor(sbomBytes)), sbomBytes, "sbom is canonical CBOR");
    const sbom = decodeCbor(sbomBytes) as { format: string; files: Record<string, unknown>[] };
    assertEquals(sbom.format, "greentic-sbom-v1");
    const wasmEntry = sbom.files.find((f) => f.path === `components/${id}.wasm`)!;
    assertEquals(wasmEntry.hash_blake3, blake3Hex(files.get(`components/${id}.wasm`)!));
    assertEquals(wasmEntry.media_type, "application/wasm");
  }
});

Deno.test("a component manifest whose version differs from pack.yaml fails the build", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const src = `${REPO_ROOT}/packs/state-redis`;
    for await (const e of Deno.readDir(src)) {
      await new Deno.Command("cp", { args: ["-r", `${src}/${e.name}`, dir] }).output();
    }
    const path = `${dir}/components/state-provider-redis/component.manifest.json`;
    const m = JSON.parse(await Deno.readTextFile(path));
    m.version = "9.9.9";
    await Deno.writeTextFile(path, JSON.stringify(m));
    await assert.rejects(
      () => loadPackSource(dir, VERSION),
      (e: unknown) =>
        e instanceof PackSourceError &&
        e.message.includes(`version "9.9.9" must equal pack.yaml's`),
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
