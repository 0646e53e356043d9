import assert from "node:assert/strict";
import { main } from "../src/cli/main.ts";
import type { CliIo } from "../src/cli/io.ts";
import { runDemo } from "../tools/demo.ts";
import { InMemoryStateStore } from "../mod.ts";

interface Captured {
  code: number;
  out: string;
  err: string;
}

async function cli(
  args: string[],
  stdin = "",
  env: Record<string, string> = {},
  cwd: string = Deno.cwd(),
): Promise<Captured> {
  let out = "";
  let err = "";
  const io: CliIo = {
    stdin: ReadableStream.from([new TextEncoder().encode(stdin)]),
    out: (text) => Promise.resolve(void (out += text)),
    err: (text) => Promise.resolve(void (err += text)),
    env: (name) => env[name],
    isTerminal: false,
    cwd,
  };
  const code = await main(args, io);
  return { code, out, err };
}

const target = ["--memory", "--env", "dev", "--tenant", "acme", "--prefix", "flow/1"];

Deno.test("cli: --help for the tool and every command", async () => {
  const top = await cli(["--help"]);
  assert.equal(top.code, 0);
  for (const command of ["get", "set", "del", "del-prefix", "ttl", "keys", "run"]) {
    assert.match(top.out, new RegExp(`\\b${command}\\b`));
    const help = await cli([command, "--help"]);
    assert.equal(help.code, 0, command);
    assert.match(help.out, new RegExp(`Usage: deno task state ${command}`));
  }
  const none = await cli([]);
  assert.equal(none.code, 2);
  assert.match(none.err, /Usage/);
  const inherited = await cli(["constructor", "--help"]);
  assert.equal(inherited.code, 2);
  const unknown = await cli(["frobnicate"]);
  assert.equal(unknown.code, 2);
  assert.match(unknown.err, /Unknown command "frobnicate"/);
  const badFlag = await cli(["get", "--nope"]);
  assert.equal(badFlag.code, 2);
});

Deno.test("cli: run applies a JSON-lines script in order and answers each line", async () => {
  const script = [
    { op: "set", key: "n", value: { status: "ready" }, ttl: 60 },
    { op: "set", key: "n", path: "/nodes/a", value: [1, 2] },
    { op: "get", key: "n" },
    { op: "get", key: "n", path: "/nodes/a/1" },
    { op: "get", key: "missing" },
    { op: "ttl", key: "n" },
    { op: "keys" },
    { op: "get", key: "n", path: "no-slash" },
    { op: "get", tenant: "bad:tenant", key: "n" },
    { op: "frob" },
    { op: "del", key: "n" },
    { op: "del", key: "n" },
    { op: "set", key: "x", value: 1 },
    { op: "del-prefix" },
  ].map((line) => JSON.stringify(line)).join("\n") + "\n\nnot json\n";
  const { code, out } = await cli(["run", ...target], script);
  assert.equal(code, 1); // some lines failed
  const answers = out.trim().split("\n").map((line) => JSON.parse(line));
  assert.deepEqual(answers.slice(0, 7), [
    { ok: true },
    { ok: true },
    { ok: true, found: true, value: { status: "ready", nodes: { a: [1, 2] } } },
    { ok: true, found: true, value: 2 },
    { ok: true, found: false },
    { ok: true, found: true, ttl: 60 },
    { ok: true, keys: ["n"] },
  ]);
  assert.equal(answers[7].error.code, "invalid_input");
  assert.match(answers[7].error.message, /pointer/);
  assert.equal(answers[8].error.code, "invalid_input");
  assert.match(answers[8].error.message, /tenant/);
  assert.equal(answers[9].ok, false);
  assert.deepEqual(answers.slice(10, 14), [
    { ok: true, deleted: true },
    { ok: true, deleted: false },
    { ok: true },
    { ok: true, deleted: 1 },
  ]);
  assert.equal(answers[14].ok, false);
  assert.match(answers[14].error.message, /Line 16 is not JSON/);
  assert.equal(answers.length, 15);
});

Deno.test("cli: a clean script exits 0", async () => {
  const { code, out } = await cli(
    ["run", ...target],
    '{"op":"set","key":"k","value":null}\n{"op":"get","key":"k"}',
  );
  assert.equal(code, 0);
  assert.deepEqual(out.trim().split("\n").map((l) => JSON.parse(l)), [{ ok: true }, {
    ok: true,
    found: true,
    value: null,
  }]);
});

