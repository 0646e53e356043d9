/**
 * The `state` command-line tool: read and write state from a shell.
 *
 * ```sh
 * deno task state set --env dev --tenant acme --prefix flow/1 --key node --value '{"status":"ready"}' --ttl 300
 * deno task state get --env dev --tenant acme --prefix flow/1 --key node --path /status
 * ```
 *
 * @module
 */

import { parseJson } from "../core/json_parse.ts";
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import config from "../../deno.json" with { type: "json" };
import { StateError } from "../core/errors.ts";
import { type CliIo, lines, processIo, readAll } from "./io.ts";
import { openStore, redactUrl } from "./open_store.ts";
import {
  type Answer,
  execute,
  failure,
  type OperationFields,
  OPERATIONS,
  toOperation,
  UsageError,
} from "./operation.ts";

export type { CliIo } from "./io.ts";

const TARGET_HELP = `Target:
  --env ID          environment id (letters, digits, ".", "_", "-")
  --tenant ID       tenant id
  --team ID         team id (optional)
  --user ID         user id (optional)
  --prefix NS       namespace within the tenant context ("" is valid)`;

const STORE_HELP = `Store (first that applies):
  --memory          an in-memory store that lives as long as the command
  --redis URL       a Redis server (or set REDIS_URL)
  --db FILE         a SQLite file (default ./.greentic-state.db)
  --verbose         say on stderr which store is used`;

const HELP: Record<string, string> = {
  main: `Usage: deno task state <command> [options]

Commands:
  get         print a document, or the part at --path
  set         write a document, or the part at --path
  del         delete a document
  del-prefix  delete every document of a namespace
  ttl         print the seconds left before a document expires
  keys        list the keys of a namespace, one JSON string per line
  run         apply a JSON-lines script of operations, one answer per line

Run "deno task state <command> --help" for the options of a command.

Exit codes: 0 done, 1 the store refused the input (invalid_input) or failed
(message on stderr), 2 wrong usage of the tool, 3 no such entry (get, ttl).
--version prints the version.

${STORE_HELP}`,
  get: `Usage: deno task state get --env ID --tenant ID --prefix NS --key KEY [--path POINTER]

Prints the document (or the part at the JSON Pointer --path) as JSON on stdout.
Exits with 3 and prints nothing when there is no such entry or the path does not resolve.

${TARGET_HELP}
  --key KEY         state key
  --path POINTER    JSON Pointer such as /nodes/a/output ("" is the whole document)

${STORE_HELP}`,
  set: `Usage: deno task state set --env ID --tenant ID --prefix NS --key KEY [--path POINTER]
                           [--value JSON | --file FILE] [--ttl SECONDS]

Writes a JSON value (from --value, --file, or stdin) as the document, or at --path.
--ttl sets a new expiry in seconds; 0 removes it; without --ttl the current one is kept.
Prints {"ok":true}.

${TARGET_HELP}
  --key KEY         state key
  --path POINTER    JSON Pointer; missing containers on the way are created
  --value JSON      the value, as JSON text
  --file FILE       read the value from FILE
  --ttl SECONDS     0 to 4294967295

${STORE_HELP}`,
  del: `Usage: deno task state del --env ID --tenant ID --prefix NS --key KEY

Deletes a document. Prints {"ok":true,"deleted":true} if a live entry was removed.

${TARGET_HELP}
  --key KEY         state key

${STORE_HELP}`,
  "del-prefix": `Usage: deno task state del-prefix --env ID --tenant ID --prefix NS

Deletes every document of exactly this namespace (not namespaces that merely start with
the same text). Prints {"ok":true,"deleted":N}, N counting live entries. On a terminal,
progress is shown on stderr for large namespaces.

${TARGET_HELP}

${STORE_HELP}`,
  ttl: `Usage: deno task state ttl --env ID --tenant ID --prefix NS --key KEY

Prints {"ok":true,"found":true,"ttl":N}: whole seconds left (rounded up), or null when the
entry does not expire. Exits with 3 and prints {"ok":true,"found":false} when it is absent.

${TARGET_HELP}
  --key KEY         state key

${STORE_HELP}`,
  keys: `Usage: deno task state keys --env ID --tenant ID --prefix NS

Prints the keys of the live entries of the namespace, one JSON string per line.

${TARGET_HELP}

${STORE_HELP}`,
  run: `Usage: deno task state run [SCRIPT] [target options as defaults]

Applies a JSON-lines script (from SCRIPT, or stdin) in order, one operation per line:
  {"op":"set","env":"dev","tenant":"acme","prefix":"flow/1","key":"n","value":{"a":1},"ttl":60}
  {"op":"get","env":"dev","tenant":"acme","prefix":"flow/1","key":"n","path":"/a"}
Fields: op (get, set, del, del-prefix, ttl, keys), env, tenant, team, user, prefix, key,
path, value, ttl. Target options given on the command line fill fields a line leaves out.
Prints one answer per line: {"ok":true,...} or {"ok":false,"line":N,"error":{"code","message"}},
and goes on after a failed line; exits with 1 if any line failed. Blank lines are skipped
(no answer). Fields an operation does not take are refused, so a typo such as "tll" fails.
Works on every store, the in-memory one included.

${TARGET_HELP}

${STORE_HELP}`,
};

