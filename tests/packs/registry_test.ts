// Publishes the built packs to a real registry (Debian's docker-registry) without auth,
// with Basic auth (htpasswd) and with Bearer tokens, pulls them back and republishes.
import { assert, assertEquals, assertRejects } from "./_assert.ts";
import { builtPacks, TEST_OUT_DIR } from "./_built.ts";
import { startRegistry, type TestAuth, type TestRegistry } from "./_registry.ts";
import {
  buildArtifact,
  EMPTY_CONFIG_MEDIA_TYPE,
  GTPACK_MEDIA_TYPE,
  OCI_MANIFEST_MEDIA_TYPE,
  README_MEDIA_TYPE,
} from "../../tools/packs/oci_artifact.ts";
import {
  digestOf,
  OciClient,
  type OciCredentials,
  OciError,
} from "../../tools/packs/oci_client.ts";
import { packageVersion } from "../../tools/packs/source.ts";
import { publishArtifact, PublishConflictError } from "../../tools/packs/publisher.ts";
import { publishCommand } from "../../tools/packs/publish.ts";
import { REPO_ROOT } from "../../tools/packs/packs.ts";
import { readZip } from "../../tools/packs/zip.ts";

const VERSION = await packageVersion(REPO_ROOT);
const USER = "greentic";
const PASSWORD = "not-a-real-secret-4-tests";
// bcrypt of PASSWORD, made once with `htpasswd -Bbn greentic not-a-real-secret-4-tests`
// (the registry checks it; the test needs no htpasswd binary).
const HTPASSWD = "greentic:$2y$05$m6tVi9Fl54tBzqg2MPUzz..nczdJQQwPYE33aTJ22VilDNNOp4xqS\n";

async function withRegistry(auth: TestAuth, fn: (r: TestRegistry) => Promise<void>) {
  const registry = await startRegistry(auth);
  try {
    await fn(registry);
  } finally {
    await registry.stop();
  }
}

function capture() {
  const logs: string[] = [];
  const errors: string[] = [];
  return {
    logs,
    errors,
    out: { log: (s: string) => logs.push(s), error: (s: string) => errors.push(s) },
  };
}

function env(registry: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    OCI_REGISTRY: registry,
    OCI_ORG: "Greentic-Test",
    OCI_REPO_PREFIX: "packs/state",
    PUBLISH_LATEST: "true",
    SOURCE_DATE_EPOCH: "1700000000",
    ...extra,
  };
}

/** Pulls `<pack>:<tag>` and checks it is the built pack with its README. */
async function assertPulled(client: OciClient, pack: string, tag: string): Promise<string> {
  const repo = `greentic-test/packs/state/${pack}`;
  const file = await Deno.readFile(`${TEST_OUT_DIR}/${pack}.gtpack`);
  const fetched = await client.getManifest(repo, tag, [OCI_MANIFEST_MEDIA_TYPE]);
  assert.ok(fetched, `${repo}:${tag} must exist`);
  assertEquals(fetched.mediaType, OCI_MANIFEST_MEDIA_TYPE);
  const m = JSON.parse(new TextDecoder().decode(fetched.bytes));
  assertEquals(m.schemaVersion, 2);
  assertEquals(m.artifactType, GTPACK_MEDIA_TYPE);
  assertEquals(m.config.mediaType, EMPTY_CONFIG_MEDIA_TYPE);
  assertEquals(new TextDecoder().decode(await client.getBlob(repo, m.config.digest)), "{}");
  assertEquals(m.layers.map((l: { mediaType: string }) => l.mediaType), [
    GTPACK_MEDIA_TYPE,
    README_MEDIA_TYPE,
  ]);
  assertEquals(m.layers[0].digest, digestOf(file));
  assertEquals(m.layers[0].annotations["org.opencontainers.image.title"], `${pack}.gtpack`);
  assertEquals(await client.getBlob(repo, m.layers[0].digest), file);
  const readme = readZip(file).find((e) => e.name === "assets/README.md")!.data;
  assertEquals(await client.getBlob(repo, m.layers[1].digest), readme);
  assertEquals(m.annotations["org.opencontainers.image.version"], VERSION);
  assertEquals(m.annotations["org.opencontainers.image.title"], pack);
  assertEquals(m.annotations["org.opencontainers.image.created"], "2023-11-14T22:13:20Z");
  assert.ok(m.annotations["org.opencontainers.image.description"].length > 10);
  return fetched.digest;
}

