// Loads a WebAssembly component in-process: jco transpiles it to an ES module (its WASI
// imports resolve to @bytecodealliance/preview2-shim through deno.json), which is imported.
import { transpile } from "@bytecodealliance/jco";

/** The exports of the component world, as jco exposes them. */
export interface ProviderExports {
  descriptor: { describe(): Uint8Array };
  runtime: { invoke(op: string, input: Uint8Array): Uint8Array };
  qa: {
    qaSpec(mode: string): Uint8Array;
    applyAnswers(mode: string, answers: Uint8Array): Uint8Array;
  };
  componentI18n: { i18nKeys(): string[]; i18nBundle(locale: string): Uint8Array };
  schemaCoreApi: {
    describe(): Uint8Array;
    validateConfig(config: Uint8Array): Uint8Array;
    healthcheck(): Uint8Array;
    invoke(op: string, input: Uint8Array): Uint8Array;
  };
}

/** Transpiles `wasm` with jco into `dir` and imports it. */
export async function loadComponent(
  wasm: Uint8Array,
  name: string,
  dir: string,
): Promise<ProviderExports> {
  const { files } = await transpile(wasm, { name });
  for (const [path, data] of Object.entries(files)) {
    const target = `${dir}/${name}/${path}`;
    await Deno.mkdir(target.slice(0, target.lastIndexOf("/")), { recursive: true });
    await Deno.writeFile(target, data as Uint8Array);
  }
  return await import(`file://${dir}/${name}/${name}.js`) as ProviderExports;
}
