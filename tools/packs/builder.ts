/**
 * Assembles a `.gtpack` from a loaded source and its compiled components.
 *
 * @module
 */
import { encodeCanonical } from "./cbor.ts";
import { buildManifest, componentManifestPath, encodeComponentManifest } from "./manifest.ts";
import { buildSbom } from "./sbom.ts";
import type { PackSource } from "./source.ts";
import { writeStoredZip, type ZipInput } from "./zip.ts";

/**
 * Lists the entries of a pack in the documented order: `manifest.cbor`; per component its
 * wasm then its manifest; the other files sorted by path; `sbom.cbor` last.
 *
 * @param source The loaded pack source.
 * @param wasmById Compiled component bytes by component id.
 * @returns The entries, ready to be zipped.
 * @throws Error when a component has no compiled bytes.
 */
export function packEntries(
  source: PackSource,
  wasmById: ReadonlyMap<string, Uint8Array>,
): ZipInput[] {
  const componentManifests = new Map<string, Uint8Array>();
  for (const c of source.components) {
    componentManifests.set(c.id, encodeComponentManifest(c.manifest));
  }
  const entries: ZipInput[] = [
    { name: "manifest.cbor", data: buildManifest(source, componentManifests) },
  ];
  for (const c of source.components) {
    const wasm = wasmById.get(c.id);
    if (wasm === undefined) throw new Error(`Cannot build ${source.packId}: no wasm for "${c.id}"`);
    entries.push({ name: `components/${c.id}.wasm`, data: wasm });
    entries.push({ name: componentManifestPath(c.id), data: componentManifests.get(c.id)! });
  }
  const others = new Map(source.files);
  others.set("pack.lock.cbor", encodeCanonical(source.lock));
  for (const name of [...others.keys()].sort()) {
    entries.push({ name, data: others.get(name)! });
  }
  entries.push({ name: "sbom.cbor", data: buildSbom(entries) });
  return entries;
}

/**
 * Builds the bytes of a `.gtpack`. The same source and components always give the same
 * bytes.
 *
 * @param source The loaded pack source.
 * @param wasmById Compiled component bytes by component id.
 * @returns The ZIP archive.
 */
export function buildPack(
  source: PackSource,
  wasmById: ReadonlyMap<string, Uint8Array>,
): Uint8Array {
  return writeStoredZip(packEntries(source, wasmById));
}
