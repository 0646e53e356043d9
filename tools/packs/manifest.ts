/**
 * `manifest.cbor` and the component manifests of a pack.
 *
 * @module
 */
import { encodeCanonical, encodeOrdered } from "./cbor.ts";
import { sha256Hex } from "./hash.ts";
import type { Json, PackSource } from "./source.ts";

/** Extension id of the pack mode. */
export const EXT_PACK_MODE = "greentic.pack-mode.v1";
/** Extension id listing the component manifests with their SHA-256. */
export const EXT_COMPONENT_MANIFESTS = "greentic.pack.component_manifests@v1";
/** Extension id of the capability offers. */
export const EXT_CAPABILITIES = "greentic.ext.capabilities.v1";

/** The in-pack path of a component's manifest. */
export function componentManifestPath(id: string): string {
  return `components/${id}.manifest.cbor`;
}

/**
 * Encodes a component manifest as stored in a pack: canonical CBOR.
 *
 * @param manifest The (version-stamped) component manifest.
 * @returns The bytes of `components/<id>.manifest.cbor`.
 */
export function encodeComponentManifest(manifest: Record<string, Json>): Uint8Array {
  return encodeCanonical(manifest);
}

function capabilityNames(source: PackSource): string[] {
  const names = new Set<string>();
  const ext = source.pack.extensions;
  const cap = typeof ext === "object" && ext !== null && !Array.isArray(ext)
    ? ext[EXT_CAPABILITIES]
    : undefined;
  const inline = typeof cap === "object" && cap !== null && !Array.isArray(cap) ? cap.inline : null;
  const offers = typeof inline === "object" && inline !== null && !Array.isArray(inline)
    ? inline.offers
    : null;
  if (Array.isArray(offers)) {
    for (const o of offers) {
      if (
        typeof o === "object" && o !== null && !Array.isArray(o) && typeof o.cap_id === "string"
      ) {
        names.add(o.cap_id);
      }
    }
  }
  return [...names];
}

/**
 * Builds `manifest.cbor`: a CBOR map whose keys follow the documented order (so it is
 * insertion-ordered, not sorted), ids given as indexes into `symbols`.
 *
 * @param source The loaded pack source.
 * @param componentManifests Bytes of each `components/<id>.manifest.cbor`, by id.
 * @returns The manifest bytes.
 */
export function buildManifest(
  source: PackSource,
  componentManifests: ReadonlyMap<string, Uint8Array>,
): Uint8Array {
  const componentIds = source.components.map((c) => c.id);
  const caps = capabilityNames(source);
  const components = source.components.map((c, index) => {
    const m = c.manifest;
    return {
      id: index,
      version: source.version,
      supports: m.supports ?? [],
      world: m.world,
      profiles: m.profiles ?? {},
      capabilities: m.capabilities ?? {},
      configurators: null,
      operations: Array.isArray(m.operations)
        ? m.operations.map((o) =>
          typeof o === "object" && o !== null && !Array.isArray(o) ? { name: o.name } : o
        )
        : [],
      config_schema: m.config_schema ?? null,
      resources: m.resources ?? {},
      dev_flows: m.dev_flows ?? {},
    };
  });
  const extensions: Record<string, unknown> = {
    [EXT_PACK_MODE]: { kind: EXT_PACK_MODE, version: "1.0.0", inline: { mode: "prod" } },
    [EXT_COMPONENT_MANIFESTS]: {
      kind: EXT_COMPONENT_MANIFESTS,
      version: "1.0.0",
      inline: {
        schema_version: 1,
        entries: source.components.map((c) => {
          const bytes = componentManifests.get(c.id);
          if (bytes === undefined) throw new Error(`No component manifest bytes for "${c.id}"`);
          return {
            component_id: c.id,
            manifest_file: componentManifestPath(c.id),
            encoding: "cbor",
            content_hash: `sha256:${sha256Hex(bytes)}`,
          };
        }),
      },
    },
  };
  const packExtensions = source.pack.extensions;
  if (
    typeof packExtensions === "object" && packExtensions !== null && !Array.isArray(packExtensions)
  ) {
    for (const [k, v] of Object.entries(packExtensions)) {
      if (k === EXT_PACK_MODE || k === EXT_COMPONENT_MANIFESTS) {
        throw new Error(`pack.yaml must not set the builder-owned extension "${k}"`);
      }
      extensions[k] = v;
    }
  }
  const manifest: Record<string, unknown> = {
    schema_version: "pack-v1",
    pack_id: source.packId,
    name: source.pack.name,
    version: source.version,
    kind: "application",
    publisher: source.pack.publisher,
    symbols: {
      component_ids: componentIds,
      node_ids: [],
      capability_names: caps,
      pack_ids: [source.packId],
    },
    components,
    flows: [],
    dependencies: [],
    capabilities: caps.map((_, i) => ({ name: i })),
  };
  if (source.secretRequirements.length > 0) {
    manifest.secret_requirements = source.secretRequirements;
  }
  manifest.signatures = { signatures: [] };
  manifest.extensions = extensions;
  return encodeOrdered(manifest);
}