Deno.test("cli: single commands print JSON, errors go to stderr with an exit code", async () => {
  const set = await cli(["set", ...target, "--key", "k", "--value", '{"a":1}', "--ttl", "30"]);
  assert.equal(set.code, 0);
  assert.deepEqual(JSON.parse(set.out), { ok: true });
  const stdinSet = await cli(["set", ...target, "--key", "k"], '{"from":"stdin"}');
  assert.equal(stdinSet.code, 0);
  const file = await Deno.makeTempFile({ suffix: ".json" });
  try {
    await Deno.writeTextFile(file, "[1,2,3]");
    assert.equal((await cli(["set", ...target, "--key", "k", "--file", file])).code, 0);
  } finally {
    await Deno.remove(file);
  }
  const absent = await cli(["get", ...target, "--key", "k"]);
  assert.equal(absent.code, 3); // --memory: every command has its own store
  assert.equal(absent.out, "");
  assert.match(absent.err, /No entry/);
  const badValue = await cli(["set", ...target, "--key", "k", "--value", "{nope"]);
  assert.equal(badValue.code, 2);
  assert.match(badValue.err, /not JSON/);
  const badTtl = await cli(["set", ...target, "--key", "k", "--value", "1", "--ttl", "-5"]);
  assert.equal(badTtl.code, 2);
  assert.match(badTtl.err, /--ttl=VALUE/);
  for (const ttl of ["--ttl=-5", "--ttl=1.5", "--ttl=4294967296"]) {
    const refused = await cli(["set", ...target, "--key", "k", "--value", "1", ttl]);
    assert.equal(refused.code, 1, ttl);
    assert.match(refused.err, /error \(invalid_input\): Invalid TTL/);
  }
  const wordTtl = await cli(["set", ...target, "--key", "k", "--value", "1", "--ttl", "soon"]);
  assert.equal(wordTtl.code, 2);
  const badPath = await cli(["get", ...target, "--key", "k", "--path", "x"]);
  assert.equal(badPath.code, 1);
  assert.match(badPath.err, /^error \(invalid_input\): Cannot parse pointer "x"/);
  const missing = await cli(["get", "--memory", "--env", "dev", "--tenant", "acme", "--key", "k"]);
  assert.equal(missing.code, 2);
  assert.match(missing.err, /needs --prefix/);
  const emptyPrefix = await cli([
    "keys",
    "--memory",
    "--env",
    "dev",
    "--tenant",
    "acme",
    "--prefix",
    "",
  ]);
  assert.equal(emptyPrefix.code, 0);
  const ttlAbsent = await cli(["ttl", ...target, "--key", "k"]);
  assert.equal(ttlAbsent.code, 3);
  assert.deepEqual(JSON.parse(ttlAbsent.out), { ok: true, found: false });
  const verbose = await cli(["keys", ...target, "--verbose"]);
  assert.match(verbose.err, /Using in-memory store/);
});

Deno.test("demo: the flow simulation holds isolation on the in-memory store", async () => {
  const store = new InMemoryStateStore();
  const report = await runDemo(store, "demo-test", {
    tenants: 3,
    runs: 5,
    nodes: 4,
    log: () => {},
  });
  assert.deepEqual(report.problems, []);
  assert.equal(report.runs, 30);
  assert.equal(store.size, 0); // torn down completely
  await store.close();
});

Deno.test("cli: fields an operation does not take are refused, with the line number", async () => {
  const script = [
    JSON.stringify({ op: "set", key: "a", value: 1, tll: 5 }),
    JSON.stringify({ op: "get", key: "a", ttl: 5 }),
    JSON.stringify({ key: "a" }),
    JSON.stringify({ op: "set", key: "a" }),
    JSON.stringify({ op: "get" }),
  ].join("\n");
  const { code, out } = await cli(["run", ...target], script);
  assert.equal(code, 1);
  const answers = out.trim().split("\n").map((line) => JSON.parse(line));
  assert.deepEqual(answers.map((a) => a.line), [1, 2, 3, 4, 5]);
  assert.match(answers[0].error.message, /set takes no "tll"/);
  assert.match(answers[1].error.message, /get takes no "ttl"/);
  assert.match(answers[2].error.message, /"op"/);
  assert.match(answers[3].error.message, /set needs "value"/);
  assert.match(answers[4].error.message, /get needs "key"/);
  const flag = await cli(["ttl", ...target, "--key", "k", "--path", "/a"]);
  assert.equal(flag.code, 2);
  assert.match(flag.err, /ttl takes no --path/);
  const keys = await cli(["keys", ...target, "--key", "k"]);
  assert.equal(keys.code, 2);
  const emptyStdin = await cli(["set", ...target, "--key", "k"], "");
  assert.equal(emptyStdin.code, 2);
  assert.match(emptyStdin.err, /set needs a value/);
  const version = await cli(["--version"]);
  assert.equal(version.code, 0);
  assert.match(version.out, /^@greentic\/state \d+\.\d+\.\d+/);
});

