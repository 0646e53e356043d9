/**
 * Reads and checks the source of a pack (`packs/<pack>/`): `pack.yaml`, the component
 * manifests, assets, `i18n/en.json`, `pack.lock.json`, and stamps the package version.
 *
 * @module
 */
import { parse as parseYaml } from "yaml";

/** The world every state provider component implements. */
export const COMPONENT_WORLD = "greentic:component/component-v0-v6-v0@0.6.1";

/** A JSON-like value as read from YAML or JSON sources. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** One component of a pack source. */
export interface ComponentSourceInfo {
  /** Component id, e.g. `state-provider-memory`. */
  id: string;
  /** `pack.yaml` entry, version stamped. */
  entry: Record<string, Json>;
  /** The component manifest (from `component.manifest.json`), version stamped. */
  manifest: Record<string, Json>;
  /** Absolute path of the component's TypeScript entry (`component.ts` beside the manifest). */
  tsEntry: string;
}

/** A loaded pack source. */
export interface PackSource {
  /** Absolute path of the pack directory. */
  dir: string;
  /** `pack.yaml`, version stamped. */
  pack: Record<string, Json>;
  /** Pack id (`pack_id`). */
  packId: string;
  /** The stamped version. */
  version: string;
  /** Components in `pack.yaml` order. */
  components: ComponentSourceInfo[];
  /** Files copied into the pack as they are: assets and `i18n/en.json`, by in-pack path. */
  files: Map<string, Uint8Array>;
  /** `secret-requirements.json` entries. */
  secretRequirements: Json[];
  /** `pack.lock.json` content. */
  lock: Json;
  /** Bytes of `assets/README.md` (published next to the pack). */
  readme: Uint8Array;
}

/** A problem in a pack source; the message names the file and what to change. */
export class PackSourceError extends Error {
  override name = "PackSourceError";
}

const SEMVER = /^\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?$/;

function isMap(v: unknown): v is Record<string, Json> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function str(map: Record<string, Json>, field: string, where: string): string {
  const v = map[field];
  if (typeof v !== "string" || v === "") {
    throw new PackSourceError(
      `${where}: "${field}" must be a non-empty string, got ${JSON.stringify(v)}`,
    );
  }
  return v;
}

/** Checks that an in-pack path is relative, `/`-separated and free of `..`. */
export function checkRelativePath(path: string, where: string): string {
  if (
    path === "" || path.startsWith("/") || path.includes("\\") || /^[A-Za-z]:/.test(path) ||
    path.split("/").some((s) => s === "" || s === "." || s === "..")
  ) {
    throw new PackSourceError(
      `${where}: path "${path}" must be relative, use "/" and contain no empty, "." or ".." segment`,
    );
  }
  return path;
}

async function readJson(path: string): Promise<Json> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (e) {
    throw new PackSourceError(`Cannot read ${path}: ${(e as Error).message}`);
  }
  try {
    return JSON.parse(text) as Json;
  } catch (e) {
    throw new PackSourceError(`Cannot parse ${path} as JSON: ${(e as Error).message}`);
  }
}

/**
 * Reads the package version from `deno.json`.
 *
 * @param root Repository root.
 * @returns The `version` field.
 * @throws PackSourceError when it is missing or not semver.
 */
export async function packageVersion(root: string): Promise<string> {
  const denoJson = await readJson(`${root}/deno.json`);
  const version = isMap(denoJson) ? denoJson.version : undefined;
  if (typeof version !== "string" || !SEMVER.test(version)) {
    throw new PackSourceError(
      `${root}/deno.json: "version" must be a semver string, got ${version}`,
    );
  }
  return version;
}

/**
 * Loads a pack source and stamps `version` into the pack and its components.
 *
 * @param dir Pack directory (absolute).
 * @param version Version to stamp (the package version).
 * @returns The checked source.
 * @throws PackSourceError naming the file and field at fault.
 */
