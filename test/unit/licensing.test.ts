import {
  availableUnits,
  CapabilityStatus,
  countViolation,
  effectiveLicenses,
  enabledPlans,
  prepaidUnits,
  PurchaseChannel,
  seatLimit,
} from '../../shared/domain/licensing';
import { AppRole, DirectoryRoleName } from '../../shared/domain/roles';
import { ErrorCodes } from '../../shared/errors';
import {
  add,
  asApp,
  asRole,
  change,
  codes,
  demoCatalog,
  direct,
  EARLIER,
  evaluate,
  GROUP_ID,
  guest,
  member,
  NOW,
  only,
  PLAN,
  SKU,
  sub,
  subs,
  USER_ID,
  viaGroup,
} from './fixtures';

const E3 = SKU.ENTERPRISEPACK;
const E1 = SKU.STANDARDPACK;
const EXO1 = SKU.EXCHANGESTANDARD;
const PBI = SKU.POWER_BI_PRO;
const PROJECT = SKU.PROJECTPROFESSIONAL;
const PHONE = SKU.MCOEV;
const STATES: CapabilityStatus[] = ['Enabled', 'Warning', 'Suspended', 'Deleted'];
const CHANNELS: PurchaseChannel[] = ['admin', 'selfService'];
const WHO = 'Adele Vance (adele@contoso.example)';

const ids = (plans: { plan: { servicePlanId: string } }[]) => plans.map((p) => p.plan.servicePlanId);

// ---------------------------------------------------------------------------------------------------------
// Seats
// ---------------------------------------------------------------------------------------------------------

describe('prepaidUnits', () => {
  test.each([
    ['Enabled', { enabled: 10, warning: 0, suspended: 0, lockedOut: 0 }],
    ['Warning', { enabled: 10, warning: 10, suspended: 0, lockedOut: 0 }],
    ['Suspended', { enabled: 0, warning: 0, suspended: 10, lockedOut: 0 }],
    ['Deleted', { enabled: 0, warning: 0, suspended: 0, lockedOut: 0 }],
  ] as const)('%s', (status, expected) => {
    expect(prepaidUnits({ capabilityStatus: status, totalLicenses: 10 })).toEqual(expected);
  });

  test('zero licenses', () => {
    for (const s of STATES) expect(prepaidUnits({ capabilityStatus: s, totalLicenses: 0 })).toEqual({ enabled: 0, warning: 0, suspended: 0, lockedOut: 0 });
  });
});

describe('availableUnits: enabled minus warning minus consumed, never negative', () => {
  test.each([
    ['Enabled', 10, 0, 10],
    ['Enabled', 10, 3, 7],
    ['Enabled', 10, 10, 0],
    ['Enabled', 10, 12, 0], // over-assigned after a reduction
    ['Enabled', 0, 0, 0],
    ['Warning', 10, 0, 0],
    ['Warning', 10, 4, 0],
    ['Suspended', 10, 0, 0],
    ['Suspended', 10, 4, 0],
    ['Deleted', 10, 0, 0],
  ] as const)('%s, %i bought, %i assigned: %i available', (status, total, consumed, expected) => {
    expect(availableUnits(sub(E3, { status, total, consumed }))).toBe(expected);
  });

  test('self-service does not change the count itself (the state and channel are enforced by seatLimit)', () => {
    expect(availableUnits(sub(PBI, { channel: 'selfService', total: 5, consumed: 1 }))).toBe(4);
  });
});

describe('seatLimit: only an Enabled subscription bought by an admin takes assignments', () => {
  test.each(STATES.flatMap((s) => CHANNELS.map((c) => [s, c] as const)))('%s, %s', (status, channel) => {
    const expected = status === 'Enabled' && channel === 'admin' ? 17 : 0;
    expect(seatLimit({ capabilityStatus: status, purchaseChannel: channel, totalLicenses: 17 })).toBe(expected);
  });
});

describe('availableUnits and seatLimit agree for admin-bought subscriptions', () => {
  test.each(STATES.flatMap((s) => [0, 3, 10, 12].map((c) => [s, c] as const)))('%s with %i assigned', (status, consumed) => {
    const s = sub(E3, { status, total: 10, consumed });
    expect(availableUnits(s)).toBe(Math.max(0, seatLimit(s) - consumed));
  });
});

describe('countViolation', () => {
  test('names the product, the numbers and the two ways out; target defaults to the product', () => {
    const v = countViolation(demoCatalog, E3, sub(E3, { total: 5, consumed: 4 }), 3);
    expect(v.code).toBe(ErrorCodes.countViolation);
    expect(v.target).toBe(E3);
    expect(v.message).toContain('Not enough Office 365 E3 licenses: 3 needed, 1 available (4 of 5 assigned)');
    expect(v.message).toMatch(/Buy more licenses \(PATCH \/directory\/subscriptions\/\{id\} with a higher totalLicenses\)/);
    expect(v.message).toContain('remove Office 365 E3 from users who no longer need it');
  });

  test('an explicit target (the user) is kept', () => {
    expect(countViolation(demoCatalog, E3, sub(E3, { total: 1, consumed: 1 }), 1, USER_ID).target).toBe(USER_ID);
  });

  test('over-assigned: 0 available, the consumed count as is', () => {
    expect(countViolation(demoCatalog, EXO1, sub(EXO1, { total: 5, consumed: 7 }), 1).message).toContain(
      'Not enough Exchange Online (Plan 1) licenses: 1 needed, 0 available (7 of 5 assigned)',
    );
  });

  test('a product outside the catalog is named by its id', () => {
    const id = '99999999-8888-7777-6666-555555555555';
    expect(countViolation(demoCatalog, id, sub(id, { total: 0 }), 1).message).toContain(`Not enough ${id} licenses`);
  });
});

// ---------------------------------------------------------------------------------------------------------
// Effective licenses and enabled plans
// ---------------------------------------------------------------------------------------------------------

describe('effectiveLicenses', () => {
  test('no assignments: nothing', () => {
    expect(effectiveLicenses([])).toEqual([]);
  });

  test('one direct path: its disabled plans as they are', () => {
    expect(effectiveLicenses([direct(E3, [PLAN.YAMMER_ENTERPRISE, PLAN.TEAMS1])])).toEqual([
      { skuId: E3, disabledPlans: [PLAN.YAMMER_ENTERPRISE, PLAN.TEAMS1] },
    ]);
  });

  test('one group path counts like a direct one', () => {
    expect(effectiveLicenses([viaGroup(E1, [PLAN.TEAMS1])])).toEqual([{ skuId: E1, disabledPlans: [PLAN.TEAMS1] }]);
  });

  test('direct + group: a plan is off only when every path switches it off (union of enabled plans)', () => {
    const r = effectiveLicenses([direct(E3, [PLAN.YAMMER_ENTERPRISE, PLAN.TEAMS1]), viaGroup(E3, [PLAN.TEAMS1, PLAN.SHAREPOINTWAC])]);
    expect(r).toEqual([{ skuId: E3, disabledPlans: [PLAN.TEAMS1] }]);
  });

  test('a path with nothing disabled enables everything', () => {
    expect(effectiveLicenses([direct(E3, [PLAN.YAMMER_ENTERPRISE]), viaGroup(E3, [])])).toEqual([{ skuId: E3, disabledPlans: [] }]);
    expect(effectiveLicenses([viaGroup(E3, []), direct(E3, [PLAN.YAMMER_ENTERPRISE])])).toEqual([{ skuId: E3, disabledPlans: [] }]);
  });

  test('three paths (direct and two groups)', () => {
    const r = effectiveLicenses([
      direct(E3, [PLAN.YAMMER_ENTERPRISE, PLAN.TEAMS1, PLAN.SHAREPOINTWAC]),
      viaGroup(E3, [PLAN.YAMMER_ENTERPRISE, PLAN.TEAMS1], 'group-a'),
      viaGroup(E3, [PLAN.YAMMER_ENTERPRISE, PLAN.SHAREPOINTWAC], 'group-b'),
    ]);
    expect(r).toEqual([{ skuId: E3, disabledPlans: [PLAN.YAMMER_ENTERPRISE] }]);
  });

  test('one entry per product, products kept apart, in first-seen order', () => {
    const r = effectiveLicenses([viaGroup(E1, [PLAN.TEAMS1]), direct(PBI), direct(E1, [PLAN.TEAMS1, PLAN.SHAREPOINTWAC])]);
    expect(r).toEqual([
      { skuId: E1, disabledPlans: [PLAN.TEAMS1] },
      { skuId: PBI, disabledPlans: [] },
    ]);
  });

  test('does not change its input', () => {
    const input = [direct(E3, [PLAN.TEAMS1]), viaGroup(E3, [PLAN.TEAMS1, PLAN.YAMMER_ENTERPRISE])];
    const copy = JSON.parse(JSON.stringify(input));
    effectiveLicenses(input);
    expect(input).toEqual(copy);
  });
});

