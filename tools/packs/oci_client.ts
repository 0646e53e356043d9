/**
 * A small OCI distribution-spec client: blob existence, monolithic blob upload, manifest
 * put/get/head, with Basic and Bearer (token service) authentication following the
 * registry's `WWW-Authenticate` challenge.
 *
 * @module
 */
import { sha256Hex } from "./hash.ts";

/** Credentials for a registry. A token is used as the password (GHCR-style PAT). */
export interface OciCredentials {
  /** User name (`OCI_USERNAME`). */
  username?: string;
  /** Password (`OCI_PASSWORD`). */
  password?: string;
  /** Token (`OCI_TOKEN`), used when no password is given. */
  token?: string;
}

/** Options of {@link OciClient}. */
export interface OciClientOptions {
  /** Registry host with optional port, e.g. `ghcr.io` or `127.0.0.1:5000`. */
  registry: string;
  /** Use `http://` instead of `https://`. */
  plainHttp: boolean;
  /** Credentials, used only when the registry asks. */
  credentials?: OciCredentials;
}

/** A registry answered with an unexpected status. */
export class OciError extends Error {
  override name = "OciError";
  /** HTTP status, 0 for transport errors. */
  readonly status: number;
  constructor(message: string, status: number) {
    super(message);
    this.status = status;
  }
}

/** A fetched manifest. */
export interface FetchedManifest {
  bytes: Uint8Array;
  mediaType: string;
  digest: string;
}

/** `sha256:<hex>` of the bytes. */
export function digestOf(bytes: Uint8Array): string {
  return `sha256:${sha256Hex(bytes)}`;
}

/** Whether a registry host (with optional port) is a loopback address. */
export function isLoopbackRegistry(registry: string): boolean {
  const host = registry.startsWith("[")
    ? registry.slice(1, registry.indexOf("]"))
    : registry.replace(/:\d+$/, "");
  return host === "localhost" || host === "::1" || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/** Parses a `WWW-Authenticate` header into its scheme and parameters. */
export function parseChallenge(header: string): { scheme: string; params: Record<string, string> } {
  const match = /^\s*(\S+)\s*(.*)$/.exec(header);
  const scheme = (match?.[1] ?? "").toLowerCase();
  const params: Record<string, string> = {};
  const re = /([A-Za-z_]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]+))/g;
  for (const m of (match?.[2] ?? "").matchAll(re)) {
    params[m[1]!.toLowerCase()] = (m[2] ?? m[3] ?? "").replace(/\\(.)/g, "$1");
  }
  return { scheme, params };
}

function base64(text: string): string {
  return btoa(String.fromCharCode(...new TextEncoder().encode(text)));
}

/** A client for one registry. */
export class OciClient {
  /** `http(s)://host[:port]`. */
  readonly baseUrl: string;
  readonly #credentials: OciCredentials;
  /** Authorization header value per scope (Bearer) or for all (Basic). */
  readonly #auth = new Map<string, string>();

  /**
   * Creates a client; no request is made until a method is called.
   *
   * @param options Registry, scheme and credentials.
   */
  constructor(options: OciClientOptions) {
    this.baseUrl = `${options.plainHttp ? "http" : "https"}://${options.registry}`;
    this.#credentials = options.credentials ?? {};
  }

