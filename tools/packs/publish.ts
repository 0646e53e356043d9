/**
 * `deno task packs:publish [--dry-run] [--dist DIR] [PACK...]`: pushes the built packs in
 * `dist/packs/` to `${OCI_REGISTRY}/${OCI_ORG}/${OCI_REPO_PREFIX}/<pack>:<version>` (and
 * `:latest` per `PUBLISH_LATEST`) as OCI 1.1 artifacts.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { decodeCbor } from "./cbor.ts";
import { buildArtifact } from "./oci_artifact.ts";
import { OciClient } from "./oci_client.ts";
import { PACK_NAMES, REPO_ROOT } from "./packs.ts";
import { gitInfo, publishConfigFromEnv, repositoryOf } from "./publish_config.ts";
import { publishArtifact } from "./publisher.ts";
import { loadPackSource, packageVersion } from "./source.ts";
import { verifyPack } from "./verifier.ts";
import { readZip } from "./zip.ts";

/** Output streams of a command. */
export interface CommandOutput {
  log: (s: string) => void;
  error: (s: string) => void;
}

/**
 * Runs the publish command.
 *
 * @param args Command-line arguments.
 * @param env Environment variables.
 * @param out Where to print.
 * @param root Repository root (sources and default `dist/packs`).
 * @returns The exit code: 0 on success (including "already published"), 1 on failure.
 */
export async function publishCommand(
  args: string[],
  env: Record<string, string | undefined>,
  out: CommandOutput,
  root: string = REPO_ROOT,
): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      options: { "dry-run": { type: "boolean" }, dist: { type: "string" } },
    });
  } catch (e) {
    out.error(`${(e as Error).message}\nUsage: packs:publish [--dry-run] [--dist DIR] [PACK...]`);
    return 2;
  }
  const dryRun = parsed.values["dry-run"] ?? false;
  const dist = parsed.values.dist ?? `${root}/dist/packs`;
  const names = parsed.positionals.length > 0 ? parsed.positionals : [...PACK_NAMES];
  try {
    const info = await gitInfo(root, env);
    const config = publishConfigFromEnv(env, info);
    const client = new OciClient({
      registry: config.registry,
      plainHttp: config.plainHttp,
      credentials: config.credentials,
    });
    const version = await packageVersion(root);
    for (const name of names) {
      if (!(PACK_NAMES as readonly string[]).includes(name)) {
        throw new Error(`Unknown pack "${name}": expected one of ${PACK_NAMES.join(", ")}`);
      }
      const file = `${dist}/${name}.gtpack`;
      let bytes: Uint8Array<ArrayBuffer>;
      try {
        bytes = await Deno.readFile(file);
      } catch (e) {
        throw new Error(
          `Cannot read ${file}: ${(e as Error).message}; run deno task packs:build first`,
        );
      }
      const report = verifyPack(bytes);
      if (!report.ok) {
        throw new Error(
          `${file} fails verification, refusing to publish:\n  ${report.problems.join("\n  ")}`,
        );
      }
      if (report.version !== version || report.packId !== name) {
        throw new Error(
          `${file} is ${report.packId} ${report.version}, expected ${name} ${version}: rebuild it`,
        );
      }
      const source = await loadPackSource(`${root}/packs/${name}`, version);
      const entries = readZip(bytes);
      const readme = entries.find((e) => e.name === "assets/README.md");
      if (readme === undefined) throw new Error(`${file} has no assets/README.md to publish`);
      const manifest = decodeCbor(entries[0]!.data) as { name?: string };
      const artifact = buildArtifact(
        { name: `${name}.gtpack`, bytes },
        { name: "README.md", bytes: new Uint8Array(readme.data) },
        {
          ...(info.source !== undefined ? { source: info.source } : {}),
          ...(info.revision !== undefined ? { revision: info.revision } : {}),
          version,
          title: manifest.name ?? name,
          description: String(source.pack.description),
          created: info.created ?? new Date().toISOString(),
        },
      );
      const repository = repositoryOf(config, name);
      const ref = `${config.registry}/${repository}:${version}`;
      if (dryRun) {
        out.log(`[dry-run] would push ${ref}${config.publishLatest ? " (+ :latest)" : ""}`);
        out.log(`  via ${client.baseUrl}, manifest ${artifact.digest}`);
        for (const b of [artifact.config, ...artifact.layers]) {
          out.log(
            `  ${b.mediaType} ${b.digest} ${b.bytes.length} bytes${b.title ? ` ${b.title}` : ""}`,
          );
        }
        const { annotations } = JSON.parse(new TextDecoder().decode(artifact.manifest)) as {
          annotations: Record<string, string>;
        };
        for (const [k, v] of Object.entries(annotations)) out.log(`  ${k}=${v}`);
        continue;
      }
      const result = await publishArtifact(
        client,
        repository,
        version,
        artifact,
        config.publishLatest,
      );
      if (result.unchanged) {
        out.log(
          `${ref} is already published (${result.digest}); nothing pushed` +
            (result.tagged.length > 0 ? `, tagged ${result.tagged.join(", ")}` : ""),
        );
      } else {
        out.log(
          `pushed ${ref}@${result.digest} (uploaded ${result.uploaded.length} blobs, skipped ${result.skipped.length}; tags ${
            result.tagged.join(", ")
          })`,
        );
      }
    }
    return 0;
  } catch (e) {
    out.error(`packs:publish failed: ${(e as Error).message}`);
    return 1;
  }
}

if (import.meta.main) {
  Deno.exit(
    await publishCommand(Deno.args, Deno.env.toObject(), {
      log: console.log,
      error: console.error,
    }),
  );
}
