// Shared assertions for the pack tests, on top of node:assert/strict.
import assert from "node:assert/strict";

export function assertEquals<T>(actual: T, expected: T, message?: string): void {
  assert.deepStrictEqual(actual, expected, message);
}

export function assertThrows(
  fn: () => unknown,
  type: new (...a: never[]) => Error,
  includes: string,
): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof type, `expected ${type.name}, got ${String(e)}`);
    assert.ok(e.message.includes(includes), `"${e.message}" should include "${includes}"`);
    return true;
  });
}

export async function assertRejects(
  fn: () => Promise<unknown>,
  type: new (...a: never[]) => Error,
  includes: string,
): Promise<void> {
  await assert.rejects(fn, (e: unknown) => {
    assert.ok(e instanceof type, `expected ${type.name}, got ${String(e)}`);
    assert.ok(e.message.includes(includes), `"${e.message}" should include "${includes}"`);
    return true;
  });
}

export { assert };
