/**
 * Deadlines for calls to Redis, kept by one interval timer per store instead of one timer
 * per command.
 *
 * Every call gets the same timeout, so deadlines are ordered like the calls: a FIFO queue
 * holds them, a call that settles is only marked, and a tick rejects the expired calls at
 * the head. The timer runs only while calls are in flight and is unreferenced. Written by
 * hand because ioredis's `commandTimeout` arms a timer per command,
 * which costs about a third of the throughput, and it only exists on clients the store
 * creates, not on borrowed ones.
 *
 * @module
 */

/** A call in flight. */
class Call<R, T> {
  /** Epoch ms after which the call is rejected. */
  readonly deadline: number;
  done = false;
  readonly #resolve: (value: T) => void;
  readonly #reject: (error: unknown) => void;
  readonly #map: (reply: R) => T;
  readonly #fail: (error: unknown) => unknown;
  readonly #queue: Deadlines;

  constructor(
    queue: Deadlines,
    deadline: number,
    resolve: (value: T) => void,
    reject: (error: unknown) => void,
    map: (reply: R) => T,
    fail: (error: unknown) => unknown,
  ) {
    this.#queue = queue;
    this.deadline = deadline;
    this.#resolve = resolve;
    this.#reject = reject;
    this.#map = map;
    this.#fail = fail;
  }

  ok(reply: R): void {
    if (this.done) return;
    this.done = true;
    let value: T;
    try {
      value = this.#map(reply);
    } catch (error) {
      this.#reject(this.#fail(error));
      this.#queue.drain();
      return;
    }
    this.#resolve(value);
    this.#queue.drain();
  }

  error(error: unknown): void {
    if (this.done) return;
    this.done = true;
    this.#reject(this.#fail(error));
    this.#queue.drain();
  }

  /** Rejects the call with `error` as it is (a deadline or close). */
  abort(error: unknown): void {
    if (this.done) return;
    this.done = true;
    this.#reject(error);
  }
}

/** The calls in flight of one store and the timer that enforces their deadline. */
export class Deadlines {
  readonly #timeoutMs: number;
  readonly #tickMs: number;
  readonly #expired: () => unknown;
  #calls: Call<unknown, unknown>[] = [];
  #head = 0;
  #timer: ReturnType<typeof setInterval> | undefined;

  /**
   * @param timeoutMs How long a call may wait for its answer.
   * @param expired Makes the error of a call that waited too long.
   */
  constructor(timeoutMs: number, expired: () => unknown) {
    this.#timeoutMs = timeoutMs;
    this.#tickMs = Math.max(5, Math.min(100, Math.floor(timeoutMs / 10)));
    this.#expired = expired;
  }

  /** Calls in flight (settled ones not yet dropped included). */
  get size(): number {
    return this.#calls.length - this.#head;
  }

  /**
   * Returns a promise that settles with `map(reply)` when `reply` fulfils, with `fail(e)`
   * when it rejects, or with the deadline error when neither happens in time.
   */
  run<R, T>(
    reply: Promise<R>,
    map: (reply: R) => T,
    fail: (error: unknown) => unknown,
  ): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const call = new Call(this, performance.now() + this.#timeoutMs, resolve, reject, map, fail);
      this.#calls.push(call as Call<unknown, unknown>);
      if (this.#timer === undefined) this.#timer = unref(setInterval(this.#tick, this.#tickMs));
      reply.then((value) => call.ok(value), (error) => call.error(error));
    });
  }

  /** Drops settled calls from the head of the queue. */
  drain(): void {
    const calls = this.#calls;
    let head = this.#head;
    while (head < calls.length && calls[head]!.done) head++;
    if (head === calls.length) {
      calls.length = 0;
      head = 0;
    } else if (head > 1024 && head * 2 > calls.length) {
      calls.splice(0, head);
      head = 0;
    }
    this.#head = head;
  }

  /** Rejects every call in flight with `error` and stops the timer. */
  abortAll(error: unknown): void {
    const calls = this.#calls;
    this.#calls = [];
    for (let i = this.#head; i < calls.length; i++) calls[i]!.abort(error);
    this.#head = 0;
    this.#stop();
  }

  #tick = (): void => {
    const now = performance.now(); // monotonic: a wall-clock jump moves no deadline
    const calls = this.#calls;
    for (; this.#head < calls.length; this.#head++) {
      const call = calls[this.#head]!;
      if (call.done) continue;
      if (call.deadline > now) break;
      call.abort(this.#expired());
    }
    this.drain();
    if (this.#calls.length === 0) this.#stop();
  };

  /** Stops the timer (the tick also stops it when it finds nothing in flight). */
  #stop(): void {
    if (this.#timer !== undefined) {
      clearInterval(this.#timer);
      this.#timer = undefined;
    }
  }
}

/**
 * Lets the process exit, and a test end, while the timer runs: it only ever waits for
 * calls whose sockets keep the process alive anyway, and it stops at the first tick that
 * finds nothing in flight. Stopping it at once whenever the last call settles would cost
 * a timer start and stop per call at low concurrency (measured: 15 % of the latency of a
 * `GET` on loopback).
 */
function unref<T>(timer: T): T {
  const node = timer as { unref?: () => void };
  if (typeof node === "object" && node !== null && typeof node.unref === "function") {
    node.unref(); // Node: a Timeout object
  } else {
    // Deno: a number, unreferenced through the runtime's API when there is one.
    (globalThis as { Deno?: { unrefTimer?: (id: number) => void } }).Deno?.unrefTimer?.(
      timer as number,
    );
  }
  return timer;
}
