/**
 * The license requests' $filter (shared/usecases/licenseRequests/requests.ts parseRequestFilter): read by
 * the OData grammar of shared/odata, held to `status eq` and `skuId eq` joined with `and`; anything else is
 * a 400 that says what the list takes.
 */
import { ApiError } from '../../shared/errors';
import { parseRequestFilter } from '../../shared/usecases/licenseRequests/requests';

const E3 = '6fd2c87f-b296-42f0-b197-1e91e994b900';
const HINT = "Use status eq 'pending'|'approved'|'denied'|'expired' and/or skuId eq {guid}, joined with and.";

const errorOf = (text: string): ApiError => {
  try {
    parseRequestFilter(text);
  } catch (e) {
    if (e instanceof ApiError) return e;
    throw e;
  }
  throw new Error(`no error for ${text}`);
};

test('status and skuId equalities, joined with and, in any case; the skuId quoted or not; none at all is no filter', () => {
  expect(parseRequestFilter(undefined)).toEqual({});
  expect(parseRequestFilter('  ')).toEqual({});
  expect(parseRequestFilter("status eq 'pending'")).toEqual({ status: 'pending' });
  expect(parseRequestFilter("Status EQ 'Denied'")).toEqual({ status: 'denied' });
  expect(parseRequestFilter(`skuId eq ${E3.toUpperCase()}`)).toEqual({ skuId: E3 });
  expect(parseRequestFilter(`skuid eq '${E3}' AND status eq 'expired'`)).toEqual({ skuId: E3, status: 'expired' });
});

test.each([
  ["startswith(status,'p')", "Unsupported $filter clause 'startswith(status, 'p')'."],
  ["status eq 'pending' or status eq 'denied'", "Unsupported $filter clause 'status eq 'pending' or status eq 'denied''."],
  ["status ne 'pending'", "Unsupported $filter clause 'status ne 'pending''."],
  ["status eq 'waiting'", "Unsupported $filter clause 'status eq 'waiting''."],
  ["skuId eq 'E3'", "Unsupported $filter clause 'skuId eq 'E3''."],
  ["userId eq 'x' and status eq 'pending'", "Unsupported $filter clause 'userId eq 'x''."],
  ["contains(status,'p')", "Unsupported $filter clause 'contains(status,'p')'."],
])('%s: 400 Request_UnsupportedQuery naming the clause and what the list takes', (text, start) => {
  const e = errorOf(text);
  expect([e.status, e.code, e.target]).toEqual([400, 'Request_UnsupportedQuery', '$filter']);
  expect(e.message).toBe(`${start} ${HINT}`);
});

test.each(["status eq 'pending", 'status eq pending', "status eq 'pending' and"])(
  '%s (malformed): 400 saying what is wrong and what the list takes',
  (text) => {
    const e = errorOf(text);
    expect([e.status, e.code, e.target]).toEqual([400, 'BadRequest', '$filter']);
    expect(e.message).toMatch(/^Invalid filter clause: /);
    expect(e.message.endsWith(HINT)).toBe(true);
  },
);