Deno.test("publish to a registry without auth, pull back, republish is a no-op", async () => {
  await builtPacks();
  await withRegistry({ kind: "none" }, async ({ registry }) => {
    const dry = capture();
    assertEquals(
      await publishCommand(
        ["--dry-run", "--dist", TEST_OUT_DIR],
        env(registry),
        dry.out,
        REPO_ROOT,
      ),
      0,
    );
    assert.match(
      dry.logs.join("\n"),
      /\[dry-run\] would push 127\.0\.0\.1:\d+\/greentic-test\/packs\/state\/state-memory:/,
    );
    const client = new OciClient({ registry, plainHttp: true });
    assertEquals(
      await client.getManifest("greentic-test/packs/state/state-memory", VERSION, [
        OCI_MANIFEST_MEDIA_TYPE,
      ]),
      undefined,
      "a dry run pushes nothing",
    );

    const first = capture();
    assertEquals(
      await publishCommand(["--dist", TEST_OUT_DIR], env(registry), first.out, REPO_ROOT),
      0,
      first.errors.join("\n"),
    );
    assertEquals(first.logs.length, 2);
    for (const pack of ["state-memory", "state-redis"]) {
      const line = first.logs.find((l) => l.includes(`/${pack}:${VERSION}@`))!;
      assert.match(line, /uploaded 3 blobs, skipped 0; tags [\d.]+, latest/);
      const digest = await assertPulled(client, pack, VERSION);
      assert.ok(line.includes(digest), `the printed digest is the pulled one: ${line}`);
      assertEquals(await assertPulled(client, pack, "latest"), digest);
    }

    const again = capture();
    assertEquals(
      await publishCommand(["--dist", TEST_OUT_DIR], env(registry), again.out, REPO_ROOT),
      0,
    );
    assertEquals(again.logs.length, 2);
    for (const line of again.logs) {
      assert.match(line, /is already published \(sha256:[0-9a-f]{64}\); nothing pushed$/);
    }

    // Existing blobs are skipped: the empty config is shared by both repositories.
    const repo = "greentic-test/packs/state/state-memory";
    assertEquals((await client.pushBlob(repo, new TextEncoder().encode("{}"))).skipped, true);
    // A different pack under a published version is refused.
    const other = await Deno.readFile(`${TEST_OUT_DIR}/state-redis.gtpack`);
    const artifact = buildArtifact({ name: "state-memory.gtpack", bytes: other }, {
      name: "README.md",
      bytes: new TextEncoder().encode("# other\n"),
    }, { version: VERSION, title: "x", description: "x", created: "2023-11-14T22:13:20Z" });
    await assertRejects(
      () => publishArtifact(client, repo, VERSION, artifact, false),
      PublishConflictError,
      "published versions are immutable",
    );
    // A new version of the same pack skips the blobs the repository has, and without
    // PUBLISH_LATEST it tags only itself.
    const same = buildArtifact(
      {
        name: "state-memory.gtpack",
        bytes: await Deno.readFile(`${TEST_OUT_DIR}/state-memory.gtpack`),
      },
      { name: "README.md", bytes: new TextEncoder().encode("# changed readme\n") },
      { version: "9.9.9-test", title: "x", description: "x", created: "2023-11-14T22:13:20Z" },
    );
    const v2 = await publishArtifact(client, repo, "9.9.9-test", same, false);
    assertEquals(v2.tagged, ["9.9.9-test"]);
    assertEquals(v2.skipped, [same.config.digest, same.layers[0]!.digest]);
    assertEquals(v2.uploaded, [same.layers[1]!.digest]);
  });
});

