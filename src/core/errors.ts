/**
 * The error type every store method rejects with.
 *
 * @module
 */

/**
 * What went wrong, in a form a caller can switch on.
 *
 * - `invalid_input`: an argument (id, prefix, key, pointer, value, TTL) is not
 *   acceptable; nothing was read or written.
 * - `not_found`: a command that needs an existing entry found none.
 * - `conflict`: an atomic update kept losing a race and gave up; nothing was written.
 * - `timeout`: the backend did not answer in time; the outcome of a write is unknown.
 * - `unavailable`: the backend cannot be reached, or the store is closed.
 * - `internal`: a bug or a backend answer this library does not understand.
 */
export type StateErrorCode =
  | "invalid_input"
  | "not_found"
  | "conflict"
  | "timeout"
  | "unavailable"
  | "internal";

/** Options of {@linkcode StateError}. */
export interface StateErrorOptions {
  /** The error that caused this one, if any. */
  cause?: unknown;
}

/**
 * An error raised by a state store, with a machine-readable {@linkcode StateErrorCode}.
 *
 * @example Switch on the code
 * ```ts
 * import { InMemoryStateStore, StateError, TenantCtx } from "@greentic/state";
 * import assert from "node:assert/strict";
 *
 * const store = new InMemoryStateStore();
 * const ctx = new TenantCtx("dev", "acme");
 * try {
 *   await store.getJson(ctx, "flow", "doc", "no-leading-slash");
 *   assert.fail("expected an error");
 * } catch (error) {
 *   assert.ok(error instanceof StateError);
 *   assert.equal(error.code, "invalid_input");
 * }
 * ```
 */
export class StateError extends Error {
  /** What kind of failure this is. */
  readonly code: StateErrorCode;

  /**
   * Creates an error.
   *
   * @param code What kind of failure this is.
   * @param message What was wrong and, where possible, how to fix it.
   * @param options The cause, if any.
   */
  constructor(code: StateErrorCode, message: string, options?: StateErrorOptions) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = "StateError";
    this.code = code;
  }
}

/** Shorthand for an `invalid_input` error. */
export function invalidInput(message: string): StateError {
  return new StateError("invalid_input", message);
}

/** Quotes a user string for an error message, shortened when long. */
export function quote(value: string, max = 80): string {
  const shown = value.length > max ? `${value.slice(0, max)}…` : value;
  return JSON.stringify(shown);
}