describe('enabledPlans', () => {
  test('a product with nothing disabled: all its plans, each with its product', () => {
    const r = enabledPlans(demoCatalog, [{ skuId: E3, disabledPlans: [] }]);
    expect(ids(r).sort()).toEqual(
      demoCatalog
        .product(E3)!
        .servicePlans.map((p) => p.servicePlanId)
        .sort(),
    );
    expect(r.every((p) => p.product.skuId === E3)).toBe(true);
  });

  test('disabled plans are left out', () => {
    const r = enabledPlans(demoCatalog, [{ skuId: E3, disabledPlans: [PLAN.YAMMER_ENTERPRISE, PLAN.TEAMS1] }]);
    expect(ids(r)).not.toContain(PLAN.YAMMER_ENTERPRISE);
    expect(ids(r)).not.toContain(PLAN.TEAMS1);
    expect(ids(r)).toContain(PLAN.EXCHANGE_S_ENTERPRISE);
    expect(r).toHaveLength(4);
  });

  test('an auto-assigned plan (Sway) listed as disabled is left out like any other plan', () => {
    const r = enabledPlans(demoCatalog, [{ skuId: E1, disabledPlans: [PLAN.SWAY, PLAN.TEAMS1] }]);
    expect(demoCatalog.plan(PLAN.SWAY)!.isAutoAssigned).toBe(true);
    expect(ids(r)).not.toContain(PLAN.SWAY);
    expect(ids(r)).not.toContain(PLAN.TEAMS1);
    expect(ids(r)).toContain(PLAN.EXCHANGE_S_STANDARD);
  });

  test('a product with every plan disabled brings no plan at all, auto-assigned ones included', () => {
    const all = demoCatalog.product(E3)!.servicePlans.map((p) => p.servicePlanId);
    expect(enabledPlans(demoCatalog, [{ skuId: E3, disabledPlans: all }])).toEqual([]);
    expect(enabledPlans(demoCatalog, [{ skuId: PBI, disabledPlans: [PLAN.BI_AZURE_P2] }])).toEqual([]);
  });

  test('the same plan in two products appears once per product', () => {
    const r = enabledPlans(demoCatalog, [
      { skuId: E1, disabledPlans: [] },
      { skuId: E3, disabledPlans: [] },
    ]);
    const teams = r.filter((p) => p.plan.servicePlanId === PLAN.TEAMS1);
    expect(teams.map((p) => p.product.skuId).sort()).toEqual([E1, E3].sort());
  });

  test('products outside the catalog are skipped', () => {
    expect(enabledPlans(demoCatalog, [{ skuId: 'not-a-product', disabledPlans: [] }])).toEqual([]);
  });

  test('nothing in, nothing out', () => {
    expect(enabledPlans(demoCatalog, [])).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------------------------
// evaluateLicenseChange
// ---------------------------------------------------------------------------------------------------------

describe('evaluateLicenseChange: a plain assignment', () => {
  test('new product for a member with a usage location: no violations, one seat, one direct assignment', () => {
    const r = evaluate({ change: change([add(E3)]) });
    expect(r.violations).toEqual([]);
    expect(r.seatsToReserve).toEqual([E3]);
    expect(r.seatsToRelease).toEqual([]);
    expect(r.unchanged).toBe(false);
    expect(r.next).toEqual([{ skuId: E3, disabledPlans: [], assignedByGroup: null, assignedDateTime: NOW, lastUpdatedDateTime: NOW }]);
  });

  test('several products at once: one seat each', () => {
    const r = evaluate({ change: change([add(E3), add(PBI), add(PROJECT)]) });
    expect(r.violations).toEqual([]);
    expect(r.seatsToReserve.sort()).toEqual([E3, PBI, PROJECT].sort());
  });

  test('does not change the user it is given', () => {
    const user = member([direct(E1, [PLAN.TEAMS1]), viaGroup(PBI)]);
    const copy = JSON.parse(JSON.stringify(user));
    evaluate({ user, change: change([add(E1, []), add(E3, [PLAN.EXCHANGE_S_ENTERPRISE])], [PBI]) });
    expect(user).toEqual(copy);
  });

  test('sku ids and plan ids are matched case-insensitively and stored lowercase, without duplicates', () => {
    const r = evaluate({ change: change([add(E3.toUpperCase(), [PLAN.YAMMER_ENTERPRISE.toUpperCase(), PLAN.YAMMER_ENTERPRISE])]) });
    expect(r.violations).toEqual([]);
    expect(r.next).toEqual([expect.objectContaining({ skuId: E3, disabledPlans: [PLAN.YAMMER_ENTERPRISE] })]);
    expect(r.seatsToReserve).toEqual([E3]);
  });

  test('a removal given in upper case removes the product', () => {
    const r = evaluate({ user: member([direct(E3)]), change: change([], [E3.toUpperCase()]) });
    expect(r.violations).toEqual([]);
    expect(r.next).toEqual([]);
    expect(r.seatsToRelease).toEqual([E3]);
  });
});

describe('evaluateLicenseChange: who may act (guests)', () => {
  const NON_GLOBAL: DirectoryRoleName[] = ['LicenseAdministrator', 'UserAdministrator', 'BillingAdministrator', 'GlobalReader'];

  test.each(NON_GLOBAL)('guest user + %s: refused, naming the guest and the role that may', (role) => {
    const g = guest();
    const r = evaluate({ user: g, principal: asRole(role), change: change([add(E3)]) });
    const v = only(r, ErrorCodes.insufficientRole);
    expect(v.target).toBe(g.id);
    expect(v.message).toContain('Guest From Fabrikam (gfab_fabrikam.example#EXT#@contoso.example) is a guest user');
    expect(v.message).toContain('Only a Global Administrator can assign or remove licenses for guests');
    expect(v.message).toMatch(/ask one to make this change/);
    expect(r.violations).toHaveLength(1);
  });

  test('guest user + no role: refused', () => {
    expect(codes(evaluate({ user: guest(), principal: asRole(), change: change([add(E3)]) }))).toEqual([ErrorCodes.insufficientRole]);
  });

  test.each([AppRole.ReadWriteAll, AppRole.TenantsManage, AppRole.ReadAll])('guest user + app permission %s: refused (guests excepted for apps)', (app) => {
    expect(codes(evaluate({ user: guest(), principal: asApp(app), change: change([add(E3)]) }))).toEqual([ErrorCodes.insufficientRole]);
  });

  test('guest user + Global Administrator: allowed (assign and remove)', () => {
    const ga = asRole('GlobalAdministrator');
    expect(evaluate({ user: guest(), principal: ga, change: change([add(E3)]) }).violations).toEqual([]);
    expect(evaluate({ user: guest([direct(E3)]), principal: ga, change: change([], [E3]) }).violations).toEqual([]);
  });

  test('guest user + Global Administrator among other roles: allowed', () => {
    expect(evaluate({ user: guest(), principal: asRole('GlobalReader', 'GlobalAdministrator'), change: change([add(E1)]) }).violations).toEqual([]);
  });

  test("removing a guest's license or changing its plans is refused for a License Administrator too", () => {
    const g = guest([direct(E3)]);
    expect(codes(evaluate({ user: g, change: change([], [E3]) }))).toEqual([ErrorCodes.insufficientRole]);
    expect(codes(evaluate({ user: g, change: change([add(E3, [PLAN.TEAMS1])]) }))).toEqual([ErrorCodes.insufficientRole]);
  });

  test.each<DirectoryRoleName>(['GlobalAdministrator', 'LicenseAdministrator', 'UserAdministrator'])('member user + %s: no guest rule', (role) => {
    expect(evaluate({ principal: asRole(role), change: change([add(E3)]) }).violations).toEqual([]);
  });

  test('the guest refusal comes along with the other problems of the change', () => {
    const g = { ...guest(), usageLocation: null };
    expect(codes(evaluate({ user: g, change: change([add(E3)]) })).sort()).toEqual([ErrorCodes.insufficientRole, ErrorCodes.usageLocationRequired].sort());
  });
});

describe('evaluateLicenseChange: subscription state', () => {
  describe('a new assignment', () => {
    test('Enabled: allowed', () => {
      const r = evaluate({ change: change([add(E1)]), subscriptions: subs(sub(E1, { status: 'Enabled' })) });
      expect(r.violations).toEqual([]);
      expect(r.seatsToReserve).toEqual([E1]);
    });

    test('Warning (expired): refused, says expired and how to fix; no seat count on top', () => {
      const r = evaluate({ change: change([add(E1)]), subscriptions: subs(sub(E1, { status: 'Warning', total: 3, consumed: 3 })) });
      expect(codes(r)).toEqual([ErrorCodes.subscriptionNotActive]);
      expect(r.violations[0].target).toBe(USER_ID);
      expect(r.violations[0].message).toContain('The Office 365 E1 subscription is expired (in its warning period), so its licenses cannot be assigned');
      expect(r.violations[0].message).toMatch(/Renew or reactivate the subscription/);
    });

    test('Suspended: refused as suspended', () => {
      const r = evaluate({ change: change([add(E1)]), subscriptions: subs(sub(E1, { status: 'Suspended' })) });
      const v = only(r, ErrorCodes.subscriptionNotActive);
      expect(v.target).toBe(USER_ID);
      expect(v.message).toContain('The Office 365 E1 subscription is suspended, so its licenses cannot be assigned');
      expect(v.message).toMatch(/Renew or reactivate/);
      expect(r.violations).toHaveLength(1);
    });

    test('Deleted: refused as not subscribed, with how to get it', () => {
      const r = evaluate({ change: change([add(E1)]), subscriptions: subs(sub(E1, { status: 'Deleted' })) });
      const v = only(r, ErrorCodes.productNotSubscribed);
      expect(v.target).toBe(USER_ID);
      expect(v.message).toContain('Your organization has no active subscription for Office 365 E1');
      expect(v.message).toMatch(/Buy the product .* or pick one from GET \/subscribedSkus/);
      expect(r.violations).toHaveLength(1);
    });
  });

  describe("changing an existing assignment's disabled plans", () => {
    const user = () => member([direct(E3, [], EARLIER)]);
    const toggle = change([add(E3, [PLAN.YAMMER_ENTERPRISE])]);

    test.each(['Enabled', 'Warning'] as CapabilityStatus[])('%s: allowed, no new seat', (status) => {
      const r = evaluate({ user: user(), change: toggle, subscriptions: subs(sub(E3, { status, total: 1, consumed: 1 })) });
      expect(r.violations).toEqual([]);
      expect(r.seatsToReserve).toEqual([]);
      expect(r.next).toEqual([
        { skuId: E3, disabledPlans: [PLAN.YAMMER_ENTERPRISE], assignedByGroup: null, assignedDateTime: EARLIER, lastUpdatedDateTime: NOW },
      ]);
    });

    test('Suspended: refused, the licenses cannot be changed', () => {
      const r = evaluate({ user: user(), change: toggle, subscriptions: subs(sub(E3, { status: 'Suspended' })) });
      const v = only(r, ErrorCodes.subscriptionNotActive);
      expect(v.target).toBe(USER_ID);
      expect(v.message).toContain('The Office 365 E3 subscription is suspended, so its licenses cannot be changed');
      expect(r.violations).toHaveLength(1);
    });

    test('Deleted: refused as not subscribed', () => {
      const r = evaluate({ user: user(), change: toggle, subscriptions: subs(sub(E3, { status: 'Deleted' })) });
      expect(codes(r)).toEqual([ErrorCodes.productNotSubscribed]);
      expect(r.violations[0].message).toContain('Office 365 E3');
    });
  });

  describe('removal', () => {
    test.each(STATES)('%s: allowed, and the seat is released', (status) => {
      const r = evaluate({ user: member([direct(E3)]), change: change([], [E3]), subscriptions: subs(sub(E3, { status })) });
      expect(r.violations).toEqual([]);
      expect(r.next).toEqual([]);
      expect(r.seatsToRelease).toEqual([E3]);
    });

    test('with no subscription record left: allowed (the user is freed)', () => {
      const m = subs();
      m.delete(E3);
      const r = evaluate({ user: member([direct(E3)]), change: change([], [E3]), subscriptions: m });
      expect(r.violations).toEqual([]);
      expect(r.seatsToRelease).toEqual([E3]);
    });
  });

  describe('self-service subscription', () => {
    const selfService = (status: CapabilityStatus = 'Enabled') => subs(sub(PBI, { channel: 'selfService', status }));

    test('assign: refused until taken over, naming the product and the take-over call', () => {
      const r = evaluate({ change: change([add(PBI)]), subscriptions: selfService() });
      const v = only(r, ErrorCodes.selfServiceSubscription);
      expect(v.target).toBe(USER_ID);
      expect(v.message).toContain(
        'Power BI Pro was bought by a user through self-service, so admins cannot assign it until an admin takes the subscription over',
      );
      expect(v.message).toMatch(/POST \/directory\/subscriptions\/\{id\}\/takeOver, Global or Billing Administrator/);
      expect(r.violations).toHaveLength(1);
    });

    test('remove: refused the same way', () => {
      const r = evaluate({ user: member([direct(PBI)]), change: change([], [PBI]), subscriptions: selfService() });
      const v = only(r, ErrorCodes.selfServiceSubscription);
      expect(v.target).toBe(USER_ID);
      expect(v.message).toContain('admins cannot remove it');
      expect(r.violations).toHaveLength(1);
    });

    test('changing plans: refused the same way', () => {
      const r = evaluate({ user: member([direct(PBI)]), change: change([add(PBI, [])]), subscriptions: selfService() });
      expect(codes(r)).toEqual([ErrorCodes.selfServiceSubscription]);
      expect(r.violations[0].message).toContain('admins cannot change it');
    });

    test.each(['Warning', 'Suspended'] as CapabilityStatus[])('remove from a %s self-service subscription: still refused until taken over', (status) => {
      expect(codes(evaluate({ user: member([direct(PBI)]), change: change([], [PBI]), subscriptions: selfService(status) }))).toEqual([
        ErrorCodes.selfServiceSubscription,
      ]);
    });

    test('remove from a Deleted self-service subscription: allowed (it can no longer be taken over, so the license must not be stuck)', () => {
      const r = evaluate({ user: member([direct(PBI)]), change: change([], [PBI]), subscriptions: selfService('Deleted') });
      expect(r.violations).toEqual([]);
      expect(r.seatsToRelease).toEqual([PBI]);
    });

    test('assign from a Deleted self-service subscription: not subscribed', () => {
      expect(codes(evaluate({ change: change([add(PBI)]), subscriptions: selfService('Deleted') }))).toEqual([ErrorCodes.productNotSubscribed]);
    });

    test('refused even when the subscription is in Warning (self-service is named, not the state)', () => {
      expect(codes(evaluate({ change: change([add(PBI)]), subscriptions: selfService('Warning') }))).toEqual([ErrorCodes.selfServiceSubscription]);
    });

    test('a full self-service subscription is reported as self-service, not as a seat shortage', () => {
      const r = evaluate({ change: change([add(PBI)]), subscriptions: subs(sub(PBI, { channel: 'selfService', total: 1, consumed: 1 })) });
      expect(codes(r)).toEqual([ErrorCodes.selfServiceSubscription]);
    });

    test('after take-over (admin channel) it is an ordinary subscription', () => {
      expect(evaluate({ change: change([add(PBI)]), subscriptions: subs(sub(PBI, { channel: 'admin' })) }).violations).toEqual([]);
    });
  });

  describe('product not subscribed', () => {
    test('a catalog product the organization does not subscribe to', () => {
      const m = subs();
      m.delete(PBI);
      const r = evaluate({ change: change([add(PBI)]), subscriptions: m });
      const v = only(r, ErrorCodes.productNotSubscribed);
      expect(v.target).toBe(USER_ID);
      expect(v.message).toContain('no active subscription for Power BI Pro');
      expect(v.message).toMatch(/Buy the product \(Billing > Purchase services\)/);
      expect(r.violations).toHaveLength(1);
    });

    test('a sku outside the catalog is named by its id', () => {
      const id = '12345678-aaaa-bbbb-cccc-1234567890ab';
      const r = evaluate({ change: change([add(id, ['whatever'])]) });
      const v = only(r, ErrorCodes.productNotSubscribed);
      expect(v.message).toContain(`no active subscription for product '${id}'`);
      // the plans of an unknown product are not second-guessed
      expect(r.violations).toHaveLength(1);
    });

    test('a sku outside the catalog is refused even if a subscription record exists for it', () => {
      const id = '12345678-aaaa-bbbb-cccc-1234567890ab';
      expect(codes(evaluate({ change: change([add(id)]), subscriptions: subs(sub(id)) }))).toEqual([ErrorCodes.productNotSubscribed]);
    });

    test('only the product with the problem is reported', () => {
      const m = subs();
      m.delete(PBI);
      const r = evaluate({ change: change([add(E3), add(PBI)]), subscriptions: m });
      expect(codes(r)).toEqual([ErrorCodes.productNotSubscribed]);
      expect(r.violations[0].message).toContain('Power BI Pro');
      expect(r.violations[0].message).not.toContain('Office 365 E3');
    });
  });
});

describe('evaluateLicenseChange: seats', () => {
  const full = (skuId: string = E3) => subs(sub(skuId, { total: 5, consumed: 5 }));

  test('no free seat for a new product: CountViolation with the numbers, on the user', () => {
    const r = evaluate({ change: change([add(E3)]), subscriptions: full() });
    const v = only(r, ErrorCodes.countViolation);
    expect(v.target).toBe(USER_ID);
    expect(v.message).toContain('Not enough Office 365 E3 licenses: 1 needed, 0 available (5 of 5 assigned)');
    expect(v.message).toMatch(/Buy more licenses/);
    expect(r.violations).toHaveLength(1);
    expect(r.seatsToReserve).toEqual([E3]);
  });

  test('checkSeats: true is the default', () => {
    expect(codes(evaluate({ change: change([add(E3)]), subscriptions: full(), checkSeats: true }))).toEqual([ErrorCodes.countViolation]);
  });

  test('checkSeats: false leaves the count to the caller, but still says which seats to reserve', () => {
    const r = evaluate({ change: change([add(E3)]), subscriptions: full(), checkSeats: false });
    expect(r.violations).toEqual([]);
    expect(r.seatsToReserve).toEqual([E3]);
  });

  test('checkSeats: false does not skip the state rules', () => {
    expect(codes(evaluate({ change: change([add(E3)]), subscriptions: subs(sub(E3, { status: 'Suspended' })), checkSeats: false }))).toEqual([
      ErrorCodes.subscriptionNotActive,
    ]);
  });

  test('the last free seat can be taken', () => {
    expect(evaluate({ change: change([add(E3)]), subscriptions: subs(sub(E3, { total: 5, consumed: 4 })) }).violations).toEqual([]);
  });

  test('an over-assigned subscription takes no new holder', () => {
    expect(codes(evaluate({ change: change([add(E3)]), subscriptions: subs(sub(E3, { total: 5, consumed: 8 })) }))).toEqual([ErrorCodes.countViolation]);
  });

  test('only the full product is reported', () => {
    const r = evaluate({ change: change([add(E3), add(PBI)]), subscriptions: full(PBI) });
    expect(codes(r)).toEqual([ErrorCodes.countViolation]);
    expect(r.violations[0].message).toContain('Power BI Pro');
    expect(r.seatsToReserve.sort()).toEqual([E3, PBI].sort());
  });

  test('re-adding a held product with other disabled plans needs no seat (even when the subscription is full)', () => {
    const r = evaluate({ user: member([direct(E3)]), change: change([add(E3, [PLAN.TEAMS1])]), subscriptions: full() });
    expect(r.violations).toEqual([]);
    expect(r.seatsToReserve).toEqual([]);
    expect(r.seatsToRelease).toEqual([]);
  });

  test('adding directly a product the user already holds through a group needs no second seat', () => {
    const r = evaluate({ user: member([viaGroup(E3)]), change: change([add(E3)]), subscriptions: full() });
    expect(r.violations).toEqual([]);
    expect(r.seatsToReserve).toEqual([]);
    expect(r.next).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ skuId: E3, assignedByGroup: GROUP_ID }),
        expect.objectContaining({ skuId: E3, assignedByGroup: null, assignedDateTime: NOW }),
      ]),
    );
    expect(r.next).toHaveLength(2);
  });

  test('removal releases the seat', () => {
    const r = evaluate({ user: member([direct(E3), direct(PBI)]), change: change([], [E3]) });
    expect(r.violations).toEqual([]);
    expect(r.seatsToRelease).toEqual([E3]);
    expect(r.seatsToReserve).toEqual([]);
    expect(r.next.map((a) => a.skuId)).toEqual([PBI]);
  });

  test('removing the direct path of a product also held through a group releases nothing', () => {
    const r = evaluate({ user: member([direct(E3), viaGroup(E3)]), change: change([], [E3]) });
    expect(r.violations).toEqual([]);
    expect(r.seatsToRelease).toEqual([]);
    expect(r.next).toEqual([viaGroup(E3)]);
  });

  test('replace: remove one product and add another in one change', () => {
    const r = evaluate({ user: member([direct(E1)]), change: change([add(E3)], [E1]) });
    expect(r.violations).toEqual([]);
    expect(r.seatsToReserve).toEqual([E3]);
    expect(r.seatsToRelease).toEqual([E1]);
    expect(r.next.map((a) => a.skuId)).toEqual([E3]);
  });

  test('removal needs no free seat, even on a full subscription', () => {
    expect(evaluate({ user: member([direct(E3)]), change: change([], [E3]), subscriptions: full() }).violations).toEqual([]);
  });
});