export async function loadPackSource(dir: string, version: string): Promise<PackSource> {
  const yamlPath = `${dir}/pack.yaml`;
  let pack: unknown;
  try {
    pack = parseYaml(await Deno.readTextFile(yamlPath));
  } catch (e) {
    throw new PackSourceError(`Cannot read ${yamlPath}: ${(e as Error).message}`);
  }
  if (!isMap(pack)) throw new PackSourceError(`${yamlPath}: expected a map at the top`);
  for (const f of ["pack_id", "version", "kind", "publisher", "name", "description"]) {
    str(pack, f, yamlPath);
  }
  const packId = str(pack, "pack_id", yamlPath);
  const sourceVersion = str(pack, "version", yamlPath);
  if (!Array.isArray(pack.components) || pack.components.length === 0) {
    throw new PackSourceError(`${yamlPath}: "components" must list at least one component`);
  }
  const components: ComponentSourceInfo[] = [];
  for (const [i, c] of pack.components.entries()) {
    const where = `${yamlPath} components[${i}]`;
    if (!isMap(c)) throw new PackSourceError(`${where}: expected a map`);
    const id = str(c, "id", where);
    if (!/^[a-z0-9][a-z0-9._-]*$/.test(id)) {
      throw new PackSourceError(`${where}: id "${id}" must match ^[a-z0-9][a-z0-9._-]*$`);
    }
    if (str(c, "world", where) !== COMPONENT_WORLD) {
      throw new PackSourceError(`${where}: world must be "${COMPONENT_WORLD}"`);
    }
    const wasm = checkRelativePath(str(c, "wasm", where), where);
    if (wasm !== `components/${id}.wasm`) {
      throw new PackSourceError(`${where}: wasm must be "components/${id}.wasm", got "${wasm}"`);
    }
    const manifestRel = checkRelativePath(str(c, "manifest", where), where);
    const manifestPath = `${dir}/${manifestRel}`;
    const manifest = await readJson(manifestPath);
    if (!isMap(manifest)) throw new PackSourceError(`${manifestPath}: expected a JSON object`);
    if (manifest.id !== id) {
      throw new PackSourceError(
        `${manifestPath}: id "${manifest.id}" must equal the pack.yaml component id "${id}"`,
      );
    }
    const componentVersion = str(c, "version", where);
    if (manifest.version !== componentVersion) {
      throw new PackSourceError(
        `${manifestPath}: version "${manifest.version}" must equal pack.yaml's "${componentVersion}"`,
      );
    }
    if (manifest.world !== COMPONENT_WORLD) {
      throw new PackSourceError(`${manifestPath}: world must be "${COMPONENT_WORLD}"`);
    }
    const tsEntry = `${manifestPath.slice(0, manifestPath.lastIndexOf("/"))}/component.ts`;
    components.push({
      id,
      entry: { ...c, version },
      manifest: { ...manifest, version },
      tsEntry,
    });
  }
  if (new Set(components.map((c) => c.id)).size !== components.length) {
    throw new PackSourceError(`${yamlPath}: component ids must be unique`);
  }
  const files = new Map<string, Uint8Array>();
  const assets = pack.assets;
  if (!Array.isArray(assets)) throw new PackSourceError(`${yamlPath}: "assets" must be a list`);
  for (const [i, a] of assets.entries()) {
    const where = `${yamlPath} assets[${i}]`;
    if (!isMap(a)) throw new PackSourceError(`${where}: expected a map with "path"`);
    const path = checkRelativePath(str(a, "path", where), where);
    if (!path.startsWith("assets/")) {
      throw new PackSourceError(`${where}: asset "${path}" must live under assets/`);
    }
    try {
      files.set(path, await Deno.readFile(`${dir}/${path}`));
    } catch (e) {
      throw new PackSourceError(`${where}: cannot read ${dir}/${path}: ${(e as Error).message}`);
    }
  }
  for (
    const required of ["assets/setup.yaml", "assets/README.md", "assets/secret-requirements.json"]
  ) {
    if (!files.has(required)) {
      throw new PackSourceError(`${yamlPath}: "assets" must list ${required}`);
    }
  }
  const i18n = await readJson(`${dir}/i18n/en.json`);
  if (!isMap(i18n) || !Object.values(i18n).every((v) => typeof v === "string")) {
    throw new PackSourceError(`${dir}/i18n/en.json: expected a flat map of key to text`);
  }
  files.set("i18n/en.json", await Deno.readFile(`${dir}/i18n/en.json`));
  const secrets = await readJson(`${dir}/assets/secret-requirements.json`);
  if (!Array.isArray(secrets)) {
    throw new PackSourceError(`${dir}/assets/secret-requirements.json: expected a JSON array`);
  }
  for (const [i, s] of secrets.entries()) {
    const where = `${dir}/assets/secret-requirements.json [${i}]`;
    if (!isMap(s) || typeof s.required !== "boolean" || !isMap(s.scope)) {
      throw new PackSourceError(
        `${where}: expected {key, required, description, scope: {env, tenant}}`,
      );
    }
    str(s, "key", where);
    str(s, "description", where);
    str(s.scope, "env", where);
    str(s.scope, "tenant", where);
  }
  const lock = await readJson(`${dir}/pack.lock.json`);
  if (!isMap(lock) || lock.version !== 1 || !isMap(lock.components)) {
    throw new PackSourceError(
      `${dir}/pack.lock.json: expected {"version": 1, "components": {...}}`,
    );
  }
  void sourceVersion;
  return {
    dir,
    pack: { ...pack, version, components: components.map((c) => c.entry) },
    packId,
    version,
    components,
    files,
    secretRequirements: secrets,
    lock,
    readme: files.get("assets/README.md")!,
  };
}
