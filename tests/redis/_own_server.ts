/**
 * Starts and stops `redis-server` processes owned by a test, on free loopback ports, for
 * tests that kill, freeze or restart Redis. Each is stopped by its PID.
 *
 * @module
 */

/** A `redis-server` process this test run started. */
export class OwnServer implements AsyncDisposable {
  readonly port: number;
  readonly extraArgs: string[];
  #child: Deno.ChildProcess | null = null;

  private constructor(port: number, extraArgs: string[]) {
    this.port = port;
    this.extraArgs = extraArgs;
  }

  /** Starts a server on a free port; `extraArgs` go to `redis-server` (`--requirepass x`). */
  static async start(extraArgs: string[] = []): Promise<OwnServer> {
    const server = new OwnServer(freePort(), extraArgs);
    await server.restart();
    return server;
  }

  /** `redis://127.0.0.1:{port}`. */
  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** The PID of the running process. */
  get pid(): number {
    if (this.#child === null) throw new Error("The server is not running");
    return this.#child.pid;
  }

  /** Starts the server again (empty: nothing is saved) on the same port. */
  async restart(): Promise<void> {
    if (this.#child !== null) throw new Error("The server is still running");
    const child = new Deno.Command(redisServerPath(), {
      args: [
        "--port",
        String(this.port),
        "--bind",
        "127.0.0.1",
        "--save",
        "",
        "--appendonly",
        "no",
        "--daemonize",
        "no",
        "--loglevel",
        "warning",
        ...this.extraArgs,
      ],
      stdin: "null",
      stdout: "null",
      stderr: "null",
    }).spawn();
    this.#child = child;
    await waitForPort(this.port, child);
  }

  /** Sends `signal` to the process (`SIGSTOP` freezes it, `SIGCONT` thaws it). */
  signal(signal: Deno.Signal): void {
    Deno.kill(this.pid, signal);
  }

  /** Kills the process with `SIGKILL` and waits for it to end. */
  async kill(): Promise<void> {
    const child = this.#child;
    if (child === null) return;
    this.#child = null;
    try {
      Deno.kill(child.pid, "SIGKILL"); // ends a frozen (SIGSTOP) process too
    } catch {
      // already gone
    }
    await child.status;
  }

  /** Stops the server (same as {@linkcode OwnServer.kill}). */
  stop(): Promise<void> {
    return this.kill();
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.kill();
  }
}

/** The path of `redis-server`, or a failure saying how to get it. */
export function redisServerPath(): string {
  for (const dir of (Deno.env.get("PATH") ?? "").split(":")) {
    const path = `${dir}/redis-server`;
    try {
      if (Deno.statSync(path).isFile) return path;
    } catch {
      // not here
    }
  }
  throw new Error(
    "redis-server was not found on PATH: install it (apt-get install redis-server, " +
      "brew install redis) or set REDIS_URL to a Redis 6.0+ server for the tests that can use one",
  );
}

/** A loopback port that was free a moment ago. */
export function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return port;
}

/** Whether a Redis answers `PING` at `port` within `timeoutMs`. */
export async function answersPing(
  port: number,
  hostname = "127.0.0.1",
  timeoutMs = 500,
): Promise<boolean> {
  let conn: Deno.TcpConn | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    const attempt = (async () => {
      conn = await Deno.connect({ hostname, port });
      await conn.write(new TextEncoder().encode("PING\r\n"));
      const buf = new Uint8Array(64);
      const n = await conn.read(buf);
      const reply = n === null ? "" : new TextDecoder().decode(buf.subarray(0, n));
      return reply.startsWith("+PONG") || reply.startsWith("-NOAUTH"); // up, maybe with a password
    })();
    const late = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), timeoutMs);
    });
    const ok = await Promise.race([attempt, late]);
    conn?.close();
    conn = undefined;
    await attempt.catch(() => false);
    return ok;
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
    try {
      conn?.close();
    } catch {
      // closed
    }
  }
}

async function waitForPort(port: number, child: Deno.ChildProcess): Promise<void> {
  let exited = false;
  child.status.then(() => exited = true);
  for (let i = 0; i < 200; i++) {
    if (exited) throw new Error(`redis-server on port ${port} exited at start`);
    if (await answersPing(port)) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`redis-server on port ${port} did not answer within 5 s`);
}
