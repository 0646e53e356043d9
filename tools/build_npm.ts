/**
 * Builds the npm package of `@greentic/state` into `dist/npm/`: ESM JavaScript and `.d.ts`
 * files emitted by the TypeScript compiler (pinned in `deno.json`), a `package.json`, the
 * README and the LICENSE.
 *
 * The npm entry points are the `deno.json` exports minus the Deno-only ones (the CLI).
 * Relative `.ts` import paths become `.js` through `rewriteRelativeImportExtensions`. Every
 * bare specifier the emitted code imports must be an `npm:` entry of the `deno.json` import
 * map; it becomes an optional peer dependency, since the library loads such drivers lazily
 * (`mod.ts` never imports an npm package). The build fails if the emitted code still names
 * `Deno`, or an `npm:`/`jsr:` specifier, because Node could not run it.
 *
 * Usage: `deno task build:npm` (or `... tools/build_npm.ts --out-dir DIR`)
 *
 * @module
 */

import { parseArgs } from "node:util";
import ts from "typescript";

/** `deno.json` export names that need Deno-only APIs and are left out of the npm package. */
export const DENO_ONLY_EXPORTS: ReadonlySet<string> = new Set(["./cli"]);

/** The lowest Node.js major version the npm package supports. */
export const NODE_ENGINE = ">=20";

/** What {@linkcode buildNpm} wrote. */
export interface NpmBuild {
  /** Absolute path of the package folder. */
  outDir: string;
  /** The `package.json` written there. */
  packageJson: Record<string, unknown>;
  /** Package-relative paths of every file written, sorted. */
  files: string[];
}

/** Options of {@linkcode buildNpm}. */
export interface BuildNpmOptions {
  /**
   * The project root, holding `deno.json`.
   *
   * @default {the parent folder of `tools/`}
   */
  root?: string;
  /**
   * Where to write the package; emptied first.
   *
   * @default {"<root>/dist/npm"}
   */
  outDir?: string;
}

interface DenoConfig {
  name: string;
  version: string;
  license: string;
  exports: Record<string, string>;
  imports?: Record<string, string>;
}

const DESCRIPTION =
  "Multi-tenant JSON working-memory store for Greentic flows: whole documents or JSON Pointer " +
  "parts with TTLs, in memory, in Redis or in SQLite";

/**
 * Builds the npm package.
 *
 * @param options Where the project is and where the package goes.
 * @returns What was written.
 */
export async function buildNpm(options: BuildNpmOptions = {}): Promise<NpmBuild> {
  const root = options.root ??
    decodeURIComponent(new URL("..", import.meta.url).pathname).replace(/\/$/, "");
  const outDir = options.outDir ?? `${root}/dist/npm`;
  const config = JSON.parse(await Deno.readTextFile(`${root}/deno.json`)) as DenoConfig;
  for (const field of ["name", "version", "license"] as const) {
    if (typeof config[field] !== "string") {
      throw new Error(`Cannot build the npm package: deno.json has no "${field}"`);
    }
  }

  const entries = Object.entries(config.exports).filter(([name]) => !DENO_ONLY_EXPORTS.has(name));
  if (!entries.some(([name]) => name === ".")) {
    throw new Error('Cannot build the npm package: deno.json exports no "." entry');
  }

  await Deno.remove(outDir, { recursive: true }).catch((error) => {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  });
  await Deno.mkdir(outDir, { recursive: true });

  emit(root, outDir, entries.map(([, file]) => `${root}/${file.replace(/^\.\//, "")}`));

  const emitted = await listFiles(outDir);
  const dependencies = await checkEmitted(outDir, emitted, config.imports ?? {});

  for (const doc of ["README.md", "LICENSE"]) {
    try {
      await Deno.copyFile(`${root}/${doc}`, `${outDir}/${doc}`);
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) {
        throw new Error(`Cannot build the npm package: ${doc} is missing at the project root`);
      }
      throw error;
    }
  }

  const packageJson = packageManifest(config, entries, dependencies);
  await Deno.writeTextFile(`${outDir}/package.json`, JSON.stringify(packageJson, null, 2) + "\n");
  return { outDir, packageJson, files: (await listFiles(outDir)).sort() };
}

