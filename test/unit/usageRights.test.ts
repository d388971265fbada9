/**
 * Usage rights, the pure rule (shared/domain/usageRights.ts) and the $filter on them
 * (shared/usecases/usageRights.ts): what a user may use now, direct and through groups, with disabled plans
 * and non-active subscriptions taken out; and the token claim's 3 KB budget.
 */
import { CapabilityStatus, LicenseAssignment } from '../../shared/domain/licensing';
import { servicePlanNamesWithin, UsageRight, usageRightsOf } from '../../shared/domain/usageRights';
import { ApiError } from '../../shared/errors';
import { usageRightFilter } from '../../shared/usecases/usageRights';
import { demoCatalog, direct, PLAN, SKU, viaGroup } from './fixtures';

const E3 = SKU.ENTERPRISEPACK;
const E1 = SKU.STANDARDPACK;
const PBI = SKU.POWER_BI_PRO;
const enabled = (): CapabilityStatus => 'Enabled';
const planIds = (r: UsageRight | undefined) => r?.services.map((s) => s.planId).sort() ?? [];
const allPlans = (skuId: string) =>
  demoCatalog
    .product(skuId)!
    .servicePlans.map((p) => p.servicePlanId)
    .sort();

test('one right per product held directly, every plan that is on, in Graph’s shape', () => {
  const [right] = usageRightsOf(demoCatalog, [direct(PBI)], enabled);
  expect(right).toEqual({
    id: PBI,
    skuId: PBI,
    skuPartNumber: 'POWER_BI_PRO',
    services: [{ planId: PLAN.BI_AZURE_P2, planName: 'BI_AZURE_P2', assignableTo: 'user,group' }],
  });
});

test('plans switched off are taken out; a plan off on one path and on on another is on (the union of the paths)', () => {
  const offDirect: string[] = [PLAN.SWAY, PLAN.YAMMER_ENTERPRISE];
  expect(planIds(usageRightsOf(demoCatalog, [direct(E3, offDirect)], enabled)[0])).toEqual(allPlans(E3).filter((p) => !offDirect.includes(p)));
  // Sway off directly, on through the group: on; Yammer off on both paths: off; one right, not two
  const rights = usageRightsOf(demoCatalog, [direct(E3, offDirect), viaGroup(E3, [PLAN.YAMMER_ENTERPRISE])], enabled);
  expect(rights).toHaveLength(1);
  expect(planIds(rights[0])).toEqual(allPlans(E3).filter((p) => p !== PLAN.YAMMER_ENTERPRISE));
});

test('through a group alone counts; a path in Error does not', () => {
  expect(usageRightsOf(demoCatalog, [viaGroup(E1)], enabled).map((r) => r.skuId)).toEqual([E1]);
  const failed: LicenseAssignment = { ...viaGroup(E1), state: 'Error', error: 'CountViolation' };
  expect(usageRightsOf(demoCatalog, [failed], enabled)).toEqual([]);
});

test.each<[CapabilityStatus | undefined, boolean]>([
  ['Enabled', true],
  ['Warning', true], // expired: users keep working through the warning period
  ['Suspended', false],
  ['Deleted', false],
  [undefined, false], // no subscription of the product: nothing to use
])('a subscription %s: the right is there = %s', (status, there) => {
  expect(usageRightsOf(demoCatalog, [direct(E3), direct(PBI)], (skuId) => (skuId === E3 ? status : 'Enabled')).map((r) => r.skuId)).toEqual(
    there ? [E3, PBI] : [PBI],
  );
});

test('a product with every plan switched off gives no right', () => {
  expect(usageRightsOf(demoCatalog, [direct(PBI, [PLAN.BI_AZURE_P2])], enabled)).toEqual([]);
});

test('the claim: each plan name once, sorted, within the budget (key included), and says when it was cut', () => {
  const rights = usageRightsOf(demoCatalog, [direct(E3), direct(E1), direct(PBI)], enabled);
  const all = servicePlanNamesWithin(rights, 'servicePlans', 3072);
  expect(all.complete).toBe(true);
  expect(all.names).toEqual([...new Set(all.names)].sort());
  expect(all.names).toContain('TEAMS1');
  expect(all.names.filter((n) => n === 'TEAMS1')).toHaveLength(1);
  const bytes = (names: string[]) => Buffer.byteLength('servicePlans') + names.reduce((n, s) => n + Buffer.byteLength(s), 0);
  const tight = servicePlanNamesWithin(rights, 'servicePlans', bytes(all.names) - 1);
  expect(tight.complete).toBe(false);
  expect(tight.names).toEqual(all.names.slice(0, -1));
  expect(servicePlanNamesWithin(rights, 'servicePlans', bytes(all.names)).complete).toBe(true);
});

describe('$filter, as Graph takes it on usage rights', () => {
  // the demo's catalog is read before the tests (fixtures.ts), not while they are declared
  const rights = () => usageRightsOf(demoCatalog, [direct(E3), direct(PBI)], enabled);
  const pick = (f: string) =>
    rights()
      .filter(usageRightFilter(f))
      .map((r) => r.skuId);

  test.each<[string, string[]]>([
    [`skuId eq ${E3}`, [E3]],
    [`skuId eq ${E3.toUpperCase()}`, [E3]],
    [`skuId ne ${E3}`, [PBI]],
    [`skuId in (${PBI}, ${E1})`, [PBI]],
    [`services/any(s:s/planId eq ${PLAN.TEAMS1})`, [E3]],
    [`services/any(c:c/planId eq ${PLAN.BI_AZURE_P2}) or skuId eq ${E3}`, [E3, PBI]],
    [`not (skuId eq ${E3}) and services/any(s:s/planId eq ${PLAN.BI_AZURE_P2})`, [PBI]],
    ['', [E3, PBI]],
  ])('%s', (filter, expected) => {
    expect(pick(filter)).toEqual(expected);
  });

  test.each([
    ["skuId eq 'not-a-guid'", /Unsupported or invalid query filter clause 'skuId eq 'not-a-guid''/],
    ['skuPartNumber eq ENTERPRISEPACK', /Invalid filter clause/],
    ["skuPartNumber eq 'ENTERPRISEPACK'", /Unsupported or invalid query filter clause 'skuPartNumber eq 'ENTERPRISEPACK''/],
    [`services/any(s:s/planName eq 'TEAMS1')`, /Unsupported/],
    [`skuId gt ${E3}`, /Unsupported/],
    ['skuId eq', /Invalid filter clause/],
  ])('%s is a 400 that says what the list takes', (filter, message) => {
    let error: unknown;
    try {
      usageRightFilter(filter);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).status).toBe(400);
    expect((error as ApiError).message).toMatch(message);
    expect((error as ApiError).message).toMatch(/Filter on skuId .* or on a service plan \(services\/any\(s:s\/planId eq \{guid\}\)\)/);
  });
});
