/**
 * Checks a `.gtpack` the way the Greentic pack reader does, and reports every problem.
 *
 * @module
 */
import { decodeCbor } from "./cbor.ts";
import { sha256Hex } from "./hash.ts";
import { componentManifestPath, EXT_COMPONENT_MANIFESTS, EXT_PACK_MODE } from "./manifest.ts";
import { checkSbom } from "./sbom.ts";
import { COMPONENT_WORLD } from "./source.ts";
import { readZip, type ZipEntry } from "./zip.ts";

/** Largest file a reader accepts. */
export const MAX_FILE_BYTES = 16 * 1024 * 1024;
/** Largest total of uncompressed sizes a reader accepts. */
export const MAX_TOTAL_BYTES = 64 * 1024 * 1024;

/** Outcome of {@link verifyPack}. */
export interface VerifyReport {
  /** True when no problem was found. */
  ok: boolean;
  /** Every problem found, each naming the entry and what is wrong. */
  problems: string[];
  /** `pack_id` and `version` from the manifest, when readable. */
  packId?: string;
  /** Version from the manifest, when readable. */
  version?: string;
  /** Entry names in archive order. */
  entries: string[];
}

/**
 * Whether a path is a source file that must not ship in a production pack: `pack.yaml`,
 * `pack.manifest.json`, a root `secret-requirements.json`, any `*manifest.json`,
 * `*.ygtc`, `flows/*.json`.
 *
 * @param path In-pack path.
 * @returns The reason when forbidden, otherwise `null`.
 */
export function forbiddenReason(path: string): string | null {
  if (path === "pack.yaml") return "pack.yaml is a build source";
  if (path === "secret-requirements.json") {
    return "a root secret-requirements.json is a build source (ship assets/secret-requirements.json)";
  }
  if (path.endsWith("manifest.json")) return "manifest JSON files are build sources (ship CBOR)";
  if (path.endsWith(".ygtc")) return "*.ygtc flow sources are not shipped";
  if (/^flows\/[^/]+\.json$/.test(path)) return "flows/*.json sources are not shipped";
  return null;
}

/** Problem with a path: absolute, `..`, backslashes, empty segments. */
function unsafePath(name: string): string | null {
  if (name.startsWith("/") || /^[A-Za-z]:/.test(name)) return "is absolute";
  if (name.includes("\\")) return "contains a backslash";
  if (name.includes("\0")) return "contains a NUL byte";
  const segments = name.split("/");
  if (segments.includes("..")) return "escapes the pack with .. (zip-slip)";
  if (segments.some((s) => s === "" || s === ".")) return "has an empty or . segment";
  return null;
}

function isMap(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v) && !(v instanceof Uint8Array);
}

function checkEntries(entries: ZipEntry[], problems: string[]): Map<string, Uint8Array> {
  const files = new Map<string, Uint8Array>();
  let total = 0;
  for (const e of entries) {
    const label = JSON.stringify(e.name);
    const unsafe = unsafePath(e.name);
    if (unsafe) problems.push(`Entry ${label} ${unsafe}`);
    if (e.name.endsWith("/")) {
      problems.push(`Entry ${label} is a directory; only files are allowed`);
    }
    if (e.method !== 0) {
      problems.push(`Entry ${label} is compressed (method ${e.method}); use STORED`);
    }
    if ((e.mode & 0o170000) !== 0o100000) {
      problems.push(`Entry ${label} is not a regular file (mode ${e.mode.toString(8)})`);
    } else if ((e.mode & 0o7777) !== 0o644) {
      problems.push(`Entry ${label} has mode ${(e.mode & 0o7777).toString(8)}; use 644`);
    }
    if (!e.crcOk) problems.push(`Entry ${label} fails its CRC-32 check`);
    if (e.size > MAX_FILE_BYTES) {
      problems.push(`Entry ${label} is ${e.size} bytes, over the ${MAX_FILE_BYTES}-byte limit`);
    }
    total += e.size;
    const forbidden = forbiddenReason(e.name);
    if (forbidden) problems.push(`Entry ${label} is forbidden: ${forbidden}`);
    if (files.has(e.name)) problems.push(`Entry ${label} appears more than once`);
    else files.set(e.name, e.data);
  }
  if (total > MAX_TOTAL_BYTES) {
    problems.push(`The pack holds ${total} bytes, over the ${MAX_TOTAL_BYTES}-byte limit`);
  }
  return files;
}