  #secret(): string | undefined {
    return this.#credentials.password ?? this.#credentials.token;
  }

  async #authorize(challenge: string, scope: string, url: string): Promise<void> {
    const { scheme, params } = parseChallenge(challenge);
    const secret = this.#secret();
    if (scheme === "basic") {
      if (this.#credentials.username === undefined || secret === undefined) {
        throw new OciError(
          `${url} requires Basic authentication: set OCI_USERNAME and OCI_PASSWORD (or OCI_TOKEN)`,
          401,
        );
      }
      this.#auth.set("*", `Basic ${base64(`${this.#credentials.username}:${secret}`)}`);
      return;
    }
    if (scheme !== "bearer" || !params.realm) {
      throw new OciError(`${url} sent an unsupported challenge: ${challenge}`, 401);
    }
    const tokenUrl = new URL(params.realm);
    if (params.service) tokenUrl.searchParams.set("service", params.service);
    tokenUrl.searchParams.set("scope", params.scope ?? scope);
    const headers = new Headers();
    if (secret !== undefined) {
      headers.set(
        "Authorization",
        `Basic ${base64(`${this.#credentials.username ?? "token"}:${secret}`)}`,
      );
    }
    const res = await fetch(tokenUrl, { headers });
    const body = await res.text();
    if (!res.ok) {
      throw new OciError(
        `Token request to ${tokenUrl.origin}${tokenUrl.pathname} failed with ${res.status}: ${
          body.slice(0, 200)
        } (check OCI_USERNAME/OCI_PASSWORD or OCI_TOKEN)`,
        res.status,
      );
    }
    let token: unknown;
    try {
      const json = JSON.parse(body) as Record<string, unknown>;
      token = json.token ?? json.access_token;
    } catch {
      token = undefined;
    }
    if (typeof token !== "string" || token === "") {
      throw new OciError(`Token service ${tokenUrl.origin} answered without a token`, res.status);
    }
    this.#auth.set(scope, `Bearer ${token}`);
  }

  /**
   * Sends a request, answering one 401 challenge by authenticating and retrying.
   * The caller must consume or cancel the body of the returned response.
   */
  async #request(
    method: string,
    url: string,
    scope: string,
    init: { headers?: Record<string, string>; body?: Uint8Array<ArrayBuffer> } = {},
  ): Promise<Response> {
    for (let attempt = 0;; attempt++) {
      const headers = new Headers(init.headers);
      const auth = this.#auth.get(scope) ?? this.#auth.get("*");
      if (auth) headers.set("Authorization", auth);
      let res: Response;
      try {
        res = await fetch(url, {
          method,
          headers,
          ...(init.body !== undefined ? { body: init.body } : {}),
        });
      } catch (e) {
        throw new OciError(`${method} ${url} failed: ${(e as Error).message}`, 0);
      }
      if (res.status !== 401 || attempt > 0) return res;
      const challenge = res.headers.get("WWW-Authenticate");
      await res.body?.cancel();
      if (!challenge) {
        throw new OciError(`${method} ${url}: 401 without a WWW-Authenticate challenge`, 401);
      }
      await this.#authorize(challenge, scope, url);
    }
  }

  async #fail(res: Response, what: string): Promise<never> {
    const body = (await res.text()).slice(0, 300);
    const hint = res.status === 401 || res.status === 403
      ? " (check OCI_USERNAME/OCI_PASSWORD or OCI_TOKEN and their push rights)"
      : "";
    throw new OciError(`${what} failed with HTTP ${res.status}${hint}: ${body}`, res.status);
  }

  /**
   * Checks whether a blob exists in a repository (`HEAD /v2/<repo>/blobs/<digest>`).
   *
   * @param repository Repository name, e.g. `org/packs/state/state-memory`.
   * @param digest `sha256:<hex>`.
   * @returns Whether the registry has it.
   */
  async blobExists(repository: string, digest: string): Promise<boolean> {
    const url = `${this.baseUrl}/v2/${repository}/blobs/${digest}`;
    const res = await this.#request("HEAD", url, `repository:${repository}:pull,push`);
    await res.body?.cancel();
    if (res.status === 200) return true;
    if (res.status === 404) return false;
    return await this.#fail(res, `HEAD ${url}`);
  }

  /**
   * Uploads a blob unless the registry already has it (POST an upload session, then one
   * PUT with the digest; `Location` may be absolute or relative).
   *
   * @param repository Repository name.
   * @param bytes Blob content.
   * @returns The digest and whether the upload was skipped.
   */
  async pushBlob(
    repository: string,
    bytes: Uint8Array<ArrayBuffer>,
  ): Promise<{ digest: string; skipped: boolean }> {
    const digest = digestOf(bytes);
    if (await this.blobExists(repository, digest)) return { digest, skipped: true };
    const scope = `repository:${repository}:pull,push`;
    const start = `${this.baseUrl}/v2/${repository}/blobs/uploads/`;
    const res = await this.#request("POST", start, scope, { headers: { "Content-Length": "0" } });
    if (res.status !== 202) return await this.#fail(res, `POST ${start}`);
    await res.body?.cancel();
    const location = res.headers.get("Location");
    if (!location) throw new OciError(`POST ${start} returned no Location header`, res.status);
    const put = new URL(location, this.baseUrl);
    put.searchParams.set("digest", digest);
    const done = await this.#request("PUT", put.href, scope, {
      headers: {
        "Content-Type": "application/octet-stream",
        "Content-Length": String(bytes.length),
      },
      body: bytes,
    });
    if (done.status !== 201) return await this.#fail(done, `PUT blob ${digest}`);
    await done.body?.cancel();
    return { digest, skipped: false };
  }

  /**
   * Stores a manifest under a tag or digest (`PUT /v2/<repo>/manifests/<ref>`).
   *
   * @param repository Repository name.
   * @param reference Tag or digest.
   * @param bytes Manifest JSON bytes.
   * @param mediaType Manifest media type.
   * @returns The manifest digest.
   */
  async putManifest(
    repository: string,
    reference: string,
    bytes: Uint8Array<ArrayBuffer>,
    mediaType: string,
  ): Promise<string> {
    const url = `${this.baseUrl}/v2/${repository}/manifests/${reference}`;
    const res = await this.#request("PUT", url, `repository:${repository}:pull,push`, {
      headers: { "Content-Type": mediaType },
      body: bytes,
    });
    if (res.status !== 201) return await this.#fail(res, `PUT ${url}`);
    await res.body?.cancel();
    const digest = digestOf(bytes);
    const returned = res.headers.get("Docker-Content-Digest");
    if (returned && returned !== digest) {
      throw new OciError(`Registry stored manifest as ${returned}, expected ${digest}`, res.status);
    }
    return digest;
  }

  /**
   * Fetches a manifest, or `undefined` when the reference does not exist.
   *
   * @param repository Repository name.
   * @param reference Tag or digest.
   * @param accept Media types to accept.
   * @returns The manifest bytes, media type and digest.
   */
  async getManifest(
    repository: string,
    reference: string,
    accept: readonly string[],
  ): Promise<FetchedManifest | undefined> {
    const url = `${this.baseUrl}/v2/${repository}/manifests/${reference}`;
    const res = await this.#request("GET", url, `repository:${repository}:pull`, {
      headers: { Accept: accept.join(", ") },
    });
    if (res.status === 404) {
      await res.body?.cancel();
      return undefined;
    }
    if (res.status !== 200) return await this.#fail(res, `GET ${url}`);
    const bytes = new Uint8Array(await res.arrayBuffer());
    return {
      bytes,
      mediaType: res.headers.get("Content-Type") ?? "",
      digest: digestOf(bytes),
    };
  }

  /**
   * Downloads a blob and checks its digest.
   *
   * @param repository Repository name.
   * @param digest `sha256:<hex>`.
   * @returns The blob bytes.
   */
  async getBlob(repository: string, digest: string): Promise<Uint8Array> {
    const url = `${this.baseUrl}/v2/${repository}/blobs/${digest}`;
    const res = await this.#request("GET", url, `repository:${repository}:pull`);
    if (res.status !== 200) return await this.#fail(res, `GET ${url}`);
    const bytes = new Uint8Array(await res.arrayBuffer());
    if (digestOf(bytes) !== digest) {
      throw new OciError(`Blob ${digest} from ${url} has digest ${digestOf(bytes)}`, res.status);
    }
    return bytes;
  }
}
