// assert.throws that also records the bad input and the message the user sees, so that
// docs/errors.md is generated from what the tests really try (scripts/errors-catalogue.ts).
import assert from 'node:assert/strict';
import { appendFileSync } from 'node:fs';

export type Area = 'tensors' | 'layers' | 'models' | 'training' | 'data' | 'files' | 'memory' | 'backend';

/** Asserts that fn throws an error whose message matches `pattern`; returns the message. */
export async function expectError(area: Area, input: string, fn: () => unknown, pattern: RegExp): Promise<string> {
  let message: string | undefined;
  try {
    await fn();
  } catch (e) {
    message = e instanceof Error ? e.message : String(e);
  }
  assert.ok(message !== undefined, `${input}: expected an error matching ${pattern}, but nothing was thrown`);
  assert.match(message, pattern, input);
  const out = process.env.DEEPTYPE_ERROR_CATALOGUE;
  if (out) appendFileSync(out, JSON.stringify({ area, input, message }) + '\n');
  return message;
}