describe('evaluateLicenseChange: conflicting service plans', () => {
  test('E1 + E3 in one request: one violation naming both plans, both products, the user and the fixes', () => {
    const r = evaluate({ change: change([add(E1), add(E3)]) });
    const v = only(r, ErrorCodes.mutuallyExclusiveViolation);
    expect(r.violations).toHaveLength(1);
    expect(v.target).toBe(USER_ID);
    expect(v.message).toMatch(/Exchange Online \(Plan [12]\) in Office 365 E[13] conflicts with Exchange Online \(Plan [12]\) in Office 365 E[13]/);
    for (const name of ['Exchange Online (Plan 1)', 'Exchange Online (Plan 2)', 'Office 365 E1', 'Office 365 E3']) expect(v.message).toContain(name);
    expect(v.message).toContain(WHO);
    expect(v.message).toContain('Switch one of them off');
    expect(v.message).toContain(`${PLAN.EXCHANGE_S_ENTERPRISE} in ENTERPRISEPACK`);
    expect(v.message).toContain(`${PLAN.EXCHANGE_S_STANDARD} in STANDARDPACK`);
    // neither product is held yet: "remove it from the user first" would be wrong
    expect(v.message).not.toMatch(/from the user first/);
    expect(v.message).not.toMatch(/already has/);
    expect(v.message).toMatch(/this change would give Adele Vance \(adele@contoso\.example\) both/);
    expect(v.message).toMatch(/or leave Office 365 E[13] out of this change\./);
  });

  test('E1 + E3 in one request, resolved by disabling either Exchange plan', () => {
    expect(evaluate({ change: change([add(E1), add(E3, [PLAN.EXCHANGE_S_ENTERPRISE])]) }).violations).toEqual([]);
    expect(evaluate({ change: change([add(E1, [PLAN.EXCHANGE_S_STANDARD]), add(E3)]) }).violations).toEqual([]);
  });

  test('E1 + E3 + Exchange Online (Plan 1) in one request: one violation per conflicting pair', () => {
    const r = evaluate({ change: change([add(E1), add(E3), add(EXO1)]) });
    expect(codes(r)).toEqual([ErrorCodes.mutuallyExclusiveViolation, ErrorCodes.mutuallyExclusiveViolation]);
    // each pair is Plan 2 (E3) against one of the Plan 1 mailboxes; the two Plan 1 mailboxes do not conflict with each other
    expect(r.violations.every((v) => v.message.includes('Exchange Online (Plan 2) in Office 365 E3'))).toBe(true);
    expect(r.violations.filter((v) => v.message.includes('in Office 365 E1'))).toHaveLength(1);
  });

  test('user already has E1, add E3: names both plans, both products, the user, and both ways out', () => {
    const r = evaluate({ user: member([direct(E1)]), change: change([add(E3)]) });
    const v = only(r, ErrorCodes.mutuallyExclusiveViolation);
    expect(r.violations).toHaveLength(1);
    expect(v.target).toBe(USER_ID);
    expect(v.message).toContain(`Exchange Online (Plan 2) in Office 365 E3 conflicts with Exchange Online (Plan 1) in Office 365 E1, which ${WHO} already has`);
    expect(v.message).toContain(
      `Switch one of them off (disabledPlans: ${PLAN.EXCHANGE_S_ENTERPRISE} in ENTERPRISEPACK, or ${PLAN.EXCHANGE_S_STANDARD} in STANDARDPACK)`,
    );
    expect(v.message).toContain('or remove Office 365 E1 from the user first');
  });

  test('user already has E3, add Exchange Online (Plan 1): told from the side being added', () => {
    const v = only(evaluate({ user: member([direct(E3)]), change: change([add(EXO1)]) }), ErrorCodes.mutuallyExclusiveViolation);
    expect(v.message).toContain(
      `Exchange Online (Plan 1) in Exchange Online (Plan 1) conflicts with Exchange Online (Plan 2) in Office 365 E3, which ${WHO} already has`,
    );
    expect(v.message).toContain('remove Office 365 E3 from the user first');
  });

  test('user holds E1 through a group, add E3: conflict', () => {
    const r = evaluate({ user: member([viaGroup(E1)]), change: change([add(E3)]) });
    expect(codes(r)).toEqual([ErrorCodes.mutuallyExclusiveViolation]);
    expect(r.violations[0].message).toContain('already has');
  });

  test('user already has E1: resolved by adding E3 without its Exchange plan', () => {
    expect(evaluate({ user: member([direct(E1)]), change: change([add(E3, [PLAN.EXCHANGE_S_ENTERPRISE])]) }).violations).toEqual([]);
  });

  test("user already has E1: resolved by switching E1's Exchange plan off in the same request", () => {
    expect(evaluate({ user: member([direct(E1)]), change: change([add(E3), add(E1, [PLAN.EXCHANGE_S_STANDARD])]) }).violations).toEqual([]);
  });

  test('user already has E1 with its Exchange plan off: no conflict', () => {
    expect(evaluate({ user: member([direct(E1, [PLAN.EXCHANGE_S_STANDARD])]), change: change([add(E3)]) }).violations).toEqual([]);
  });

  test('user already has E1: resolved by removing E1 in the same request (replace)', () => {
    expect(evaluate({ user: member([direct(E1)]), change: change([add(E3)], [E1]) }).violations).toEqual([]);
  });

  test('a group path that keeps the Exchange plan on is not undone by disabling it on the direct path', () => {
    const r = evaluate({ user: member([viaGroup(E1)]), change: change([add(E3), add(E1, [PLAN.EXCHANGE_S_STANDARD])]) });
    expect(codes(r)).toEqual([ErrorCodes.mutuallyExclusiveViolation]);
  });

  test('both held and both re-added with their Exchange plans on: "remove" is offered, since the user holds it', () => {
    const user = member([direct(E1, [PLAN.EXCHANGE_S_STANDARD]), direct(E3, [PLAN.EXCHANGE_S_ENTERPRISE])]);
    const v = only(evaluate({ user, change: change([add(E1), add(E3)]) }), ErrorCodes.mutuallyExclusiveViolation);
    expect(v.message).toContain(`this change would give ${WHO} both`);
    expect(v.message).toMatch(/or remove Office 365 E[13] from the user first\./);
  });

  test("re-enabling E1's Exchange plan while E3's is on is a new conflict", () => {
    const r = evaluate({ user: member([direct(E1, [PLAN.EXCHANGE_S_STANDARD]), direct(E3)]), change: change([add(E1, [])]) });
    const v = only(r, ErrorCodes.mutuallyExclusiveViolation);
    expect(v.message).toContain(`Exchange Online (Plan 1) in Office 365 E1 conflicts with Exchange Online (Plan 2) in Office 365 E3, which ${WHO} already has`);
  });

  describe('a conflict that existed before is not blamed on an unrelated change', () => {
    // e.g. E1 directly and E3 through a group, both with Exchange on
    const conflicted = () => member([direct(E1), viaGroup(E3)]);

    test('adding an unrelated product', () => {
      expect(evaluate({ user: conflicted(), change: change([add(PBI)]) }).violations).toEqual([]);
    });

    test('changing other plans of one of the conflicting products', () => {
      expect(evaluate({ user: conflicted(), change: change([add(E1, [PLAN.TEAMS1])]) }).violations).toEqual([]);
    });

    test('removing an unrelated product', () => {
      expect(evaluate({ user: member([direct(E1), viaGroup(E3), direct(PBI)]), change: change([], [PBI]) }).violations).toEqual([]);
    });

    test('resolving it (removing E1) is fine', () => {
      expect(evaluate({ user: conflicted(), change: change([], [E1]) }).violations).toEqual([]);
    });

    test('a new conflict beside the old one is still reported, and only the new one', () => {
      const r = evaluate({ user: conflicted(), change: change([add(EXO1)]) });
      const v = only(r, ErrorCodes.mutuallyExclusiveViolation);
      expect(r.violations).toHaveLength(1);
      expect(v.message).toContain('Exchange Online (Plan 1) in Exchange Online (Plan 1) conflicts with Exchange Online (Plan 2) in Office 365 E3');
    });
  });
});

