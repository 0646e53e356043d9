/**
 * The GitHub workflows cannot run here: these tests parse them and check the triggers,
 * permissions, services and commands that matter, that every `deno task` they call
 * exists, and run the release steps' shell logic (tag check, "already on npm" check).
 */

import assert from "node:assert/strict";
import { parse } from "yaml";

const ROOT = new URL("../", import.meta.url);

interface Step {
  name?: string;
  id?: string;
  uses?: string;
  run?: string;
  if?: string;
  with?: Record<string, unknown>;
  env?: Record<string, string>;
}

interface Job {
  "runs-on": string;
  needs?: string | string[];
  permissions?: Record<string, string>;
  services?: Record<string, { image: string; ports?: string[]; options?: string }>;
  strategy?: { matrix?: Record<string, unknown[]> };
  env?: Record<string, string>;
  outputs?: Record<string, string>;
  steps: Step[];
}

interface Workflow {
  name: string;
  on: Record<string, unknown>;
  permissions?: Record<string, string>;
  env?: Record<string, string>;
  jobs: Record<string, Job>;
}

async function workflow(name: string): Promise<Workflow> {
  const text = await Deno.readTextFile(new URL(`.github/workflows/${name}`, ROOT));
  const parsed = parse(text) as Workflow;
  assert.equal(typeof parsed, "object", `${name} is a YAML mapping`);
  assert.equal(typeof parsed.jobs, "object", `${name} has jobs`);
  for (const [id, job] of Object.entries(parsed.jobs)) {
    assert.ok(Array.isArray(job.steps) && job.steps.length > 0, `${name} job ${id} has steps`);
    assert.equal(typeof job["runs-on"], "string", `${name} job ${id} says where it runs`);
  }
  return parsed;
}

const runs = (job: Job): string[] => job.steps.flatMap((step) => step.run ?? []);
const uses = (job: Job, action: string): Step | undefined =>
  job.steps.find((step) => step.uses?.split("@")[0] === action);

/** The `deno task` names a workflow calls. */
function tasksCalled(flow: Workflow): string[] {
  const names = Object.values(flow.jobs).flatMap(runs).flatMap((run) =>
    [...run.matchAll(/\bdeno task ([\w:.-]+)/g)].map((match) => match[1] ?? "")
  );
  return [...new Set(names)];
}

/** The job that runs exactly this command in one of its steps. */
function jobRunning(flow: Workflow, command: string): [string, Job] {
  const found = Object.entries(flow.jobs).find(([, job]) =>
    runs(job).some((run) => run.split("\n").some((line) => line.trim() === command))
  );
  assert.ok(found, `a job runs "${command}"`);
  return found;
}

function assertDenoPinned(flow: Workflow, job: Job): void {
  const setup = uses(job, "denoland/setup-deno");
  assert.ok(setup, "the job sets up Deno");
  const version = String(setup.with?.["deno-version"] ?? "").replace(
    "${{ env.DENO_VERSION }}",
    flow.env?.DENO_VERSION ?? "",
  );
  assert.match(version, /^v?2\.\d+\.\d+$/, "Deno is pinned to an exact 2.x version");
}

function assertRedisService(job: Job): void {
  const redis = job.services?.redis;
  assert.ok(redis, "the job has a Redis service");
  assert.match(redis.image, /^redis:7/);
  assert.ok(redis.ports?.some((port) => String(port).startsWith("6379:")));
  assert.match(redis.options ?? "", /--health-cmd/, "steps wait until Redis answers");
}

/** The Debian packages `.ci/run` installs when missing (`missing+=(...)`). */
function ciRunPackages(script: string): string[] {
  const packages = [...script.matchAll(/missing\+=\(([^)]*)\)/g)].flatMap((match) =>
    (match[1] ?? "").trim().split(/\s+/)
  );
  assert.ok(packages.includes("redis-server"), ".ci/run installs redis-server");
  // redis-tools only brings redis-cli, which .ci/run uses and the tests do not.
  return packages.filter((pkg) => pkg !== "redis-tools");
}

/** `deno task check` includes the doc lint of every entry point and the JSR dry run. */
async function assertCheckPublishes(): Promise<void> {
  const { tasks, exports } = JSON.parse(await Deno.readTextFile(new URL("deno.json", ROOT)));
  assert.match(tasks.check, /&& deno task check:publish$/);
  const publish: string = tasks["check:publish"];
  assert.match(publish, /\bdeno publish --dry-run --allow-dirty\b/);
  const linted = publish.match(/deno doc --lint ([^&]+)/)?.[1]?.trim().split(/\s+/) ?? [];
  const entries = Object.values(exports as Record<string, string>).map((p) => p.slice(2));
  assert.deepEqual(linted.sort(), entries.sort(), "doc lint covers every entry point");
}

