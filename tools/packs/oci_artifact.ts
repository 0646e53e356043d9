/**
 * The OCI 1.1 artifact a `.gtpack` is published as: media types, annotations and the
 * image manifest.
 *
 * @module
 */
import { digestOf } from "./oci_client.ts";

/** Media type of an OCI image manifest. */
export const OCI_MANIFEST_MEDIA_TYPE = "application/vnd.oci.image.manifest.v1+json";
/** Artifact type and layer media type of a `.gtpack`. */
export const GTPACK_MEDIA_TYPE = "application/vnd.greentic.gtpack.v1+zip";
/** Media type of the empty config. */
export const EMPTY_CONFIG_MEDIA_TYPE = "application/vnd.oci.empty.v1+json";
/** Media type of the README layer. */
export const README_MEDIA_TYPE = "text/markdown";
/** The empty config blob: `{}`. */
export const EMPTY_CONFIG: Uint8Array<ArrayBuffer> = new TextEncoder().encode("{}");

/** A blob to push with its descriptor. */
export interface ArtifactBlob {
  mediaType: string;
  bytes: Uint8Array<ArrayBuffer>;
  digest: string;
  /** File name (`org.opencontainers.image.title`), for layers. */
  title?: string;
}

/** Annotations of the manifest. */
export interface ArtifactAnnotations {
  /** `org.opencontainers.image.source`, omitted when unknown. */
  source?: string;
  /** `org.opencontainers.image.revision`, omitted when unknown. */
  revision?: string;
  version: string;
  title: string;
  description: string;
  /** RFC 3339 time. */
  created: string;
}

/** A ready-to-push artifact. */
export interface Artifact {
  config: ArtifactBlob;
  layers: ArtifactBlob[];
  manifest: Uint8Array<ArrayBuffer>;
  digest: string;
}

function blob(mediaType: string, bytes: Uint8Array<ArrayBuffer>, title?: string): ArtifactBlob {
  return { mediaType, bytes, digest: digestOf(bytes), ...(title !== undefined ? { title } : {}) };
}

/**
 * Builds the artifact of a pack: the empty config, the `.gtpack` layer and the README
 * layer, and the image manifest (JSON with a fixed key order, so the same inputs give the
 * same digest).
 *
 * @param pack The `.gtpack` bytes and file name.
 * @param readme The README bytes and file name.
 * @param annotations Manifest annotations.
 * @returns The artifact.
 */
export function buildArtifact(
  pack: { name: string; bytes: Uint8Array<ArrayBuffer> },
  readme: { name: string; bytes: Uint8Array<ArrayBuffer> },
  annotations: ArtifactAnnotations,
): Artifact {
  const config = blob(EMPTY_CONFIG_MEDIA_TYPE, EMPTY_CONFIG);
  const layers = [
    blob(GTPACK_MEDIA_TYPE, pack.bytes, pack.name),
    blob(README_MEDIA_TYPE, readme.bytes, readme.name),
  ];
  const manifestAnnotations: Record<string, string> = {};
  if (annotations.source !== undefined) {
    manifestAnnotations["org.opencontainers.image.source"] = annotations.source;
  }
  if (annotations.revision !== undefined) {
    manifestAnnotations["org.opencontainers.image.revision"] = annotations.revision;
  }
  manifestAnnotations["org.opencontainers.image.version"] = annotations.version;
  manifestAnnotations["org.opencontainers.image.title"] = annotations.title;
  manifestAnnotations["org.opencontainers.image.description"] = annotations.description;
  manifestAnnotations["org.opencontainers.image.created"] = annotations.created;
  const manifest = {
    schemaVersion: 2,
    mediaType: OCI_MANIFEST_MEDIA_TYPE,
    artifactType: GTPACK_MEDIA_TYPE,
    config: {
      mediaType: config.mediaType,
      digest: config.digest,
      size: config.bytes.length,
      data: "e30=",
    },
    layers: layers.map((l) => ({
      mediaType: l.mediaType,
      digest: l.digest,
      size: l.bytes.length,
      annotations: { "org.opencontainers.image.title": l.title },
    })),
    annotations: manifestAnnotations,
  };
  const bytes = new TextEncoder().encode(JSON.stringify(manifest));
  return { config, layers, manifest: bytes, digest: digestOf(bytes) };
}

/**
 * Finds the `.gtpack` layer of a manifest the way consumers do: the layer of type
 * {@link GTPACK_MEDIA_TYPE}, or else the first layer.
 *
 * @param manifest Manifest JSON bytes.
 * @returns The layer's digest and size, or `undefined` when there is no layer.
 */
export function gtpackLayer(manifest: Uint8Array): { digest: string; size: number } | undefined {
  const parsed = JSON.parse(new TextDecoder().decode(manifest)) as {
    layers?: { mediaType?: string; digest?: string; size?: number }[];
  };
  const layers = parsed.layers ?? [];
  const layer = layers.find((l) => l.mediaType === GTPACK_MEDIA_TYPE) ?? layers[0];
  if (layer?.digest === undefined || layer.size === undefined) return undefined;
  return { digest: layer.digest, size: layer.size };
}