describe('evaluateLicenseChange: dependent service plans', () => {
  const SHAREPOINT_EITHER = 'SharePoint (Plan 2) or SharePoint (Plan 1)';

  describe('within a product', () => {
    test('disable SharePoint but keep Office for the web (new product): refused, naming the dependency and both fixes', () => {
      const r = evaluate({ change: change([add(E3, [PLAN.SHAREPOINTENTERPRISE])]) });
      const v = only(r, ErrorCodes.dependencyViolation);
      expect(r.violations).toHaveLength(1);
      expect(v.target).toBe(USER_ID);
      expect(v.message).toContain(`Office for the web in Office 365 E3 needs ${SHAREPOINT_EITHER}, which ${WHO} does not have enabled`);
      expect(v.message).toContain(`Assign a product with ${SHAREPOINT_EITHER} (or switch it on) first`);
      expect(v.message).toContain(`switch SHAREPOINTWAC off (disabledPlans: ${PLAN.SHAREPOINTWAC})`);
    });

    test('disable SharePoint on a held product with Office for the web on: "this change switches off"', () => {
      const r = evaluate({ user: member([direct(E3)]), change: change([add(E3, [PLAN.SHAREPOINTENTERPRISE])]) });
      const v = only(r, ErrorCodes.dependencyViolation);
      expect(v.message).toContain(`Office for the web in Office 365 E3 needs ${SHAREPOINT_EITHER}, which this change switches off for ${WHO}`);
      expect(v.message).toContain(`Keep ${SHAREPOINT_EITHER} on, or switch Office for the web off first`);
    });

    test('E1 works the same (SharePoint Plan 1)', () => {
      const v = only(evaluate({ change: change([add(E1, [PLAN.SHAREPOINTSTANDARD])]) }), ErrorCodes.dependencyViolation);
      expect(v.message).toContain('Office for the web in Office 365 E1 needs');
    });

    test('switching both off together is fine', () => {
      expect(evaluate({ change: change([add(E3, [PLAN.SHAREPOINTENTERPRISE, PLAN.SHAREPOINTWAC])]) }).violations).toEqual([]);
      expect(evaluate({ user: member([direct(E3)]), change: change([add(E3, [PLAN.SHAREPOINTENTERPRISE, PLAN.SHAREPOINTWAC])]) }).violations).toEqual([]);
    });

    test('switching off only the dependent plan is fine', () => {
      expect(evaluate({ user: member([direct(E3)]), change: change([add(E3, [PLAN.SHAREPOINTWAC])]) }).violations).toEqual([]);
    });

    test('switching the dependent plan back on while its dependency is off is refused', () => {
      const user = member([direct(E3, [PLAN.SHAREPOINTENTERPRISE, PLAN.SHAREPOINTWAC])]);
      const v = only(evaluate({ user, change: change([add(E3, [PLAN.SHAREPOINTENTERPRISE])]) }), ErrorCodes.dependencyViolation);
      expect(v.message).toContain('Office for the web in Office 365 E3 needs');
      expect(v.message).toContain('does not have enabled');
    });
  });

  describe('across products, satisfied by any of the plans named', () => {
    test("E3's Office for the web is satisfied by SharePoint (Plan 1) from E1", () => {
      const r = evaluate({ user: member([direct(E1)]), change: change([add(E3, [PLAN.EXCHANGE_S_ENTERPRISE, PLAN.SHAREPOINTENTERPRISE])]) });
      expect(r.violations).toEqual([]);
    });

    test('E3 without SharePoint is satisfied by E1 added in the same request', () => {
      expect(evaluate({ change: change([add(E1, [PLAN.EXCHANGE_S_STANDARD]), add(E3, [PLAN.SHAREPOINTENTERPRISE])]) }).violations).toEqual([]);
    });

    test('a SharePoint kept on only by a group path still counts', () => {
      const user = member([direct(E3), viaGroup(E3, [])]);
      expect(evaluate({ user, change: change([add(E3, [PLAN.SHAREPOINTENTERPRISE])]) }).violations).toEqual([]);
    });
  });

  // Planner and Project Plan 3 brings its own SharePoint (Plan 2) and Office for the web: Project Online
  // Service's dependency is met within the product, and bites only when that SharePoint is switched off.
  describe("Project Online Service needs SharePoint: its own, or another product's when its own is off", () => {
    const OWN_SHAREPOINT_OFF = [PLAN.SHAREPOINTENTERPRISE, PLAN.SHAREPOINTWAC];

    test('Project alone, for a user without other products: fine (its own SharePoint meets the dependency)', () => {
      const r = evaluate({ change: change([add(PROJECT)]) });
      expect(r.violations).toEqual([]);
      expect(r.seatsToReserve).toEqual([PROJECT]);
    });

    test('Project alone with its SharePoint (and Office for the web) off: refused, naming Project Online Service, SharePoint, the user and the fixes', () => {
      const r = evaluate({ change: change([add(PROJECT, OWN_SHAREPOINT_OFF)]) });
      const v = only(r, ErrorCodes.dependencyViolation);
      expect(r.violations).toHaveLength(1); // the desktop client needs nothing
      expect(v.target).toBe(USER_ID);
      expect(v.message).toContain(`Project Online Service in Planner and Project Plan 3 needs ${SHAREPOINT_EITHER}, which ${WHO} does not have enabled`);
      expect(v.message).toContain(`switch SHAREPOINT_PROJECT off (disabledPlans: ${PLAN.SHAREPOINT_PROJECT})`);
    });

    test('only its SharePoint off: both plans that need it are refused, Project Online Service and Office for the web', () => {
      const r = evaluate({ change: change([add(PROJECT, [PLAN.SHAREPOINTENTERPRISE])]) });
      expect(codes(r)).toEqual([ErrorCodes.dependencyViolation, ErrorCodes.dependencyViolation]);
      expect(r.violations.map((v) => v.message.split(' needs ')[0]).sort()).toEqual([
        'Office for the web in Planner and Project Plan 3',
        'Project Online Service in Planner and Project Plan 3',
      ]);
    });

    test('SharePoint, Office for the web and Project Online Service all off: fine', () => {
      expect(evaluate({ change: change([add(PROJECT, [...OWN_SHAREPOINT_OFF, PLAN.SHAREPOINT_PROJECT])]) }).violations).toEqual([]);
    });

    test.each([
      ['E3 (SharePoint Plan 2)', E3],
      ['E1 (SharePoint Plan 1)', E1],
    ])('its SharePoint off, user has %s: fine', (_l, sku) => {
      expect(evaluate({ user: member([direct(sku)]), change: change([add(PROJECT, OWN_SHAREPOINT_OFF)]) }).violations).toEqual([]);
    });

    test('its SharePoint off, user has E3 through a group: fine', () => {
      expect(evaluate({ user: member([viaGroup(E3)]), change: change([add(PROJECT, OWN_SHAREPOINT_OFF)]) }).violations).toEqual([]);
    });

    test('its SharePoint off, together with E3 in one request: fine', () => {
      expect(evaluate({ change: change([add(E3), add(PROJECT, OWN_SHAREPOINT_OFF)]) }).violations).toEqual([]);
    });

    test('its SharePoint off, user has E3 with SharePoint off too: refused', () => {
      const user = member([direct(E3, OWN_SHAREPOINT_OFF)]);
      expect(codes(evaluate({ user, change: change([add(PROJECT, OWN_SHAREPOINT_OFF)]) }))).toEqual([ErrorCodes.dependencyViolation]);
    });

    test('switching SharePoint off in a Project the user holds, with nothing else: refused, "this change switches off"', () => {
      const r = evaluate({ user: member([direct(PROJECT)]), change: change([add(PROJECT, OWN_SHAREPOINT_OFF)]) });
      const v = only(r, ErrorCodes.dependencyViolation);
      expect(r.violations).toHaveLength(1);
      expect(v.message).toContain(`Project Online Service in Planner and Project Plan 3 needs ${SHAREPOINT_EITHER}, which this change switches off for ${WHO}`);
      expect(v.message).toContain('switch Project Online Service off first');
    });

    test('removing E3 from a user whose Project has its own SharePoint on: fine', () => {
      expect(evaluate({ user: member([direct(E3), direct(PROJECT)]), change: change([], [E3]) }).violations).toEqual([]);
    });

    test('removing E3 from a user whose Project has its SharePoint off: refused, "this change switches off"', () => {
      const r = evaluate({ user: member([direct(E3), direct(PROJECT, OWN_SHAREPOINT_OFF)]), change: change([], [E3]) });
      const v = only(r, ErrorCodes.dependencyViolation);
      expect(r.violations).toHaveLength(1);
      expect(v.target).toBe(USER_ID);
      expect(v.message).toContain(`Project Online Service in Planner and Project Plan 3 needs ${SHAREPOINT_EITHER}, which this change switches off for ${WHO}`);
      expect(v.message).toContain('switch Project Online Service off first');
    });

    test("switching E3's SharePoint off for a user whose Project has its SharePoint off: refused for Project too", () => {
      const r = evaluate({ user: member([direct(E3), direct(PROJECT, OWN_SHAREPOINT_OFF)]), change: change([add(E3, OWN_SHAREPOINT_OFF)]) });
      const v = only(r, ErrorCodes.dependencyViolation);
      expect(v.message).toContain('Project Online Service in Planner and Project Plan 3');
    });

    test("switching E3's SharePoint off for a user whose Project has its own on: fine", () => {
      expect(evaluate({ user: member([direct(E3), direct(PROJECT)]), change: change([add(E3, OWN_SHAREPOINT_OFF)]) }).violations).toEqual([]);
    });

    test('removing E3 and Project together: fine', () => {
      expect(evaluate({ user: member([direct(E3), direct(PROJECT, OWN_SHAREPOINT_OFF)]), change: change([], [E3, PROJECT]) }).violations).toEqual([]);
    });

    test('removing E3 from a user whose Project has SharePoint and Project Online Service off: fine', () => {
      const user = member([direct(E3), direct(PROJECT, [...OWN_SHAREPOINT_OFF, PLAN.SHAREPOINT_PROJECT])]);
      expect(evaluate({ user, change: change([], [E3]) }).violations).toEqual([]);
    });

    test('removing E3 while E1 still brings SharePoint (Plan 1): fine', () => {
      const user = member([direct(E1), direct(E3, [PLAN.EXCHANGE_S_ENTERPRISE]), direct(PROJECT, OWN_SHAREPOINT_OFF)]);
      expect(evaluate({ user, change: change([], [E3]) }).violations).toEqual([]);
    });

    test('removing the direct E3 while a group still brings it: fine', () => {
      expect(evaluate({ user: member([direct(E3), viaGroup(E3), direct(PROJECT, OWN_SHAREPOINT_OFF)]), change: change([], [E3]) }).violations).toEqual([]);
    });

    test('replacing E3 by E1 keeps Project (its SharePoint off) working', () => {
      expect(evaluate({ user: member([direct(E3), direct(PROJECT, OWN_SHAREPOINT_OFF)]), change: change([add(E1)], [E3]) }).violations).toEqual([]);
    });
  });

  // Teams Phone has no Teams of its own: the catalog's dependency across products
  describe('Teams Phone needs Teams from another product', () => {
    test('Teams Phone alone: refused, naming Microsoft Teams', () => {
      const r = evaluate({ change: change([add(PHONE)]) });
      const v = only(r, ErrorCodes.dependencyViolation);
      expect(r.violations).toHaveLength(1);
      expect(v.message).toContain(`Microsoft Teams Phone in Microsoft Teams Phone Standard needs Microsoft Teams, which ${WHO} does not have enabled`);
      expect(v.message).toContain(`switch MCOEV off (disabledPlans: ${PLAN.MCOEV})`);
    });

    test.each([
      ['E1', E1],
      ['E3', E3],
    ])('with %s (Teams on): fine', (_l, sku) => {
      expect(evaluate({ user: member([direct(sku)]), change: change([add(PHONE)]) }).violations).toEqual([]);
    });

    test('with E3 whose Teams is off: refused', () => {
      expect(codes(evaluate({ user: member([direct(E3, [PLAN.TEAMS1])]), change: change([add(PHONE)]) }))).toEqual([ErrorCodes.dependencyViolation]);
    });

    test('switching Teams off for a user who has Teams Phone: refused, naming Teams', () => {
      const v = only(evaluate({ user: member([direct(E3), direct(PHONE)]), change: change([add(E3, [PLAN.TEAMS1])]) }), ErrorCodes.dependencyViolation);
      expect(v.message).toContain(`Microsoft Teams Phone in Microsoft Teams Phone Standard needs Microsoft Teams, which this change switches off for ${WHO}`);
    });

    test('switching Teams off in E3 while E1 still brings Teams: fine', () => {
      const user = member([direct(E1, [PLAN.EXCHANGE_S_STANDARD]), direct(E3), direct(PHONE)]);
      expect(evaluate({ user, change: change([add(E3, [PLAN.TEAMS1])]) }).violations).toEqual([]);
    });

    test('Teams Phone together with E1 in one request: fine', () => {
      expect(evaluate({ change: change([add(E1), add(PHONE)]) }).violations).toEqual([]);
    });

    test('removing the product that carries Teams from a Teams Phone user: refused, "this change switches off"', () => {
      const r = evaluate({ user: member([direct(E1), direct(PHONE)]), change: change([], [E1]) });
      const v = only(r, ErrorCodes.dependencyViolation);
      expect(r.violations).toHaveLength(1);
      expect(v.target).toBe(USER_ID);
      expect(v.message).toContain(`Microsoft Teams Phone in Microsoft Teams Phone Standard needs Microsoft Teams, which this change switches off for ${WHO}`);
      expect(v.message).toContain('switch Microsoft Teams Phone off first');
    });

    test('removing E1 and Teams Phone together: fine', () => {
      expect(evaluate({ user: member([direct(E1), direct(PHONE)]), change: change([], [E1, PHONE]) }).violations).toEqual([]);
    });
  });

  describe('a dependency that was unmet before is not blamed on an unrelated change', () => {
    test('Project with its SharePoint off and none elsewhere (through a group), add Power BI', () => {
      expect(evaluate({ user: member([viaGroup(PROJECT, [PLAN.SHAREPOINTENTERPRISE, PLAN.SHAREPOINTWAC])]), change: change([add(PBI)]) }).violations).toEqual(
        [],
      );
    });

    test('Teams Phone without Teams, remove Power BI', () => {
      expect(evaluate({ user: member([direct(PHONE), direct(PBI)]), change: change([], [PBI]) }).violations).toEqual([]);
    });
  });
});

