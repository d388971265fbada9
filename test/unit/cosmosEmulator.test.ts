/**
 * The local emulator's patch conditions (local/cosmosEmulator.ts): string literals become parameters, so
 * one compiled query serves every patch of a form, and the condition still holds exactly when it did.
 */
import { conditionHolds, conditionQuery, withLiteralParameters } from '../../local/cosmosEmulator';

// the engine's own compile path (a collection without the emulator's compiled-query cache)
const collection = { documents: {} } as Parameters<typeof conditionHolds>[0];

test('single-quoted literals become parameters; double-quoted property names and escaped literals stay', () => {
  expect(withLiteralParameters(`SELECT * FROM c WHERE c.type = 'user' and c.at < '2026-12-07T15:06:20.000Z'`)).toEqual({
    sql: 'SELECT * FROM c WHERE c.type = @literal0 and c.at < @literal1',
    parameters: [
      { name: '@literal0', value: 'user' },
      { name: '@literal1', value: '2026-12-07T15:06:20.000Z' },
    ],
  });
  expect(withLiteralParameters(`SELECT * FROM c WHERE not is_defined(c.seat.holds["job_1"]) and c.seat.consumed + 3 <= c.seat.limit`)).toEqual({
    sql: `SELECT * FROM c WHERE not is_defined(c.seat.holds["job_1"]) and c.seat.consumed + 3 <= c.seat.limit`,
    parameters: [],
  });
  expect(withLiteralParameters(`SELECT * FROM c WHERE c.name = 'O\\'Brien'`).parameters).toEqual([]);
});

test('a sign-in condition holds exactly as it did: on the date only moving forward, for every date the text names', () => {
  const condition = (at: string) =>
    `from c where c.type = 'user' and (not is_defined(c.signInActivity.lastSignInDateTime) or c.signInActivity.lastSignInDateTime < '${at}')`;
  const stored = { id: 'u1', type: 'user', signInActivity: { lastSignInDateTime: '2026-12-07T10:00:00.000Z' } };
  expect(conditionHolds(collection, condition('2026-12-07T10:00:00.001Z'), stored)).toBe(true);
  expect(conditionHolds(collection, condition('2026-12-07T10:00:00.000Z'), stored)).toBe(false);
  expect(conditionHolds(collection, condition('2026-12-07T09:59:59.999Z'), stored)).toBe(false);
  expect(conditionHolds(collection, condition('2020-01-01T00:00:00.000Z'), { id: 'u2', type: 'user' })).toBe(true);
  expect(conditionHolds(collection, condition('2030-01-01T00:00:00.000Z'), { id: 'g1', type: 'group' })).toBe(false);
  expect(conditionQuery(condition('x'))).toMatch(/^SELECT \* from c where/);
});
