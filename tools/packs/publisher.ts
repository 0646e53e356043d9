/**
 * Publishes an artifact to a registry under a version tag and optionally `latest`,
 * skipping blobs the registry has and doing nothing when the version is already there.
 *
 * @module
 */
import { type Artifact, gtpackLayer, OCI_MANIFEST_MEDIA_TYPE } from "./oci_artifact.ts";
import type { OciClient } from "./oci_client.ts";

/** What {@link publishArtifact} did. */
export interface PublishResult {
  /** Digest of the manifest the version tag points to. */
  digest: string;
  /** True when the version was already published with the same pack (nothing pushed). */
  unchanged: boolean;
  /** Blobs uploaded (digests). */
  uploaded: string[];
  /** Blobs the registry already had. */
  skipped: string[];
  /** Tags written. */
  tagged: string[];
}

/** The version exists in the registry with a different pack. */
export class PublishConflictError extends Error {
  override name = "PublishConflictError";
}

/**
 * Pushes an artifact as `repository:version` (and `:latest` when asked).
 *
 * If `version` already names a manifest whose `.gtpack` layer is this pack, nothing is
 * uploaded (only `latest` is moved to it when it points elsewhere). If it names a
 * different pack, publishing fails: versions are immutable.
 *
 * @param client Registry client.
 * @param repository Repository name.
 * @param version Version tag.
 * @param artifact The artifact.
 * @param latest Also tag `latest`.
 * @returns What was done.
 * @throws PublishConflictError when the version holds another pack.
 */
export async function publishArtifact(
  client: OciClient,
  repository: string,
  version: string,
  artifact: Artifact,
  latest: boolean,
): Promise<PublishResult> {
  const result: PublishResult = {
    digest: artifact.digest,
    unchanged: false,
    uploaded: [],
    skipped: [],
    tagged: [],
  };
  const existing = await client.getManifest(repository, version, [OCI_MANIFEST_MEDIA_TYPE]);
  let manifestBytes = artifact.manifest;
  if (existing !== undefined) {
    const theirs = gtpackLayer(existing.bytes);
    const ours = artifact.layers[0]!;
    if (theirs?.digest !== ours.digest) {
      throw new PublishConflictError(
        `${repository}:${version} already exists with pack ${theirs?.digest ?? "(none)"}, ` +
          `not ${ours.digest}: published versions are immutable, bump the version in deno.json`,
      );
    }
    result.unchanged = true;
    result.digest = existing.digest;
    manifestBytes = existing.bytes as Uint8Array<ArrayBuffer>;
  } else {
    for (const blob of [artifact.config, ...artifact.layers]) {
      const { skipped } = await client.pushBlob(repository, blob.bytes);
      (skipped ? result.skipped : result.uploaded).push(blob.digest);
    }
    await client.putManifest(repository, version, artifact.manifest, OCI_MANIFEST_MEDIA_TYPE);
    result.tagged.push(version);
  }
  if (latest) {
    const current = await client.getManifest(repository, "latest", [OCI_MANIFEST_MEDIA_TYPE]);
    if (current?.digest !== result.digest) {
      await client.putManifest(repository, "latest", manifestBytes, OCI_MANIFEST_MEDIA_TYPE);
      result.tagged.push("latest");
    }
  }
  return result;
}