describe('evaluateLicenseChange: usage location', () => {
  test.each([
    ['null', null],
    ['empty', ''],
  ])('%s usage location: refused, naming the user and how to set it', (_l, usageLocation) => {
    const r = evaluate({ user: member([], { usageLocation }), change: change([add(PBI)]) });
    const v = only(r, ErrorCodes.usageLocationRequired);
    expect(r.violations).toHaveLength(1);
    expect(v.target).toBe(USER_ID);
    expect(v.message).toContain(`${WHO} has no usage location`);
    expect(v.message).toContain(`PATCH /users/${USER_ID}`);
    expect(v.message).toMatch(/two-letter country code in usageLocation/);
  });

  test('no usage location: removal is still allowed', () => {
    expect(evaluate({ user: member([direct(E3)], { usageLocation: null }), change: change([], [E3]) }).violations).toEqual([]);
  });

  test('no usage location: changing plans of a held product is an assignment too', () => {
    expect(codes(evaluate({ user: member([direct(E3)], { usageLocation: null }), change: change([add(E3, [PLAN.TEAMS1])]) }))).toEqual([
      ErrorCodes.usageLocationRequired,
    ]);
  });

  describe('Yammer (in E1 and E3) is not offered in CN or RU', () => {
    test.each(['CN', 'RU'])('%s: refused, naming plan, product, location, user and both fixes', (loc) => {
      const r = evaluate({ user: member([], { usageLocation: loc }), change: change([add(E3)]) });
      const v = only(r, ErrorCodes.prohibitedInUsageLocation);
      expect(r.violations).toHaveLength(1);
      expect(v.target).toBe(USER_ID);
      expect(v.message).toContain(`Viva Engage (Yammer Enterprise) in Office 365 E3 is not offered in ${loc}, the usage location of ${WHO}`);
      expect(v.message).toContain(`Switch YAMMER_ENTERPRISE off (disabledPlans: ${PLAN.YAMMER_ENTERPRISE}) or change the user's usage location`);
    });

    test('the usage location is compared case-insensitively', () => {
      const v = only(evaluate({ user: member([], { usageLocation: 'cn' }), change: change([add(E3)]) }), ErrorCodes.prohibitedInUsageLocation);
      expect(v.message).toContain('is not offered in CN');
    });

    test('fixed by switching Yammer off', () => {
      expect(evaluate({ user: member([], { usageLocation: 'CN' }), change: change([add(E3, [PLAN.YAMMER_ENTERPRISE])]) }).violations).toEqual([]);
    });

    test.each(['US', 'DE', 'IN', 'AE'])('%s: E3 with Yammer is fine', (loc) => {
      expect(evaluate({ user: member([], { usageLocation: loc }), change: change([add(E3)]) }).violations).toEqual([]);
    });

    test('E1 has Yammer too: refused in CN, naming Office 365 E1; fine with Yammer switched off', () => {
      const v = only(evaluate({ user: member([], { usageLocation: 'CN' }), change: change([add(E1)]) }), ErrorCodes.prohibitedInUsageLocation);
      expect(v.message).toContain(`Viva Engage (Yammer Enterprise) in Office 365 E1 is not offered in CN, the usage location of ${WHO}`);
      expect(evaluate({ user: member([], { usageLocation: 'CN' }), change: change([add(E1, [PLAN.YAMMER_ENTERPRISE])]) }).violations).toEqual([]);
    });

    test('switching Yammer back on for a user in CN is refused', () => {
      const user = member([direct(E3, [PLAN.YAMMER_ENTERPRISE])], { usageLocation: 'CN' });
      expect(codes(evaluate({ user, change: change([add(E3, [])]) }))).toEqual([ErrorCodes.prohibitedInUsageLocation]);
    });

    test('a product already held is not re-checked by an unrelated change', () => {
      const user = member([direct(E3)], { usageLocation: 'CN' });
      expect(evaluate({ user, change: change([add(PBI)]) }).violations).toEqual([]);
      expect(evaluate({ user, change: change([], [E3]) }).violations).toEqual([]);
    });
  });

  describe('Teams Phone is not offered in CN, IN or AE', () => {
    test.each(['IN', 'CN', 'AE'])('%s: refused, naming Teams Phone and MCOEV', (loc) => {
      const r = evaluate({ user: member([direct(E1)], { usageLocation: loc }), change: change([add(PHONE)]) });
      const v = only(r, ErrorCodes.prohibitedInUsageLocation);
      expect(r.violations).toHaveLength(1);
      expect(v.message).toContain(`Microsoft Teams Phone in Microsoft Teams Phone Standard is not offered in ${loc}, the usage location of ${WHO}`);
      expect(v.message).toContain(`Switch MCOEV off (disabledPlans: ${PLAN.MCOEV})`);
    });

    test('fixed by switching Teams Phone off', () => {
      expect(evaluate({ user: member([direct(E1)], { usageLocation: 'IN' }), change: change([add(PHONE, [PLAN.MCOEV])]) }).violations).toEqual([]);
    });

    test('without Teams as well: both the location and the dependency are reported', () => {
      const r = evaluate({ user: member([], { usageLocation: 'IN' }), change: change([add(PHONE)]) });
      expect(codes(r).sort()).toEqual([ErrorCodes.dependencyViolation, ErrorCodes.prohibitedInUsageLocation].sort());
    });

    test('switching Teams Phone off fixes both at once', () => {
      expect(evaluate({ user: member([], { usageLocation: 'IN' }), change: change([add(PHONE, [PLAN.MCOEV])]) }).violations).toEqual([]);
    });

    test('fine in US', () => {
      expect(evaluate({ user: member([direct(E1)], { usageLocation: 'US' }), change: change([add(PHONE)]) }).violations).toEqual([]);
    });
  });

  test('E3 and Teams Phone for a user in CN: one violation per plan not offered', () => {
    const r = evaluate({ user: member([], { usageLocation: 'CN' }), change: change([add(E3), add(PHONE)]) });
    expect(codes(r)).toEqual([ErrorCodes.prohibitedInUsageLocation, ErrorCodes.prohibitedInUsageLocation]);
    expect(r.violations.map((v) => v.message).join(' ')).toMatch(/YAMMER_ENTERPRISE[\s\S]*MCOEV|MCOEV[\s\S]*YAMMER_ENTERPRISE/);
  });
});