const OPTIONS = {
  env: { type: "string" },
  tenant: { type: "string" },
  team: { type: "string" },
  user: { type: "string" },
  prefix: { type: "string" },
  key: { type: "string" },
  path: { type: "string" },
  value: { type: "string" },
  file: { type: "string" },
  ttl: { type: "string" },
  redis: { type: "string" },
  db: { type: "string" },
  memory: { type: "boolean" },
  verbose: { type: "boolean", short: "v" },
  help: { type: "boolean", short: "h" },
  version: { type: "boolean" },
} as const;

/**
 * Runs the tool with `args` on `io` and returns the exit code.
 *
 * @param args The command-line arguments, without the program name.
 * @param io Where to read and write.
 * @returns 0 done, 1 store error, 2 usage error, 3 no such entry.
 */
export async function main(args: string[], io: CliIo = processIo()): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      options: OPTIONS,
      allowPositionals: true,
      strict: true,
      tokens: true,
    });
    const seen = new Set<string>();
    for (const token of parsed.tokens) {
      if (token.kind !== "option") continue;
      if (seen.has(token.name)) {
        throw new Error(`Option --${token.name} is given twice; give it once`);
      }
      seen.add(token.name);
    }
  } catch (error) {
    await io.err(`${usageMessage(error)}\nRun "deno task state --help" for usage.\n`);
    return 2;
  }
  const { positionals } = parsed;
  const values = resolvePaths(parsed.values, io.cwd);
  if (values.version) {
    await io.out(`${config.name} ${config.version}\n`);
    return 0;
  }
  const [command, ...rest] = positionals;
  if (command === undefined || command === "help") {
    if (!values.help && command === undefined) await io.err("No command given\n\n");
    await (values.help || command === "help" ? io.out : io.err)(HELP.main + "\n");
    return values.help || command === "help" ? 0 : 2;
  }
  const help = Object.hasOwn(HELP, command) ? HELP[command] : undefined;
  if (help === undefined || command === "main") {
    await io.err(`Unknown command "${command}"\n\n${HELP.main}\n`);
    return 2;
  }
  if (values.help) {
    await io.out(help + "\n");
    return 0;
  }
  if (command !== "run" && rest.length > 0) {
    await io.err(`Unexpected argument "${rest[0]}"; ${command} takes options only\n`);
    return 2;
  }
  if (command === "run" && rest.length > 1) {
    await io.err(`run takes one SCRIPT file at most, got ${rest.length}\n`);
    return 2;
  }

  let opened;
  try {
    opened = await openStore(values, io.env, io.cwd);
  } catch (error) {
    return await report(io, error);
  }
  const { store, description } = opened;
  try {
    if (values.verbose) await io.err(`Using ${description}\n`);
    if (command === "run") return await runScript(rest[0], values, io, store);
    return await runOne(command, values, io, store);
  } catch (error) {
    return await report(io, error);
  } finally {
    await store.close();
  }
}

type Values = ReturnType<typeof parseArgs<{ options: typeof OPTIONS }>>["values"];

/** Makes --db and --file absolute, against the directory the user ran the task in. */
function resolvePaths(values: Values, cwd: string): Values {
  const out = { ...values };
  if (out.db !== undefined && out.db !== ":memory:") out.db = resolve(cwd, out.db);
  if (out.file !== undefined) out.file = resolve(cwd, out.file);
  return out;
}

/** The first sentence of a `parseArgs` error, which is the useful one. */
function usageMessage(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const first = message.split(/\.(?: |\n)/)[0]!;
  const option = /Option '(--[a-z-]+)/.exec(message)?.[1] ?? "--option";
  return /ambiguous/.test(message)
    ? `${first}: ${option} needs a value; if the value starts with "-", write ${option}=VALUE`
    : first;
}

function targetFields(values: Values): OperationFields {
  const { env, tenant, team, user, prefix, key, path, ttl } = values;
  return { env, tenant, team, user, prefix, key, path, ttl };
}