/** Compiles the entry points and everything they import into `outDir`. */
function emit(root: string, outDir: string, rootNames: string[]): void {
  const options: ts.CompilerOptions = {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    allowImportingTsExtensions: true,
    rewriteRelativeImportExtensions: true,
    declaration: true,
    rootDir: root,
    outDir,
    strict: true,
    // `deno check` (run by `deno task check`) type-checks this code; this build only emits.
    // Declaration emit still needs the standard library's types (`Symbol.asyncDispose` is
    // a well-known symbol only to a compiler that knows the lib), but not Node's or the
    // drivers' types: it copies the code's explicit annotations.
    noCheck: true,
    lib: ["lib.es2022.d.ts", "lib.esnext.disposable.d.ts"],
    types: [],
    skipLibCheck: true,
    newLine: ts.NewLineKind.LineFeed,
    removeComments: false,
  };
  const program = ts.createProgram({ rootNames, options });
  const result = program.emit(undefined, undefined, undefined, undefined, {
    afterDeclarations: [rewriteDeclarationImports],
  });
  const diagnostics = [
    ...program.getOptionsDiagnostics(),
    ...program.getSyntacticDiagnostics(),
    ...result.diagnostics,
  ];
  if (diagnostics.length > 0 || result.emitSkipped) {
    const text = ts.formatDiagnostics(diagnostics, {
      getCanonicalFileName: (name) => name,
      getCurrentDirectory: () => root,
      getNewLine: () => "\n",
    });
    throw new Error(`Cannot build the npm package: the TypeScript compiler failed\n${text}`);
  }
  const outside = program.getSourceFiles()
    .filter((file) => !file.isDeclarationFile)
    .map((file) => file.fileName)
    .filter((name) => !name.startsWith(`${root}/`) || name.startsWith(`${root}/tests/`));
  if (outside.length > 0) {
    throw new Error(`Cannot build the npm package: it would include ${outside.join(", ")}`);
  }
}

/**
 * Makes `.d.ts` files import `./x.js` where the source imports `./x.ts`, as the JavaScript
 * does (`rewriteRelativeImportExtensions` only rewrites the JavaScript), so that every
 * TypeScript version and module resolution mode a Node user picks resolves them.
 */
function rewriteDeclarationImports(
  context: ts.TransformationContext,
): (node: ts.SourceFile | ts.Bundle) => ts.SourceFile | ts.Bundle {
  const { factory } = context;
  const rewrite = (literal: ts.Expression | undefined): ts.StringLiteral | undefined => {
    if (literal === undefined || !ts.isStringLiteral(literal)) return undefined;
    const text = literal.text;
    if (!/^\.\.?\//.test(text) || !/\.[mc]?ts$/.test(text) || /\.d\.[mc]?ts$/.test(text)) {
      return undefined;
    }
    return factory.createStringLiteral(text.replace(/ts$/, "js"));
  };
  const visit = (node: ts.Node): ts.Node => {
    if (ts.isImportDeclaration(node)) {
      const specifier = rewrite(node.moduleSpecifier);
      if (specifier !== undefined) {
        return factory.updateImportDeclaration(
          node,
          node.modifiers,
          node.importClause,
          specifier,
          node.attributes,
        );
      }
    } else if (ts.isExportDeclaration(node)) {
      const specifier = rewrite(node.moduleSpecifier);
      if (specifier !== undefined) {
        return factory.updateExportDeclaration(
          node,
          node.modifiers,
          node.isTypeOnly,
          node.exportClause,
          specifier,
          node.attributes,
        );
      }
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument)) {
      const specifier = rewrite(node.argument.literal as ts.Expression);
      if (specifier !== undefined) {
        return factory.updateImportTypeNode(
          node,
          factory.updateLiteralTypeNode(node.argument, specifier),
          node.attributes,
          node.qualifier,
          node.typeArguments,
          node.isTypeOf,
        );
      }
    }
    return ts.visitEachChild(node, visit, context);
  };
  return (node) => ts.isSourceFile(node) ? ts.visitEachChild(node, visit, context) : node;
}

/** Lists the files under `dir`, relative to it. */
async function listFiles(dir: string, prefix = ""): Promise<string[]> {
  const files: string[] = [];
  for await (const entry of Deno.readDir(`${dir}/${prefix}`)) {
    const path = `${prefix}${entry.name}`;
    if (entry.isDirectory) files.push(...await listFiles(dir, `${path}/`));
    else files.push(path);
  }
  return files;
}