// "Automatically assigned" means Sway comes with the product without a separate assignment, not that it is
// locked: Microsoft's own examples switch SWAY off through disabledPlans.
describe('evaluateLicenseChange: an auto-assigned plan (Sway) can be switched off like any plan', () => {
  test('Sway in disabledPlans of a new product: accepted, and stored as disabled', () => {
    const r = evaluate({ change: change([add(E3, [PLAN.SWAY])]) });
    expect(r.violations).toEqual([]);
    expect(r.seatsToReserve).toEqual([E3]);
    expect(r.next).toEqual([{ skuId: E3, disabledPlans: [PLAN.SWAY], assignedByGroup: null, assignedDateTime: NOW, lastUpdatedDateTime: NOW }]);
  });

  test('Sway in E1, as the second product of the request, upper case: accepted and stored in lower case', () => {
    const r = evaluate({ change: change([add(PBI), add(E1, [PLAN.TEAMS1, PLAN.SWAY.toUpperCase()])]) });
    expect(r.violations).toEqual([]);
    expect(r.next.find((a) => a.skuId === E1)!.disabledPlans).toEqual([PLAN.TEAMS1, PLAN.SWAY]);
  });

  test('switching Sway off on a product the user already holds is a real change, not a no-op', () => {
    const r = evaluate({ user: member([direct(E3)]), change: change([add(E3, [PLAN.SWAY])]) });
    expect(r.violations).toEqual([]);
    expect(r.unchanged).toBe(false);
    expect(r.seatsToReserve).toEqual([]);
    expect(r.next.map((a) => a.disabledPlans)).toEqual([[PLAN.SWAY]]);
  });

  test('switching Sway back on (re-adding without it) is a real change too', () => {
    const r = evaluate({ user: member([direct(E3, [PLAN.SWAY])]), change: change([add(E3)]) });
    expect(r.violations).toEqual([]);
    expect(r.unchanged).toBe(false);
    expect(r.next.map((a) => a.disabledPlans)).toEqual([[]]);
  });
});