Deno.test("workflows: every deno task they call exists in deno.json", async () => {
  const config = JSON.parse(await Deno.readTextFile(new URL("deno.json", ROOT)));
  for (const name of ["ci.yml", "publish.yml"]) {
    const called = tasksCalled(await workflow(name));
    assert.ok(called.length > 0);
    const missing = called.filter((task) => !(task in config.tasks));
    assert.deepEqual(missing, [], `${name} calls tasks that deno.json defines`);
  }
});

Deno.test("workflows: ci.yml checks, tests with Redis, tests the npm package, builds the packs", async () => {
  const ci = await workflow("ci.yml");
  assert.ok("push" in ci.on && "pull_request" in ci.on, "runs on pushes and pull requests");
  assert.deepEqual(ci.permissions, { contents: "read" }, "read-only by default");

  const [, check] = jobRunning(ci, "deno task check");
  assertDenoPinned(ci, check);
  await assertCheckPublishes();

  const [, test] = jobRunning(ci, "deno task test");
  assertDenoPinned(ci, test);
  assertRedisService(test);
  assert.equal(uses(test, "actions/setup-node")?.with?.["node-version"], "20");
  const install = runs(test).find((run) => /apt-get install /.test(run)) ?? "";
  for (const pkg of ciRunPackages(await Deno.readTextFile(new URL(".ci/run", ROOT)))) {
    assert.match(
      install,
      new RegExp(`\\b${pkg}\\b`),
      `the test job installs ${pkg} as .ci/run does`,
    );
  }

  const [, npm] = jobRunning(ci, "deno task test:npm");
  assertDenoPinned(ci, npm);
  assertRedisService(npm);
  assert.ok(npm.strategy?.matrix?.node?.includes("20"), "the npm package is tested on Node 20");
  assert.equal(uses(npm, "actions/setup-node")?.with?.["node-version"], "${{ matrix.node }}");
  const npmRuns = runs(npm);
  assert.ok(npmRuns.indexOf("deno task build:npm") < npmRuns.indexOf("deno task test:npm"));

  const [, packs] = jobRunning(ci, "deno task packs:build");
  assertDenoPinned(ci, packs);
  assert.ok(runs(packs).includes("deno task packs:verify"));

  for (const job of Object.values(ci.jobs)) {
    assert.equal(job.permissions, undefined, "no CI job asks for more than read access");
    assert.ok(!runs(job).some((run) => /\b(npm|deno) publish\b(?!.*--dry-run)/.test(run)));
  }
});

Deno.test("workflows: publish.yml releases version tags to JSR, npm and GHCR", async () => {
  const flow = await workflow("publish.yml");
  assert.deepEqual(Object.keys(flow.on), ["push"], "runs only on pushes");
  const push = flow.on.push as Record<string, unknown>;
  assert.deepEqual(Object.keys(push), ["tags"], "of tags, not branches");
  assert.deepEqual(push.tags, ["v*.*.*"]);
  assert.deepEqual(flow.permissions, { contents: "read" }, "jobs widen access one by one");

  const [verifyId, verify] = jobRunning(flow, "deno task check");
  await assertCheckPublishes();
  const tagCheck = verify.steps.find((step) => step.id === "version");
  assert.ok(tagCheck?.run?.includes("GITHUB_REF_NAME"), "the tag is checked against deno.json");

  const [, jsr] = jobRunning(flow, "deno publish");
  assert.equal(jsr.needs, verifyId);
  assert.deepEqual(jsr.permissions, { contents: "read", "id-token": "write" }, "JSR via OIDC");
  assertDenoPinned(flow, jsr);

  const npm = Object.values(flow.jobs).find((job) =>
    runs(job).some((run) => run.startsWith("npm publish"))
  );
  assert.ok(npm, "a job publishes to npm");
  assert.equal(npm.needs, verifyId);
  assert.deepEqual(npm.permissions, { contents: "read", "id-token": "write" });
  const npmRuns = runs(npm);
  const publish = npm.steps.find((step) => step.run?.startsWith("npm publish"));
  assert.equal(publish?.run, "npm publish dist/npm --provenance --access public");
  assert.equal(publish?.if, "steps.exists.outputs.published != 'true'", "skips a known version");
  assert.equal(publish?.env?.NODE_AUTH_TOKEN, "${{ secrets.NPM_TOKEN }}");
  assert.ok(npmRuns.indexOf("deno task build:npm") >= 0, "publishes what build:npm made");
  assert.ok(npmRuns.indexOf("deno task build:npm") < npmRuns.indexOf(publish.run));
  assert.equal(
    uses(npm, "actions/setup-node")?.with?.["registry-url"],
    "https://registry.npmjs.org",
  );

  const [, packs] = jobRunning(flow, "deno task packs:publish");
  assert.equal(packs.needs, verifyId);
  assert.deepEqual(packs.permissions, { contents: "read", packages: "write" });
  const packsRuns = runs(packs);
  assert.ok(
    packsRuns.indexOf("deno task packs:build") < packsRuns.indexOf("deno task packs:publish"),
  );
  const pushStep = packs.steps.find((step) => step.run === "deno task packs:publish");
  assert.equal(pushStep?.env?.OCI_TOKEN, "${{ secrets.GITHUB_TOKEN }}");
});