const SPECIFIER = /(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)(["'])([^"']+)\1/g;

/**
 * Checks that Node can run the emitted code and returns its npm dependencies, as
 * `name -> version range`.
 */
async function checkEmitted(
  outDir: string,
  files: string[],
  imports: Record<string, string>,
): Promise<Map<string, string>> {
  const dependencies = new Map<string, string>();
  const problems: string[] = [];
  for (const file of files.filter((name) => /\.(js|d\.ts)$/.test(name))) {
    const text = await Deno.readTextFile(`${outDir}/${file}`);
    if (file.endsWith(".js") && /\bDeno\s*\./.test(stripComments(text))) {
      problems.push(`${file} uses the Deno namespace; move that code to a Deno-only entry`);
    }
    for (const [, , specifier] of stripComments(text).matchAll(SPECIFIER)) {
      if (specifier === undefined || specifier.startsWith(".") || specifier.startsWith("node:")) {
        continue;
      }
      if (/^(npm|jsr|https?):/.test(specifier)) {
        problems.push(
          `${file} imports "${specifier}"; import the bare name and map it in deno.json "imports"`,
        );
        continue;
      }
      const name = packageName(specifier);
      const target = imports[name];
      const match = target?.match(/^npm:(@?[^@]+)@(\d[^/]*)$/);
      if (match === undefined || match === null || match[1] !== name) {
        problems.push(
          `${file} imports "${specifier}", which deno.json "imports" does not pin as "npm:${name}@<version>"`,
        );
        continue;
      }
      dependencies.set(name, `^${match[2]}`);
    }
  }
  if (problems.length > 0) {
    throw new Error(`Cannot build the npm package:\n  ${problems.join("\n  ")}`);
  }
  return dependencies;
}

/** Drops comments, so that JSDoc examples do not count as code. */
function stripComments(text: string): string {
  return text.replace(/\/\*[\s\S]*?\*\//g, "").replace(/(^|[^:"'])\/\/.*$/gm, "$1");
}

/** `@scope/name/sub` -> `@scope/name`, `name/sub` -> `name`. */
function packageName(specifier: string): string {
  const parts = specifier.split("/");
  return specifier.startsWith("@") ? parts.slice(0, 2).join("/") : parts[0] ?? specifier;
}

/** The `package.json` of the npm package. */
function packageManifest(
  config: DenoConfig,
  entries: [string, string][],
  dependencies: Map<string, string>,
): Record<string, unknown> {
  const exports: Record<string, unknown> = {};
  for (const [name, file] of entries) {
    const base = file.replace(/\.ts$/, "");
    exports[name] = { types: `${base}.d.ts`, default: `${base}.js` };
  }
  exports["./package.json"] = "./package.json";
  const main = entries.find(([name]) => name === ".")?.[1].replace(/\.ts$/, "") ?? "./mod";
  const peers = [...dependencies].sort(([a], [b]) => a.localeCompare(b));
  const manifest: Record<string, unknown> = {
    name: config.name,
    version: config.version,
    description: DESCRIPTION,
    license: config.license,
    keywords: ["greentic", "state", "json", "json-pointer", "redis", "sqlite", "ttl", "deno"],
    type: "module",
    exports,
    main: `${main}.js`,
    types: `${main}.d.ts`,
    sideEffects: false,
    engines: { node: NODE_ENGINE },
    publishConfig: { access: "public" },
  };
  if (peers.length > 0) {
    manifest.peerDependencies = Object.fromEntries(peers);
    manifest.peerDependenciesMeta = Object.fromEntries(
      peers.map(([name]) => [name, { optional: true }]),
    );
  }
  // npm's provenance check wants the repository that built the package; GitHub Actions
  // names it, so a release build records it and a local build does not guess one.
  const repository = Deno.env.get("GITHUB_REPOSITORY");
  if (repository !== undefined && /^[\w.-]+\/[\w.-]+$/.test(repository)) {
    const server = Deno.env.get("GITHUB_SERVER_URL") ?? "https://github.com";
    manifest.repository = { type: "git", url: `git+${server}/${repository}.git` };
  }
  return manifest;
}

if (import.meta.main) {
  const { values } = parseArgs({ args: Deno.args, options: { "out-dir": { type: "string" } } });
  const outDir = values["out-dir"];
  try {
    const build = await buildNpm(outDir === undefined ? {} : { outDir });
    console.log(
      `Built ${build.packageJson.name}@${build.packageJson.version} in ${build.outDir} ` +
        `(${build.files.length} files)`,
    );
  } catch (error) {
    console.error(error instanceof Error ? error.message : error);
    Deno.exit(1);
  }
}