describe('evaluateLicenseChange: disabledPlans that cannot be', () => {
  test("a plan of another product in disabledPlans: unknownServicePlan at the field, listing the product's plans", () => {
    const r = evaluate({ change: change([add(E1, [PLAN.EXCHANGE_S_ENTERPRISE])]) });
    const v = only(r, ErrorCodes.unknownServicePlan);
    expect(r.violations).toHaveLength(1);
    expect(v.target).toBe('addLicenses[0].disabledPlans');
    expect(v.message).toContain(`Service plan '${PLAN.EXCHANGE_S_ENTERPRISE}' is not part of Office 365 E1`);
    for (const p of demoCatalog.product(E1)!.servicePlans) expect(v.message).toContain(`${p.servicePlanName} (${p.servicePlanId})`);
    expect(v.message).not.toContain('EXCHANGE_S_ENTERPRISE (');
  });

  test('garbage in disabledPlans of the third product: target addLicenses[2].disabledPlans', () => {
    const v = only(evaluate({ change: change([add(PBI), add(PROJECT), add(E3, ['not-a-plan'])]) }), ErrorCodes.unknownServicePlan);
    expect(v.target).toBe('addLicenses[2].disabledPlans');
    expect(v.message).toContain("Service plan 'not-a-plan' is not part of Office 365 E3");
  });

  test('one violation per bad plan; Sway between them is not one', () => {
    const r = evaluate({ change: change([add(E3, ['x-1', PLAN.SWAY, 'x-2'])]) });
    expect(codes(r)).toEqual([ErrorCodes.unknownServicePlan, ErrorCodes.unknownServicePlan]);
    expect(r.violations.map((v) => v.message.slice(0, 30))).toEqual(["Service plan 'x-1' is not part", "Service plan 'x-2' is not part"]);
    expect(r.violations.every((v) => v.target === 'addLicenses[0].disabledPlans')).toBe(true);
  });

  test('a plan of the product given in upper case is accepted', () => {
    expect(evaluate({ change: change([add(E3, [PLAN.TEAMS1.toUpperCase()])]) }).violations).toEqual([]);
  });

  test('disabledPlans are not checked for a product that is refused anyway', () => {
    expect(codes(evaluate({ change: change([add(E3, ['not-a-plan'])]), subscriptions: subs(sub(E3, { status: 'Suspended' })) }))).toEqual([
      ErrorCodes.subscriptionNotActive,
    ]);
  });
});