Deno.test("publish to a registry with Basic auth (htpasswd)", async () => {
  await builtPacks();
  await withRegistry({ kind: "basic", htpasswd: HTPASSWD }, async ({ registry }) => {
    const anonymous = capture();
    assertEquals(
      await publishCommand(
        ["--dist", TEST_OUT_DIR, "state-redis"],
        env(registry),
        anonymous.out,
        REPO_ROOT,
      ),
      1,
    );
    assert.match(
      anonymous.errors.join("\n"),
      /requires Basic authentication: set OCI_USERNAME and OCI_PASSWORD/,
    );

    const wrong = capture();
    const wrongEnv = env(registry, { OCI_USERNAME: USER, OCI_PASSWORD: "wrong" });
    assertEquals(
      await publishCommand(["--dist", TEST_OUT_DIR, "state-redis"], wrongEnv, wrong.out, REPO_ROOT),
      1,
    );
    assert.match(wrong.errors.join("\n"), /HTTP 401 \(check OCI_USERNAME\/OCI_PASSWORD/);

    const ok = capture();
    const okEnv = env(registry, { OCI_USERNAME: USER, OCI_PASSWORD: PASSWORD });
    assertEquals(
      await publishCommand(["--dist", TEST_OUT_DIR, "state-redis"], okEnv, ok.out, REPO_ROOT),
      0,
      ok.errors.join("\n"),
    );
    assert.match(ok.logs[0]!, /pushed .*state-redis:.*@sha256:/);

    const credentials: OciCredentials = { username: USER, password: PASSWORD };
    await assertPulled(
      new OciClient({ registry, plainHttp: true, credentials }),
      "state-redis",
      VERSION,
    );
    await assertRejects(
      () =>
        new OciClient({ registry, plainHttp: true }).getManifest(
          "greentic-test/packs/state/state-redis",
          VERSION,
          [OCI_MANIFEST_MEDIA_TYPE],
        ),
      OciError,
      "requires Basic authentication",
    );
    const token = capture();
    assertEquals(
      await publishCommand(
        ["--dist", TEST_OUT_DIR, "state-redis"],
        env(registry, { OCI_USERNAME: USER, OCI_TOKEN: PASSWORD }),
        token.out,
        REPO_ROOT,
      ),
      0,
    );
    assert.match(token.logs[0]!, /already published/);
  });
});

Deno.test("publish to a registry with Bearer token auth", async () => {
  await builtPacks();
  await withRegistry(
    { kind: "bearer", username: USER, password: PASSWORD },
    async ({ registry, tokenScopes }) => {
      const wrong = capture();
      const wrongEnv = env(registry, { OCI_USERNAME: USER, OCI_PASSWORD: "wrong" });
      assertEquals(
        await publishCommand(
          ["--dist", TEST_OUT_DIR, "state-memory"],
          wrongEnv,
          wrong.out,
          REPO_ROOT,
        ),
        1,
      );
      assert.match(
        wrong.errors.join("\n"),
        /Token request to http:\/\/127\.0\.0\.1:\d+\/token failed with 401/,
      );

      const ok = capture();
      const okEnv = env(registry, { OCI_USERNAME: USER, OCI_PASSWORD: PASSWORD });
      assertEquals(
        await publishCommand(["--dist", TEST_OUT_DIR, "state-memory"], okEnv, ok.out, REPO_ROOT),
        0,
        ok.errors.join("\n"),
      );
      assert.match(ok.logs[0]!, /pushed .*state-memory:.*@sha256:/);
      // The registry names the actions in either order (it keeps them in a Go map).
      assert.ok(
        tokenScopes.some((scope) =>
          /^repository:greentic-test\/packs\/state\/state-memory:(pull,push|push,pull)$/.test(scope)
        ),
        tokenScopes.join(" "),
      );
      const client = new OciClient({
        registry,
        plainHttp: true,
        credentials: { username: USER, password: PASSWORD },
      });
      await assertPulled(client, "state-memory", "latest");
    },
  );
});