async function runOne(
  command: string,
  values: Values,
  io: CliIo,
  store: Awaited<ReturnType<typeof openStore>>["store"],
): Promise<number> {
  const fields: OperationFields = { ...targetFields(values), op: command };
  if (command === "set") fields.value = await readValue(values, io);
  else if (values.value !== undefined || values.file !== undefined) {
    throw new UsageError(`${command} takes no value; --value and --file are for set`);
  }
  const op = toOperation(fields, "options");
  let progress: ((deleted: number) => void) | undefined;
  let shown = 0;
  if (command === "del-prefix" && io.isTerminal) {
    progress = (deleted) => {
      if (deleted - shown >= 1000) {
        shown = deleted;
        void io.err(`\rdeleted ${deleted} keys…`);
      }
    };
  }
  const answer: Answer = await execute(store, op, progress ? { onProgress: progress } : {});
  if (shown > 0) await io.err("\n");
  if (command === "get") {
    if (!answer.found) {
      await io.err(`No entry at this key${op.path ? ` and path ${op.path}` : ""}\n`);
      return 3;
    }
    await io.out(JSON.stringify(answer.value) + "\n");
    return 0;
  }
  if (command === "keys") {
    for (const key of answer.keys as string[]) await io.out(JSON.stringify(key) + "\n");
    return 0;
  }
  await io.out(JSON.stringify(answer) + "\n");
  return command === "ttl" && !answer.found ? 3 : 0;
}

async function readValue(values: Values, io: CliIo): Promise<unknown> {
  if (values.value !== undefined && values.file !== undefined) {
    throw new UsageError("Give the value once: --value or --file, not both");
  }
  let text: string;
  let source: string;
  if (values.value !== undefined) {
    text = values.value;
    source = "--value";
  } else if (values.file !== undefined) {
    try {
      text = await Deno.readTextFile(values.file);
    } catch (error) {
      throw new UsageError(`Cannot read --file ${values.file}: ${(error as Error).message}`);
    }
    source = `--file ${values.file}`;
  } else {
    text = await readAll(io.stdin);
    source = "stdin";
    if (text.trim() === "") {
      throw new UsageError("set needs a value: --value JSON, --file FILE, or JSON on stdin");
    }
  }
  try {
    return parseJson(text);
  } catch (error) {
    throw new UsageError(`The value from ${source} is not JSON: ${(error as Error).message}`);
  }
}

async function runScript(
  script: string | undefined,
  values: Values,
  io: CliIo,
  store: Awaited<ReturnType<typeof openStore>>["store"],
): Promise<number> {
  let input: ReadableStream<Uint8Array>;
  if (script === undefined || script === "-") input = io.stdin;
  else {
    try {
      input = (await Deno.open(resolve(io.cwd, script))).readable;
    } catch (error) {
      throw new UsageError(`Cannot open script ${script}: ${(error as Error).message}`);
    }
  }
  const defaults = targetFields(values);
  delete defaults.key;
  delete defaults.path;
  delete defaults.ttl;
  let failed = 0;
  let lineNo = 0;
  for await (const line of lines(input)) {
    lineNo++;
    if (line.trim() === "") continue;
    let answer;
    try {
      let fields: unknown;
      try {
        fields = parseJson(line);
      } catch (error) {
        throw new UsageError(`Line ${lineNo} is not JSON: ${(error as Error).message}`);
      }
      if (typeof fields !== "object" || fields === null || Array.isArray(fields)) {
        throw new UsageError(`Line ${lineNo} is not a JSON object`);
      }
      const merged: OperationFields = { ...withoutUndefined(defaults), ...fields };
      answer = await execute(store, toOperation(merged, "script"));
    } catch (error) {
      answer = failure(error, lineNo);
      failed++;
    }
    await io.out(JSON.stringify(answer) + "\n");
  }
  return failed > 0 ? 1 : 0;
}

function withoutUndefined(fields: OperationFields): OperationFields {
  return Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined));
}

async function report(io: CliIo, error: unknown): Promise<number> {
  if (error instanceof UsageError) {
    await io.err(`${error.message}\nRun "deno task state --help" for usage.\n`);
    return 2;
  }
  if (error instanceof StateError) {
    await io.err(`error (${error.code}): ${redactInText(error.message)}\n`);
    return 1;
  }
  await io.err(`error (internal): ${error instanceof Error ? error.stack : String(error)}\n`);
  return 1;
}

function redactInText(message: string): string {
  return message.replace(/[a-z][a-z0-9+.-]*:\/\/[^\s"']+/gi, (url) => redactUrl(url));
}

export { OPERATIONS };

if (import.meta.main) Deno.exit(await main(Deno.args));