function checkOrder(names: string[], componentIds: string[], problems: string[]): void {
  const expected: string[] = ["manifest.cbor"];
  for (const id of componentIds) {
    expected.push(`components/${id}.wasm`);
    if (names.includes(`components/${id}.wasm.describe.cbor`)) {
      expected.push(`components/${id}.wasm.describe.cbor`);
    }
    expected.push(componentManifestPath(id));
  }
  const fixed = new Set([...expected, "sbom.cbor"]);
  expected.push(...names.filter((n) => !fixed.has(n)).sort());
  if (names.includes("sbom.cbor")) expected.push("sbom.cbor");
  if (expected.length === names.length && expected.every((n, i) => n === names[i])) return;
  const at = expected.findIndex((n, i) => n !== names[i]);
  problems.push(
    `Entries are out of order at position ${at}: found ${JSON.stringify(names[at])}, expected ${
      JSON.stringify(expected[at])
    } (order: manifest.cbor, component wasm and manifest, other files sorted, sbom.cbor)`,
  );
}

function checkManifest(
  files: Map<string, Uint8Array>,
  problems: string[],
  report: VerifyReport,
): string[] {
  const bytes = files.get("manifest.cbor");
  if (bytes === undefined) {
    problems.push("manifest.cbor is missing");
    return [];
  }
  let manifest: unknown;
  try {
    manifest = decodeCbor(bytes);
  } catch (e) {
    problems.push(`manifest.cbor is not valid CBOR: ${(e as Error).message}`);
    return [];
  }
  if (!isMap(manifest)) {
    problems.push("manifest.cbor must be a CBOR map");
    return [];
  }
  if (manifest.schema_version !== "pack-v1") {
    problems.push(
      `manifest.cbor schema_version is ${
        JSON.stringify(manifest.schema_version)
      }, expected "pack-v1"`,
    );
  }
  for (const field of ["pack_id", "name", "version", "kind", "publisher"]) {
    if (typeof manifest[field] !== "string" || manifest[field] === "") {
      problems.push(`manifest.cbor ${field} must be a non-empty string`);
    }
  }
  if (typeof manifest.pack_id === "string") report.packId = manifest.pack_id;
  if (typeof manifest.version === "string") {
    report.version = manifest.version;
    if (!/^\d+\.\d+\.\d+([-+].*)?$/.test(manifest.version)) {
      problems.push(`manifest.cbor version "${manifest.version}" is not semver`);
    }
  }
  const symbols = manifest.symbols;
  const ids = isMap(symbols) && Array.isArray(symbols.component_ids) ? symbols.component_ids : null;
  if (ids === null || !ids.every((x) => typeof x === "string")) {
    problems.push("manifest.cbor symbols.component_ids must be a list of strings");
    return [];
  }
  const componentIds = ids as string[];
  if (!Array.isArray(manifest.components) || manifest.components.length === 0) {
    problems.push("manifest.cbor components must list at least one component");
    return componentIds;
  }
  for (const [i, c] of manifest.components.entries()) {
    if (!isMap(c) || typeof c.id !== "number" || componentIds[c.id] === undefined) {
      problems.push(`manifest.cbor components[${i}].id must index symbols.component_ids`);
      continue;
    }
    const id = componentIds[c.id]!;
    if (c.world !== COMPONENT_WORLD) {
      problems.push(
        `Component "${id}" has world ${JSON.stringify(c.world)}, expected "${COMPONENT_WORLD}"`,
      );
    }
    if (c.version !== manifest.version) {
      problems.push(
        `Component "${id}" version ${JSON.stringify(c.version)} differs from the pack's`,
      );
    }
    const wasm = files.get(`components/${id}.wasm`);
    if (wasm === undefined) problems.push(`components/${id}.wasm is missing`);
    else if (
      wasm.length < 8 || wasm[0] !== 0 || wasm[1] !== 0x61 || wasm[2] !== 0x73 ||
      wasm[3] !== 0x6d ||
      wasm[6] !== 1 || wasm[7] !== 0
    ) {
      problems.push(`components/${id}.wasm is not a WebAssembly component (bad header)`);
    }
  }
  const extensions = isMap(manifest.extensions) ? manifest.extensions : {};
  const mode = extensions[EXT_PACK_MODE];
  if (!isMap(mode) || !isMap(mode.inline) || mode.inline.mode !== "prod") {
    problems.push(`manifest.cbor extension ${EXT_PACK_MODE} must be inline {mode: "prod"}`);
  }
  const cm = extensions[EXT_COMPONENT_MANIFESTS];
  const entries = isMap(cm) && isMap(cm.inline) && Array.isArray(cm.inline.entries)
    ? cm.inline.entries
    : null;
  if (entries === null) {
    problems.push(`manifest.cbor extension ${EXT_COMPONENT_MANIFESTS} is missing its entries`);
    return componentIds;
  }
  const covered = new Set<string>();
  for (const e of entries) {
    if (!isMap(e) || typeof e.component_id !== "string" || typeof e.manifest_file !== "string") {
      problems.push(`${EXT_COMPONENT_MANIFESTS} has a malformed entry`);
      continue;
    }
    covered.add(e.component_id);
    const data = files.get(e.manifest_file);
    if (data === undefined) {
      problems.push(`Component manifest ${e.manifest_file} of "${e.component_id}" is missing`);
      continue;
    }
    const actual = `sha256:${sha256Hex(data)}`;
    if (e.content_hash !== actual) {
      problems.push(
        `Component manifest ${e.manifest_file} has ${actual} but manifest.cbor says ${e.content_hash}`,
      );
    }
    try {
      const m = decodeCbor(data);
      if (!isMap(m) || m.id !== e.component_id || m.version !== manifest.version) {
        problems.push(
          `Component manifest ${e.manifest_file} must carry id "${e.component_id}" and the pack version`,
        );
      }
    } catch (err) {
      problems.push(
        `Component manifest ${e.manifest_file} is not valid CBOR: ${(err as Error).message}`,
      );
    }
  }
  for (const id of componentIds) {
    if (!covered.has(id)) {
      problems.push(`Component "${id}" has no entry in ${EXT_COMPONENT_MANIFESTS}`);
    }
  }
  return componentIds;
}

/**
 * Verifies a `.gtpack`: entry names and types, zip-slip, duplicates, sizes, order, SBOM
 * hashes and coverage, component-manifest SHA-256, forbidden source files and manifest
 * fields.
 *
 * @param bytes The archive.
 * @returns A report listing every problem (`ok` when there is none).
 */
export function verifyPack(bytes: Uint8Array): VerifyReport {
  const report: VerifyReport = { ok: false, problems: [], entries: [] };
  let entries: ZipEntry[];
  try {
    entries = readZip(bytes);
  } catch (e) {
    report.problems.push((e as Error).message);
    return report;
  }
  report.entries = entries.map((e) => e.name);
  const files = checkEntries(entries, report.problems);
  const componentIds = checkManifest(files, report.problems, report);
  checkOrder(report.entries, componentIds, report.problems);
  const sbom = files.get("sbom.cbor");
  if (sbom === undefined) report.problems.push("sbom.cbor is missing");
  else report.problems.push(...checkSbom(sbom, files));
  report.ok = report.problems.length === 0;
  return report;
}