Deno.test("cli: the file store keeps state between commands (--db, and the default file)", async () => {
  const dir = await Deno.makeTempDir();
  const db = `${dir}/state.db`;
  const base = ["--env", "dev", "--tenant", "acme", "--prefix", "flow/1", "--key", "node"];
  try {
    const set = await cli([
      "set",
      ...base,
      "--db",
      db,
      "--value",
      '{"status":"ready"}',
      "--ttl",
      "300",
    ]);
    assert.equal(set.code, 0, set.err);
    const get = await cli(["get", ...base, "--db", db, "--path", "/status", "--verbose"]);
    assert.equal(get.code, 0, get.err);
    assert.equal(JSON.parse(get.out), "ready");
    assert.match(get.err, /Using sqlite .*state\.db/);
    const ttl = await cli(["ttl", ...base, "--db", db]);
    assert.ok([299, 300].includes(JSON.parse(ttl.out).ttl));
    // Without --db or --redis: ./.greentic-state.db in the working directory.
    const cwd = Deno.cwd();
    Deno.chdir(dir);
    try {
      assert.equal((await cli(["set", ...base, "--value", "1"])).code, 0);
      const again = await cli(["get", ...base, "--verbose"]);
      assert.equal(again.out.trim(), "1");
      assert.match(again.err, /Using sqlite \/.*\/\.greentic-state\.db/);
    } finally {
      Deno.chdir(cwd);
    }
    await Deno.stat(`${dir}/.greentic-state.db`);
    // Relative paths are the user's (INIT_CWD under `deno task`), not the process's.
    assert.equal(
      (await cli(["set", ...base, "--db", "rel.db", "--value", "2"], "", {}, dir)).code,
      0,
    );
    await Deno.stat(`${dir}/rel.db`);
    const twice = await cli(["set", ...base, "--db", db, "--env", "other", "--value", "2"]);
    assert.equal(twice.code, 2);
    assert.match(twice.err, /--env is given twice/);
    // A file that is not a database is refused with its path, never emptied.
    const junk = `${dir}/junk.db`;
    await Deno.writeTextFile(junk, "not a database at all, just text".repeat(100));
    const refused = await cli(["get", ...base, "--db", junk]);
    assert.equal(refused.code, 1);
    assert.match(refused.err, /error \(unavailable\).*junk\.db/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("demo: the flow simulation holds isolation on the SQLite store", async () => {
  const { SqliteStateStore } = await import("../sqlite.ts");
  const store = new SqliteStateStore({ path: ":memory:" });
  const report = await runDemo(store, "demo-test", {
    tenants: 2,
    runs: 3,
    nodes: 3,
    log: () => {},
  });
  assert.deepEqual(report.problems, []);
  await store.close();
});

Deno.test("cli and demo on Redis (--redis URL and REDIS_URL)", async () => {
  const { REDIS_URL } = await import("./redis/_server.ts");
  const env = `cli-${crypto.randomUUID().slice(0, 8)}`;
  const base = ["--env", env, "--tenant", "acme", "--prefix", "flow/1"];
  const set = await cli([
    "set",
    ...base,
    "--redis",
    REDIS_URL,
    "--key",
    "n",
    "--value",
    '{"a":1}',
    "--ttl",
    "60",
  ]);
  assert.equal(set.code, 0, set.err);
  const get = await cli(["get", ...base, "--key", "n", "--path", "/a", "--verbose"], "", {
    REDIS_URL,
  });
  assert.equal(get.out.trim(), "1");
  assert.match(get.err, /Using redis redis:\/\//);
  const del = await cli(["del-prefix", ...base], "", { REDIS_URL });
  assert.deepEqual(JSON.parse(del.out), { ok: true, deleted: 1 });
  const down = await cli([
    "get",
    ...base,
    "--key",
    "n",
    "--redis",
    "redis://user:hunter2@127.0.0.1:1",
  ]);
  assert.equal(down.code, 1);
  assert.match(down.err, /error \(unavailable\)/);
  assert.doesNotMatch(down.err, /hunter2/);
  const { RedisStateStore } = await import("../mod.ts");
  const store = await RedisStateStore.connect(REDIS_URL);
  try {
    const report = await runDemo(store, env, { tenants: 2, runs: 3, nodes: 3, log: () => {} });
    assert.deepEqual(report.problems, []);
  } finally {
    await store.close();
  }
});
