import { assert, assertEquals, assertThrows } from "./_assert.ts";
import {
  buildArtifact,
  EMPTY_CONFIG_MEDIA_TYPE,
  GTPACK_MEDIA_TYPE,
  gtpackLayer,
} from "../../tools/packs/oci_artifact.ts";
import { digestOf, isLoopbackRegistry, parseChallenge } from "../../tools/packs/oci_client.ts";
import {
  ownerFromRemote,
  publishConfigFromEnv,
  repositoryOf,
} from "../../tools/packs/publish_config.ts";

const enc = new TextEncoder();

Deno.test("parseChallenge reads Basic and Bearer challenges", () => {
  assertEquals(parseChallenge('Basic realm="Registry Realm"'), {
    scheme: "basic",
    params: { realm: "Registry Realm" },
  });
  assertEquals(
    parseChallenge(
      'Bearer realm="https://ghcr.io/token",service="ghcr.io",scope="repository:o/p:pull,push"',
    ),
    {
      scheme: "bearer",
      params: {
        realm: "https://ghcr.io/token",
        service: "ghcr.io",
        scope: "repository:o/p:pull,push",
      },
    },
  );
});

Deno.test("isLoopbackRegistry recognises loopback hosts only", () => {
  for (const r of ["127.0.0.1:5000", "localhost", "localhost:5000", "[::1]:5000", "127.1.2.3"]) {
    assert.ok(isLoopbackRegistry(r), r);
  }
  for (const r of ["ghcr.io", "10.0.0.1:5000", "localhost.example.com", "128.0.0.1"]) {
    assert.ok(!isLoopbackRegistry(r), r);
  }
});

Deno.test("publishConfigFromEnv applies the documented defaults", () => {
  const c = publishConfigFromEnv({ OCI_ORG: "Acme" });
  assertEquals(c.registry, "ghcr.io");
  assertEquals(c.org, "acme");
  assertEquals(c.prefix, "packs/state");
  assertEquals(c.publishLatest, true);
  assertEquals(c.plainHttp, false);
  assertEquals(repositoryOf(c, "state-memory"), "acme/packs/state/state-memory");
  const local = publishConfigFromEnv({
    OCI_REGISTRY: "127.0.0.1:5000",
    GITHUB_REPOSITORY_OWNER: "greentic-ai",
    PUBLISH_LATEST: "no",
    OCI_USERNAME: "u",
    OCI_TOKEN: "t",
  });
  assertEquals([local.org, local.publishLatest, local.plainHttp], ["greentic-ai", false, true]);
  assertEquals(local.credentials, { username: "u", token: "t" });
  assertEquals(
    publishConfigFromEnv({ OCI_REGISTRY: "reg.internal", OCI_ORG: "o", OCI_PLAIN_HTTP: "1" })
      .plainHttp,
    true,
  );
  assertEquals(
    publishConfigFromEnv({}, { source: "git@github.com:Greentic-AI/greentic-state.git" }).org,
    "greentic-ai",
  );
  assertThrows(() => publishConfigFromEnv({}), Error, "set OCI_ORG");
  assertThrows(
    () => publishConfigFromEnv({ OCI_ORG: "o", PUBLISH_LATEST: "maybe" }),
    Error,
    'PUBLISH_LATEST="maybe" is not a boolean',
  );
});

Deno.test("ownerFromRemote reads https and ssh remotes", () => {
  assertEquals(ownerFromRemote("https://github.com/acme/state.git"), "acme");
  assertEquals(ownerFromRemote("git@github.com:acme/state"), "acme");
  assertEquals(ownerFromRemote(undefined), undefined);
});

Deno.test("buildArtifact makes a deterministic OCI 1.1 artifact manifest", () => {
  const pack = { name: "p.gtpack", bytes: enc.encode("PK fake zip bytes") };
  const readme = { name: "README.md", bytes: enc.encode("# p\n") };
  const annotations = {
    source: "https://github.com/acme/state",
    revision: "abc",
    version: "1.2.3",
    title: "p",
    description: "d",
    created: "2023-11-14T22:13:20Z",
  };
  const a = buildArtifact(pack, readme, annotations);
  assertEquals(buildArtifact(pack, readme, annotations).manifest, a.manifest);
  assertEquals(a.digest, digestOf(a.manifest));
  const m = JSON.parse(new TextDecoder().decode(a.manifest));
  assertEquals(m.mediaType, "application/vnd.oci.image.manifest.v1+json");
  assertEquals(m.artifactType, GTPACK_MEDIA_TYPE);
  assertEquals(m.config, {
    mediaType: EMPTY_CONFIG_MEDIA_TYPE,
    digest: "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a",
    size: 2,
    data: "e30=",
  });
  assertEquals(m.layers[1].annotations, { "org.opencontainers.image.title": "README.md" });
  assertEquals(Object.keys(m.annotations), [
    "org.opencontainers.image.source",
    "org.opencontainers.image.revision",
    "org.opencontainers.image.version",
    "org.opencontainers.image.title",
    "org.opencontainers.image.description",
    "org.opencontainers.image.created",
  ]);
  assertEquals(gtpackLayer(a.manifest), { digest: digestOf(pack.bytes), size: pack.bytes.length });
});
