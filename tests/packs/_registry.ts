// Starts Debian's `docker-registry` (CNCF distribution 2.8) for a test: its own config in a
// temp dir, a free loopback port, optional htpasswd (Basic) or token (Bearer) auth; stopped
// by PID. Token auth is served by a small token service written here (ES256 JWTs signed with
// a key made by openssl), the way a real registry's auth server works.

/** A running registry. */
export interface TestRegistry {
  /** `127.0.0.1:<port>`. */
  registry: string;
  /** Token service requests seen (scope parameter), for Bearer registries. */
  tokenScopes: string[];
  /** Kills the registry by PID, stops the token service, removes the temp dir. */
  stop(): Promise<void>;
}

/** Auth of a test registry. */
export type TestAuth =
  | { kind: "none" }
  | { kind: "basic"; htpasswd: string }
  | { kind: "bearer"; username: string; password: string };

function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr as Deno.NetAddr;
  listener.close();
  return port;
}

function b64url(bytes: Uint8Array | string): string {
  const data = typeof bytes === "string" ? new TextEncoder().encode(bytes) : bytes;
  return btoa(String.fromCharCode(...data)).replace(/\+/g, "-").replace(/\//g, "_").replace(
    /=+$/,
    "",
  );
}

function pemBody(pem: string): Uint8Array<ArrayBuffer> {
  const b64 = pem.replace(/-----[^-]+-----/g, "").replace(/\s+/g, "");
  return Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
}

async function run(cmd: string, args: string[], hint: string): Promise<void> {
  let out: Deno.CommandOutput;
  try {
    out = await new Deno.Command(cmd, { args, stdout: "piped", stderr: "piped" }).output();
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) throw new Error(`${cmd} is not installed: ${hint}`);
    throw e;
  }
  if (!out.success) {
    throw new Error(`${cmd} ${args.join(" ")} failed: ${new TextDecoder().decode(out.stderr)}`);
  }
}

/** Starts a token service issuing ES256 JWTs for any scope to one user. */
async function startTokenService(
  dir: string,
  user: { username: string; password: string },
  service: string,
  issuer: string,
  scopes: string[],
): Promise<{ realm: string; certPath: string; server: Deno.HttpServer }> {
  const keyPath = `${dir}/token.key`;
  const certPath = `${dir}/token.crt`;
  await run("openssl", [
    "req",
    "-x509",
    "-newkey",
    "ec",
    "-pkeyopt",
    "ec_paramgen_curve:prime256v1",
    "-nodes",
    "-keyout",
    keyPath,
    "-out",
    certPath,
    "-subj",
    "/CN=greentic-test-token",
    "-days",
    "2",
  ], "apt-get install openssl");
  const key = await crypto.subtle.importKey(
    "pkcs8",
    pemBody(await Deno.readTextFile(keyPath)),
    { name: "ECDSA", namedCurve: "P-256" },
    false,
    ["sign"],
  );
  const certDer = pemBody(await Deno.readTextFile(certPath));
  const expected = `Basic ${btoa(`${user.username}:${user.password}`)}`;
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, async (req) => {
    const url = new URL(req.url);
    const scope = url.searchParams.get("scope") ?? "";
    scopes.push(scope);
    if (req.headers.get("Authorization") !== expected) {
      return new Response(JSON.stringify({ errors: [{ code: "UNAUTHORIZED" }] }), { status: 401 });
    }
    const [, name = "", actions = ""] = scope.split(":");
    const now = Math.floor(Date.now() / 1000);
    const header = { alg: "ES256", typ: "JWT", x5c: [btoa(String.fromCharCode(...certDer))] };
    const claims = {
      iss: issuer,
      sub: user.username,
      aud: url.searchParams.get("service") ?? service,
      exp: now + 300,
      nbf: now - 10,
      iat: now,
      jti: crypto.randomUUID(),
      access: name ? [{ type: "repository", name, actions: actions.split(",") }] : [],
    };
    const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(claims))}`;
    const sig = new Uint8Array(
      await crypto.subtle.sign(
        { name: "ECDSA", hash: "SHA-256" },
        key,
        new TextEncoder().encode(input),
      ),
    );
    const token = `${input}.${b64url(sig)}`;
    return Response.json({ token, access_token: token, expires_in: 300 });
  });
  const addr = server.addr as Deno.NetAddr;
  return { realm: `http://127.0.0.1:${addr.port}/token`, certPath, server };
}

/**
 * Starts `docker-registry serve` with its own config.
 *
 * @throws Error saying how to install docker-registry when it is missing.
 */
export async function startRegistry(auth: TestAuth): Promise<TestRegistry> {
  const dir = await Deno.makeTempDir({ prefix: "gtpack-registry-" });
  const port = freePort();
  const tokenScopes: string[] = [];
  let tokenServer: Deno.HttpServer | undefined;
  let authYaml = "";
  if (auth.kind === "basic") {
    await Deno.writeTextFile(`${dir}/htpasswd`, auth.htpasswd);
    authYaml = `auth:\n  htpasswd:\n    realm: greentic-test\n    path: ${dir}/htpasswd\n`;
  } else if (auth.kind === "bearer") {
    const service = "greentic-test-registry";
    const issuer = "greentic-test-issuer";
    const t = await startTokenService(dir, auth, service, issuer, tokenScopes);
    tokenServer = t.server;
    authYaml = `auth:\n  token:\n    realm: ${t.realm}\n    service: ${service}\n` +
      `    issuer: ${issuer}\n    rootcertbundle: ${t.certPath}\n`;
  }
  const config = `version: 0.1
log:
  level: warn
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: ${dir}/data
  delete:
    enabled: true
http:
  addr: 127.0.0.1:${port}
  secret: greentic-test-secret
${authYaml}`;
  await Deno.writeTextFile(`${dir}/config.yml`, config);
  let child: Deno.ChildProcess;
  try {
    child = new Deno.Command("docker-registry", {
      args: ["serve", `${dir}/config.yml`],
      stdin: "null",
      stdout: "null",
      stderr: "piped",
    }).spawn();
  } catch (e) {
    await tokenServer?.shutdown();
    await Deno.remove(dir, { recursive: true });
    if (e instanceof Deno.errors.NotFound) {
      throw new Error(
        "docker-registry is not installed: on Debian/Ubuntu run `apt-get install docker-registry` " +
          "(the registry tests start a real OCI registry on a loopback port)",
      );
    }
    throw e;
  }
  const stderr = new Response(child.stderr).text();
  let exited = false;
  const status = child.status.then((s) => {
    exited = true;
    return s;
  });
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    try {
      Deno.kill(child.pid, "SIGTERM");
    } catch {
      // Already exited.
    }
    await status;
    await stderr;
    await tokenServer?.shutdown();
    await Deno.remove(dir, { recursive: true });
  };
  const registry = `127.0.0.1:${port}`;
  try {
    const deadline = Date.now() + 15_000;
    for (;;) {
      try {
        const res = await fetch(`http://${registry}/v2/`);
        await res.body?.cancel();
        if (res.status === 200 || res.status === 401) break;
      } catch {
        // Not listening yet.
      }
      if (exited) throw new Error("docker-registry exited at start");
      if (Date.now() > deadline) throw new Error("docker-registry did not answer /v2/ within 15 s");
      await new Promise((r) => setTimeout(r, 100));
    }
  } catch (e) {
    await stop();
    throw new Error(`${(e as Error).message}\nregistry stderr:\n${await stderr}`);
  }
  return { registry, tokenScopes, stop };
}
