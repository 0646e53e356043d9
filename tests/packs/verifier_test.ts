import { zipSync } from "fflate";
import { assert, assertEquals } from "./_assert.ts";
import { builtPack, TEST_OUT_DIR } from "./_built.ts";
import { buildSbom } from "../../tools/packs/sbom.ts";
import { verifyPack } from "../../tools/packs/verifier.ts";
import { verifyCommand } from "../../tools/packs/verify.ts";
import { readZip, writeStoredZip, type ZipInput } from "../../tools/packs/zip.ts";

const enc = new TextEncoder();

/** The entries of the built memory pack, to corrupt. */
async function entries(): Promise<ZipInput[]> {
  const pack = await builtPack("state-memory");
  return readZip(pack.bytes).map((e) => ({ name: e.name, data: e.data.slice() }));
}

/** Recomputes sbom.cbor over everything but sbom.cbor, keeping it last. */
function resbom(list: ZipInput[]): ZipInput[] {
  const rest = list.filter((e) => e.name !== "sbom.cbor");
  return [...rest, { name: "sbom.cbor", data: buildSbom(rest) }];
}

function problemsOf(bytes: Uint8Array): string[] {
  const report = verifyPack(bytes);
  assertEquals(report.ok, false, "the corrupt pack must be rejected");
  return report.problems;
}

function assertProblem(problems: string[], ...parts: string[]): void {
  assert.ok(
    problems.some((p) => parts.every((part) => p.includes(part))),
    `expected a problem with ${JSON.stringify(parts)}, got:\n${problems.join("\n")}`,
  );
}

Deno.test("verifier accepts the built pack", async () => {
  assertEquals(verifyPack((await builtPack("state-memory")).bytes).problems, []);
});

Deno.test("verifier rejects a changed byte in a component (SBOM BLAKE3)", async () => {
  const list = await entries();
  const wasm = list.find((e) => e.name.endsWith(".wasm"))!;
  const mid = wasm.data.length >> 1;
  wasm.data[mid] = wasm.data[mid]! ^ 0x01;
  assertProblem(
    problemsOf(writeStoredZip(list)),
    "components/state-provider-memory.wasm",
    "BLAKE3",
  );
});

Deno.test("verifier rejects a flipped byte in the archive (CRC-32)", async () => {
  const bytes = (await builtPack("state-memory")).bytes.slice();
  bytes[200_000] = bytes[200_000]! ^ 0x40;
  assertProblem(problemsOf(bytes), "components/state-provider-memory.wasm", "CRC-32");
});

Deno.test("verifier rejects an entry missing from the SBOM", async () => {
  const list = await entries();
  const rest = list.filter((e) => e.name !== "sbom.cbor");
  const sbom = buildSbom(rest.filter((e) => e.name !== "i18n/en.json"));
  assertProblem(
    problemsOf(writeStoredZip([...rest, { name: "sbom.cbor", data: sbom }])),
    `"i18n/en.json" is in the pack but not listed in sbom.cbor`,
  );
});

Deno.test("verifier rejects an extra file", async () => {
  const list = await entries();
  list.splice(list.length - 1, 0, { name: "assets/zz-extra.txt", data: enc.encode("surprise") });
  assertProblem(
    problemsOf(writeStoredZip(list)),
    `"assets/zz-extra.txt"`,
    "not listed in sbom.cbor",
  );
});

Deno.test("verifier rejects a ../ path (zip-slip) even when the SBOM lists it", async () => {
  const list = await entries();
  list.splice(list.length - 1, 0, { name: "../evil.sh", data: enc.encode("rm -rf /") });
  assertProblem(problemsOf(writeStoredZip(resbom(list))), `"../evil.sh"`, "zip-slip");
});

Deno.test("verifier rejects a forbidden pack.yaml even when the SBOM lists it", async () => {
  const list = await entries();
  list.splice(list.length - 1, 0, { name: "pack.yaml", data: enc.encode("pack_id: x\n") });
  assertProblem(problemsOf(writeStoredZip(resbom(list))), `"pack.yaml" is forbidden`);
  const other = await entries();
  other.splice(3, 0, { name: "components/x.manifest.json", data: enc.encode("{}") });
  assertProblem(problemsOf(writeStoredZip(resbom(other))), "manifest JSON files are build sources");
});

Deno.test("verifier rejects a duplicate entry", async () => {
  const list = await entries();
  list.splice(list.length - 1, 0, { name: "assets/README.mX", data: enc.encode("twin") });
  const bytes = writeStoredZip(list);
  // Rename the extra entry in both its local and central headers to an existing name.
  const from = enc.encode("assets/README.mX");
  for (let i = 0; i <= bytes.length - from.length; i++) {
    if (from.every((b, j) => bytes[i + j] === b)) bytes[i + from.length - 1] = "d".charCodeAt(0);
  }
  assertProblem(problemsOf(bytes), `"assets/README.md" appears more than once`);
});

Deno.test("verifier rejects a component manifest that does not match its SHA-256", async () => {
  const list = await entries();
  const cm = list.find((e) => e.name.endsWith(".manifest.cbor"))!;
  cm.data = new Uint8Array([...cm.data.slice(0, -1), cm.data[cm.data.length - 1]! ^ 1]);
  assertProblem(
    problemsOf(writeStoredZip(resbom(list))),
    "components/state-provider-memory.manifest.cbor",
    "manifest.cbor says",
  );
});

Deno.test("verifier rejects compressed entries, wrong order and a missing manifest", async () => {
  const list = resbom(await entries());
  const files: Record<string, Uint8Array> = {};
  for (const e of list) files[e.name] = e.data;
  assertProblem(problemsOf(zipSync(files, { level: 6 })), "is compressed");
  const swapped = [list[0]!, list[2]!, list[1]!, ...list.slice(3)];
  assertProblem(problemsOf(writeStoredZip(swapped)), "out of order");
  assertProblem(problemsOf(writeStoredZip(resbom(list.slice(1)))), "manifest.cbor is missing");
});

Deno.test("packs:verify exits 0 for good packs and 1 with the reason for a bad one", async () => {
  const good = `${TEST_OUT_DIR}/state-memory.gtpack`;
  const bad = `${TEST_OUT_DIR}/bad.gtpack`;
  await builtPack("state-memory");
  const list = await entries();
  list.splice(list.length - 1, 0, { name: "../evil.sh", data: enc.encode("x") });
  await Deno.writeFile(bad, writeStoredZip(list));
  const logs: string[] = [];
  const errors: string[] = [];
  const out = { log: (s: string) => logs.push(s), error: (s: string) => errors.push(s) };
  assertEquals(await verifyCommand([good], out), 0);
  assert.match(logs.join("\n"), /state-memory\.gtpack: ok \(state-memory /);
  assertEquals(await verifyCommand([good, bad], out), 1);
  assert.match(errors.join("\n"), /bad\.gtpack: INVALID[\s\S]*zip-slip/);
  assertEquals(await verifyCommand([`${TEST_OUT_DIR}/missing.gtpack`], out), 1);
  assert.match(errors.join("\n"), /cannot read/);
});
