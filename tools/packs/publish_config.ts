/**
 * Publishing settings from the environment: registry, repository path, credentials,
 * `latest` tagging, plain HTTP, and the provenance annotations.
 *
 * @module
 */
import type { OciCredentials } from "./oci_client.ts";
import { isLoopbackRegistry } from "./oci_client.ts";

/** Resolved publishing settings. */
export interface PublishConfig {
  /** Registry host (`OCI_REGISTRY`, default `ghcr.io`). */
  registry: string;
  /** Organisation (`OCI_ORG`, default the repository owner), lowercased. */
  org: string;
  /** Path under the organisation (`OCI_REPO_PREFIX`, default `packs/state`). */
  prefix: string;
  /** Tag `latest` too (`PUBLISH_LATEST` 1/true/yes, the default). */
  publishLatest: boolean;
  /** Talk plain HTTP (loopback registry or `OCI_PLAIN_HTTP=1`). */
  plainHttp: boolean;
  /** Credentials (`OCI_USERNAME`, `OCI_PASSWORD`, `OCI_TOKEN`). */
  credentials: OciCredentials;
}

/** Provenance of the build, for annotations. */
export interface GitInfo {
  /** Source repository URL. */
  source?: string;
  /** Commit id. */
  revision?: string;
  /** Commit time, RFC 3339. */
  created?: string;
}

const TRUE = new Set(["1", "true", "yes", "on"]);
const FALSE = new Set(["0", "false", "no", "off", ""]);

function flag(env: Record<string, string | undefined>, name: string, fallback: boolean): boolean {
  const raw = env[name];
  if (raw === undefined) return fallback;
  const v = raw.trim().toLowerCase();
  if (TRUE.has(v)) return true;
  if (FALSE.has(v)) return false;
  throw new Error(`${name}="${raw}" is not a boolean: use 1/true/yes or 0/false/no`);
}

/** The owner part of a GitHub-style remote URL, if any. */
export function ownerFromRemote(remote: string | undefined): string | undefined {
  if (!remote) return undefined;
  const m = /[/:]([^/:]+)\/[^/]+?(?:\.git)?\/?$/.exec(remote.trim());
  return m?.[1];
}

/**
 * Reads the publishing settings.
 *
 * @param env Environment variables.
 * @param git Provenance, for the default organisation.
 * @returns The settings.
 * @throws Error when no organisation can be found or a value is malformed.
 */
export function publishConfigFromEnv(
  env: Record<string, string | undefined>,
  git: GitInfo = {},
): PublishConfig {
  const registry = (env.OCI_REGISTRY || "ghcr.io").replace(/^https?:\/\//, "").replace(/\/+$/, "");
  const org = env.OCI_ORG || env.GITHUB_REPOSITORY_OWNER || ownerFromRemote(git.source);
  if (!org) {
    throw new Error(
      "Cannot tell which organisation to publish to: set OCI_ORG (or GITHUB_REPOSITORY_OWNER)",
    );
  }
  const prefix = (env.OCI_REPO_PREFIX ?? "packs/state").replace(/^\/+|\/+$/g, "");
  const credentials: OciCredentials = {};
  if (env.OCI_USERNAME) credentials.username = env.OCI_USERNAME;
  if (env.OCI_PASSWORD) credentials.password = env.OCI_PASSWORD;
  if (env.OCI_TOKEN) credentials.token = env.OCI_TOKEN;
  return {
    registry,
    org: org.toLowerCase(),
    prefix,
    publishLatest: flag(env, "PUBLISH_LATEST", true),
    plainHttp: flag(env, "OCI_PLAIN_HTTP", false) || isLoopbackRegistry(registry),
    credentials,
  };
}

/**
 * The repository of a pack: `<org>/<prefix>/<pack>`.
 *
 * @param config Publishing settings.
 * @param pack Pack name.
 * @returns The repository name.
 */
export function repositoryOf(config: PublishConfig, pack: string): string {
  return [config.org, config.prefix, pack].filter((s) => s !== "").join("/");
}

async function git(root: string, args: string[]): Promise<string | undefined> {
  try {
    const { code, stdout } = await new Deno.Command("git", {
      args: ["-C", root, ...args],
      stdout: "piped",
      stderr: "null",
    }).output();
    const text = new TextDecoder().decode(stdout).trim();
    return code === 0 && text !== "" ? text : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Provenance from the environment (`GITHUB_SERVER_URL`/`GITHUB_REPOSITORY`, `GITHUB_SHA`,
 * `SOURCE_DATE_EPOCH`) or git (remote `origin`, `HEAD` and its commit time).
 *
 * @param root Repository root.
 * @param env Environment variables.
 * @returns What could be found.
 */
export async function gitInfo(
  root: string,
  env: Record<string, string | undefined>,
): Promise<GitInfo> {
  const info: GitInfo = {};
  const source = env.GITHUB_REPOSITORY
    ? `${env.GITHUB_SERVER_URL ?? "https://github.com"}/${env.GITHUB_REPOSITORY}`
    : await git(root, ["remote", "get-url", "origin"]);
  if (source) info.source = source;
  const revision = env.GITHUB_SHA ?? await git(root, ["rev-parse", "HEAD"]);
  if (revision) info.revision = revision;
  if (env.SOURCE_DATE_EPOCH && /^\d+$/.test(env.SOURCE_DATE_EPOCH)) {
    info.created = new Date(Number(env.SOURCE_DATE_EPOCH) * 1000).toISOString().replace(
      ".000Z",
      "Z",
    );
  } else {
    const time = await git(root, ["log", "-1", "--format=%cI"]);
    if (time) info.created = time;
  }
  return info;
}