/** Runs a step's script under bash like GitHub does, with `npm` replaced by `npmStub`. */
async function runStep(
  script: string,
  env: Record<string, string>,
  npmStub?: string,
): Promise<{ success: boolean; stdout: string; outputs: string }> {
  const dir = await Deno.makeTempDir({ prefix: "greentic-workflow-" });
  try {
    let path = Deno.env.get("PATH") ?? "";
    if (npmStub !== undefined) {
      await Deno.mkdir(`${dir}/bin`);
      await Deno.writeTextFile(`${dir}/bin/npm`, `#!/bin/sh\n${npmStub}\n`, { mode: 0o755 });
      path = `${dir}/bin:${path}`;
    }
    const output = await new Deno.Command("bash", {
      args: ["-e", "-o", "pipefail", "-c", script],
      cwd: dir,
      env: { ...env, PATH: path, GITHUB_OUTPUT: `${dir}/output` },
      stdout: "piped",
      stderr: "piped",
    }).output();
    const outputs = await Deno.readTextFile(`${dir}/output`).catch(() => "");
    return {
      success: output.success,
      stdout: new TextDecoder().decode(output.stdout),
      outputs,
    };
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("workflows: publish.yml refuses a tag that is not deno.json's version", async () => {
  const flow = await workflow("publish.yml");
  const step = Object.values(flow.jobs).flatMap((job) => job.steps).find((s) => s.id === "version");
  assert.ok(step?.run);
  const config = JSON.parse(await Deno.readTextFile(new URL("deno.json", ROOT)));
  const script = `cp ${JSON.stringify(new URL("deno.json", ROOT).pathname)} .\n${step.run}`;

  const good = await runStep(script, { GITHUB_REF_NAME: `v${config.version}` });
  assert.ok(good.success, good.stdout);
  assert.equal(good.outputs, `version=${config.version}\n`);

  const bad = await runStep(script, { GITHUB_REF_NAME: "v999.0.0" });
  assert.equal(bad.success, false);
  assert.match(bad.stdout, /does not match deno.json version/);
});

Deno.test("workflows: publish.yml publishes to npm only a version npm does not have", async () => {
  const flow = await workflow("publish.yml");
  const step = Object.values(flow.jobs).flatMap((job) => job.steps).find((s) => s.id === "exists");
  assert.ok(step?.run);
  const script = `mkdir -p dist/npm\necho '{"name":"@greentic/state"}' > dist/npm/package.json\n` +
    step.run;
  const env = { VERSION: "1.2.3" };

  // npm view prints the version when it exists...
  const published = await runStep(
    script,
    env,
    '[ "$1 $2 $3" = "view @greentic/state@1.2.3 version" ] && echo 1.2.3',
  );
  assert.ok(published.success);
  assert.equal(published.outputs, "published=true\n");
  // ...and fails with E404 when it does not, or when the registry cannot be asked: then
  // the publish runs (and npm itself refuses to overwrite a version).
  const absent = await runStep(script, env, "echo 'npm error code E404' >&2; exit 1");
  assert.ok(absent.success);
  assert.equal(absent.outputs, "published=false\n");
  const otherVersion = await runStep(script, env, "echo 1.2.30");
  assert.equal(otherVersion.outputs, "published=false\n");
});