describe('evaluateLicenseChange: removals', () => {
  test('removing a product the user does not have: licenseNotAssigned, naming the user and the product', () => {
    const r = evaluate({ user: member([direct(E1)]), change: change([], [E3]) });
    const v = only(r, ErrorCodes.licenseNotAssigned);
    expect(r.violations).toHaveLength(1);
    expect(v.target).toBe(USER_ID);
    expect(v.message).toContain(`${WHO} does not have Office 365 E3, so it cannot be removed`);
    expect(v.message).toContain(`GET /users/${USER_ID}/licenseDetails`);
  });

  test('removing an unknown product: named by its id', () => {
    const v = only(evaluate({ change: change([], ['unknown-sku']) }), ErrorCodes.licenseNotAssigned);
    expect(v.message).toContain('does not have unknown-sku');
  });

  test('a product held only through a group cannot be removed directly: names the user, product and the two fixes', () => {
    const r = evaluate({ user: member([viaGroup(E3)]), change: change([], [E3]) });
    expect(codes(r)).toEqual(['licenseInheritedFromGroup']);
    const v = r.violations[0];
    expect(v.target).toBe(USER_ID);
    expect(v.message).toContain(`${WHO} gets Office 365 E3 through a group`);
    expect(v.message).toContain('Remove the user from the group, or the product from the group');
  });

  test('a product held through two groups cannot be removed directly either', () => {
    expect(codes(evaluate({ user: member([viaGroup(E3, [], 'g1'), viaGroup(E3, [], 'g2')]), change: change([], [E3]) }))).toEqual([
      'licenseInheritedFromGroup',
    ]);
  });

  test('a product held directly and through a group: the direct path goes, the group path stays', () => {
    const r = evaluate({ user: member([direct(E3, [PLAN.TEAMS1]), viaGroup(E3, [PLAN.YAMMER_ENTERPRISE])]), change: change([], [E3]) });
    expect(r.violations).toEqual([]);
    expect(r.next).toEqual([viaGroup(E3, [PLAN.YAMMER_ENTERPRISE])]);
    expect(r.seatsToRelease).toEqual([]);
    expect(r.unchanged).toBe(false);
  });

  test('each removal problem is reported', () => {
    const r = evaluate({ user: member([viaGroup(E3)]), change: change([], [E3, PBI]) });
    expect(codes(r).sort()).toEqual(['licenseInheritedFromGroup', ErrorCodes.licenseNotAssigned].sort());
  });
});

describe('evaluateLicenseChange: the result (next, unchanged)', () => {
  test('re-adding replaces the disabled plans (no merge), keeps assignedDateTime and sets lastUpdatedDateTime', () => {
    const r = evaluate({ user: member([direct(E3, [PLAN.YAMMER_ENTERPRISE])]), change: change([add(E3, [PLAN.TEAMS1])]) });
    expect(r.violations).toEqual([]);
    expect(r.next).toEqual([{ skuId: E3, disabledPlans: [PLAN.TEAMS1], assignedByGroup: null, assignedDateTime: EARLIER, lastUpdatedDateTime: NOW }]);
    expect(r.unchanged).toBe(false);
  });

  test('re-adding with the same disabled plans is a no-op: unchanged, no seats', () => {
    const r = evaluate({ user: member([direct(E3, [PLAN.YAMMER_ENTERPRISE, PLAN.TEAMS1])]), change: change([add(E3, [PLAN.TEAMS1, PLAN.YAMMER_ENTERPRISE])]) });
    expect(r.violations).toEqual([]);
    expect(r.unchanged).toBe(true);
    expect(r.seatsToReserve).toEqual([]);
    expect(r.seatsToRelease).toEqual([]);
  });

  test('re-adding with the same plans in another case and with duplicates is unchanged too', () => {
    const r = evaluate({ user: member([direct(E3, [PLAN.TEAMS1])]), change: change([add(E3.toUpperCase(), [PLAN.TEAMS1.toUpperCase(), PLAN.TEAMS1])]) });
    expect(r.unchanged).toBe(true);
  });

  test('re-adding with nothing disabled, held with nothing disabled: unchanged', () => {
    expect(evaluate({ user: member([direct(E1), direct(PBI)]), change: change([add(E1)]) }).unchanged).toBe(true);
  });

  test('a new product, a removal, or a direct path next to a group path are changes', () => {
    expect(evaluate({ user: member([direct(E1)]), change: change([add(PBI)]) }).unchanged).toBe(false);
    expect(evaluate({ user: member([direct(E1), direct(PBI)]), change: change([], [PBI]) }).unchanged).toBe(false);
    expect(evaluate({ user: member([viaGroup(E3)]), change: change([add(E3)]) }).unchanged).toBe(false);
  });

  test('one plan more or less disabled is a change', () => {
    expect(evaluate({ user: member([direct(E3, [PLAN.TEAMS1])]), change: change([add(E3, [])]) }).unchanged).toBe(false);
    expect(evaluate({ user: member([direct(E3, [])]), change: change([add(E3, [PLAN.TEAMS1])]) }).unchanged).toBe(false);
  });

  test('adding directly does not touch the group paths, whose plans still count', () => {
    const group = viaGroup(E3, [PLAN.YAMMER_ENTERPRISE]);
    const r = evaluate({ user: member([group, direct(PBI)]), change: change([add(E3, [PLAN.TEAMS1])]) });
    expect(r.next).toEqual([
      group,
      direct(PBI),
      { skuId: E3, disabledPlans: [PLAN.TEAMS1], assignedByGroup: null, assignedDateTime: NOW, lastUpdatedDateTime: NOW },
    ]);
    expect(effectiveLicenses(r.next)).toEqual([
      { skuId: E3, disabledPlans: [] },
      { skuId: PBI, disabledPlans: [] },
    ]);
  });

  test('next is a copy: changing it does not change the user', () => {
    const user = member([direct(PBI), viaGroup(E3)]);
    const r = evaluate({ user, change: change([add(E1)]) });
    r.next[0].skuId = 'changed';
    r.next[1].assignedByGroup = null;
    expect(user.licenseAssignments).toEqual([direct(PBI), viaGroup(E3)]);
  });
});

describe('evaluateLicenseChange: several problems at once', () => {
  test('every problem of the change is reported, each with its own code (Sway switched off is not one)', () => {
    const user = { ...guest([direct(E1)]), usageLocation: null };
    const r = evaluate({
      user,
      change: change([add(E3, [PLAN.SWAY, 'nope']), add(PROJECT)], [PBI]),
      subscriptions: subs(sub(PROJECT, { status: 'Warning' })),
    });
    expect(codes(r).sort()).toEqual(
      [
        ErrorCodes.insufficientRole,
        ErrorCodes.subscriptionNotActive,
        ErrorCodes.unknownServicePlan,
        ErrorCodes.licenseNotAssigned,
        ErrorCodes.usageLocationRequired,
        ErrorCodes.mutuallyExclusiveViolation,
      ].sort(),
    );
  });
});

describe('ErrorCodes used by the rules', () => {
  test('are the stable codes (Graph licenseAssignmentState names where Graph has one)', () => {
    expect(ErrorCodes).toMatchObject({
      countViolation: 'CountViolation',
      mutuallyExclusiveViolation: 'MutuallyExclusiveViolation',
      dependencyViolation: 'DependencyViolation',
      prohibitedInUsageLocation: 'ProhibitedInUsageLocationViolation',
      insufficientRole: 'Authorization_RequestDenied',
      subscriptionNotActive: 'subscriptionNotActive',
      selfServiceSubscription: 'selfServiceSubscription',
      productNotSubscribed: 'productNotSubscribed',
      usageLocationRequired: 'usageLocationRequired',
      unknownServicePlan: 'unknownServicePlan',
      licenseNotAssigned: 'licenseNotAssigned',
      quantityBelowAssigned: 'quantityBelowAssigned',
      invalidLifecycleTransition: 'invalidLifecycleTransition',
      notSelfService: 'notSelfServiceSubscription',
    });
  });

  test('codes are unique', () => {
    const values = Object.values(ErrorCodes);
    expect(new Set(values).size).toBe(values.length);
  });

  test('there is no refusal for auto-assigned plans any more (they can be switched off)', () => {
    expect(Object.values(ErrorCodes)).not.toContain('autoAssignedServicePlan');
  });
});
