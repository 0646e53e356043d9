import assert from "node:assert/strict";

const ROOT = new URL("..", import.meta.url);

Deno.test("bench: a quick in-memory run prints the report and writes every figure as JSON", async () => {
  const dir = await Deno.makeTempDir({ prefix: "bench-test-" });
  try {
    const file = `${dir}/bench.json`;
    const output = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "--allow-all",
        "--unstable-kv",
        "bench/main.ts",
        "--quick",
        "--only",
        "memory/greentic",
        "--ms",
        "10",
        "--json",
        file,
      ],
      cwd: ROOT,
      stdout: "piped",
      stderr: "piped",
    }).output();
    const stdout = new TextDecoder().decode(output.stdout);
    const stderr = new TextDecoder().decode(output.stderr);
    assert.equal(output.code, 0, stderr);
    assert.match(stderr, /done in [\d.]+ s/); // progress goes to stderr
    assert.match(stdout, /^# @greentic\/state benchmark \(quick run\)/);
    assert.match(stdout, /\| getJson whole \| \*\*greentic\*\* \|/);
    assert.match(stdout, /## Targets \(\d+ met, \d+ missed\)/);

    const result = JSON.parse(await Deno.readTextFile(file));
    assert.equal(result.meta.mode, "quick");
    assert.ok(result.meta.seconds > 0);
    assert.equal(result.meta.settings.only, "memory/greentic");
    assert.deepEqual(result.skipped, []);

    // The selected target and its group's baseline, every operation at 1 KB, and the
    // scaling sizes; nothing else.
    const rowsOf = (size: string) =>
      result.rows.filter((r: { size: string }) => r.size === size).map((
        r: { target: string; op: string },
      ) => `${r.target} ${r.op}`).sort();
    const ops = ["del", "get", "get-path", "set", "set-path"];
    assert.deepEqual(
      rowsOf("1KB"),
      [...ops.map((op) => `Map+JSON ${op}`), ...ops.map((op) => `greentic ${op}`)].sort(),
    );
    for (const size of ["100B", "100KB"]) {
      assert.deepEqual(
        rowsOf(size),
        ["get", "get-path", "set", "set-path"].flatMap((op) => [`Map+JSON ${op}`, `greentic ${op}`])
          .sort(),
      );
    }
    for (const row of result.rows) {
      assert.ok(
        row.opsPerSecC1 > 0 && row.p50Us > 0 && row.p99Us >= row.p50Us,
        JSON.stringify(row),
      );
      assert.equal(row.group, "memory");
      assert.equal(row.baseline, "Map+JSON");
      if (row.size === "1KB") assert.ok(row.opsPerSec > 0 && row.ratio > 0, JSON.stringify(row));
      else assert.equal(row.opsPerSec, null);
      if (row.target === "Map+JSON") assert.equal(row.p50Ratio, 1);
    }

    // Every namespace size, deleted exactly: all its keys gone, the neighbour kept.
    assert.deepEqual(
      result.namespaces.map((n: { target: string; keys: number }) => `${n.target} ${n.keys}`),
      ["greentic 1000", "Map+JSON 1000", "greentic 10000", "Map+JSON 10000"],
    );
    for (const n of result.namespaces) {
      assert.ok(n.verified && n.neighbourKept && n.keysPerSec > 0, JSON.stringify(n));
      assert.equal(n.ping, null);
    }

    assert.deepEqual(
      result.lostUpdates.map((l: { target: string; lost: number }) => [l.target, l.lost]),
      [["greentic", 0], ["Map+JSON", 0]],
    );
    const goals = result.checks.map((c: { goal: string }) => c.goal);
    for (
      const goal of [
        "throughput ≥ 0.9 × Map+JSON",
        "throughput ≥ 0.6 × Map+JSON",
        "throughput ≥ 0.5 × Map+JSON",
        "latency at concurrency 1 within 20% of Map+JSON",
        "delPrefix ≥ 100k keys/s",
        "zero lost updates",
      ]
    ) {
      assert.ok(goals.includes(goal), `missing check ${goal}`);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("bench: bad arguments exit with 2 and the usage", async () => {
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-all", "--unstable-kv", "bench/main.ts", "--ms", "soon"],
    cwd: ROOT,
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.equal(output.code, 2);
  assert.match(new TextDecoder().decode(output.stderr), /Invalid --ms "soon"/);
});
