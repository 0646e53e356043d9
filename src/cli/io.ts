/**
 * The streams a command talks to, so commands run in tests without a process.
 *
 * @module
 */

/** Where a command reads and writes. */
export interface CliIo {
  /** Standard input. */
  stdin: ReadableStream<Uint8Array>;
  /** Writes text to standard output. */
  out(text: string): Promise<void>;
  /** Writes text to standard error. */
  err(text: string): Promise<void>;
  /** Reads an environment variable. */
  env(name: string): string | undefined;
  /** Whether standard error is a terminal (for progress output). */
  isTerminal: boolean;
  /** The directory relative paths are resolved against. */
  cwd: string;
}

const encoder = new TextEncoder();

/** The process's own streams. */
export function processIo(): CliIo {
  let closed = false; // the reader went away (e.g. `| head`): drop further output quietly
  const write = (file: typeof Deno.stdout) => async (text: string) => {
    if (closed) return;
    const bytes = encoder.encode(text);
    let written = 0;
    try {
      while (written < bytes.length) written += await file.write(bytes.subarray(written));
    } catch (error) {
      if (!(error instanceof Deno.errors.BrokenPipe)) throw error;
      closed = true;
    }
  };
  return {
    stdin: Deno.stdin.readable,
    out: write(Deno.stdout),
    err: write(Deno.stderr),
    env: (name) => Deno.env.get(name),
    isTerminal: Deno.stderr.isTerminal(),
    // `deno task` runs in the folder of deno.json; INIT_CWD is where the user was.
    cwd: Deno.env.get("INIT_CWD") ?? Deno.cwd(),
  };
}

/** Yields the lines of a byte stream, without their line ends. */
export async function* lines(stream: ReadableStream<Uint8Array>): AsyncGenerator<string> {
  let pending: string[] = []; // pieces of a line not ended yet: no quadratic re-scanning
  for await (const chunk of stream.pipeThrough(new TextDecoderStream())) {
    let start = 0;
    let end: number;
    while ((end = chunk.indexOf("\n", start)) !== -1) {
      pending.push(chunk.slice(start, end));
      yield pending.join("").replace(/\r$/, "");
      pending = [];
      start = end + 1;
    }
    if (start < chunk.length) pending.push(chunk.slice(start));
  }
  const last = pending.join("");
  if (last !== "") yield last.replace(/\r$/, "");
}

/** Reads a whole byte stream as text. */
export async function readAll(stream: ReadableStream<Uint8Array>): Promise<string> {
  let text = "";
  for await (const chunk of stream.pipeThrough(new TextDecoderStream())) text += chunk;
  return text;
}
