import { assignmentError, checkGroupLicenses, evaluateGroupPaths, GroupLicenses, groupPaths } from '../../shared/domain/groups';
import {
  AssignmentError,
  CapabilityStatus,
  effectiveLicenses,
  isActive,
  LicenseAssignment,
  SubscriptionForRules,
  UserForRules,
} from '../../shared/domain/licensing';
import { ErrorCodes, Violation } from '../../shared/errors';
import { add, codes, demoCatalog, direct, EARLIER, GROUP_ID, member, NOW, only, PLAN, SKU, sub, subs, USER_ID, viaGroup } from './fixtures';

const E3 = SKU.ENTERPRISEPACK;
const E1 = SKU.STANDARDPACK;
const EXO1 = SKU.EXCHANGESTANDARD;
const PBI = SKU.POWER_BI_PRO;
const PROJECT = SKU.PROJECTPROFESSIONAL;
const PHONE = SKU.MCOEV;
const WHO = 'Adele Vance (adele@contoso.example)';
const OTHER_GROUP = 'c0ffee00-0000-4000-8000-00000000000b';
const THIRD_GROUP = 'c0ffee00-0000-4000-8000-00000000000c';
const MARCH = '2025-03-01T09:00:00.000Z';
const UNKNOWN_SKU = '99999999-8888-7777-6666-555555555555';
const UNKNOWN_PLAN = '11111111-2222-3333-4444-555555555555';

const group = (licenses: { skuId: string; disabledPlans: string[] }[], o: { id?: string; name?: string } = {}): GroupLicenses => ({
  groupId: o.id ?? GROUP_ID,
  displayName: o.name ?? 'Sales',
  assignedLicenses: licenses,
});

/** A path kept with state Error (as groupPaths writes it for a failed group). */
const failed = (a: LicenseAssignment, error: AssignmentError = 'CountViolation'): LicenseAssignment => ({
  ...a,
  state: 'Error',
  error,
  errorMessage: 'Through group X: no seat',
});

/**
 * evaluateGroupPaths as convergeUser calls it: by default the base is the member's direct paths and
 * `previous` the member's stored paths; every product subscribed; no organization default location.
 */
const evalGroup = (o: {
  group: GroupLicenses;
  user?: UserForRules;
  base?: LicenseAssignment[];
  previous?: LicenseAssignment[];
  subscriptions?: Map<string, SubscriptionForRules>;
  defaultUsageLocation?: string | null;
}) => {
  const user = o.user ?? member();
  return evaluateGroupPaths({
    catalog: demoCatalog,
    user,
    base: o.base ?? user.licenseAssignments.filter((a) => a.assignedByGroup === null),
    group: o.group,
    previous: o.previous ?? user.licenseAssignments,
    subscriptions: o.subscriptions ?? subs(),
    defaultUsageLocation: o.defaultUsageLocation ?? null,
    now: NOW,
  });
};

// ---------------------------------------------------------------------------------------------------------
// assignmentError
// ---------------------------------------------------------------------------------------------------------

describe("assignmentError: a rule's code to Graph's licenseAssignmentState.error", () => {
  const mapped: [string, AssignmentError][] = [
    [ErrorCodes.countViolation, 'CountViolation'],
    [ErrorCodes.mutuallyExclusiveViolation, 'MutuallyExclusiveViolation'],
    [ErrorCodes.dependencyViolation, 'DependencyViolation'],
    [ErrorCodes.prohibitedInUsageLocation, 'ProhibitedInUsageLocationViolation'],
    [ErrorCodes.usageLocationRequired, 'ProhibitedInUsageLocationViolation'],
  ];

  test.each(mapped)('%s -> %s', (code, expected) => {
    expect(assignmentError(code)).toBe(expected);
  });

  test('a member without any usage location is reported like a location Graph refuses', () => {
    expect(assignmentError('usageLocationRequired')).toBe('ProhibitedInUsageLocationViolation');
  });

  const others = Object.values(ErrorCodes).filter((c) => !mapped.some(([m]) => m === c));
  test.each(others)('every other code (%s) -> Other', (code) => {
    expect(assignmentError(code)).toBe('Other');
  });

  test('the subscription refusals a group can meet are Other', () => {
    for (const code of [ErrorCodes.productNotSubscribed, ErrorCodes.subscriptionNotActive, ErrorCodes.selfServiceSubscription])
      expect(assignmentError(code)).toBe('Other');
  });

  test.each(['', 'somethingUnheard', 'countviolation', 'COUNTVIOLATION', 'None', 'UniquenessViolation'])('unknown code %p -> Other', (code) => {
    expect(assignmentError(code)).toBe('Other');
  });
});

// ---------------------------------------------------------------------------------------------------------
// groupPaths
// ---------------------------------------------------------------------------------------------------------

describe('groupPaths', () => {
  test('no licenses: no paths', () => {
    expect(groupPaths(group([]), [], NOW)).toEqual([]);
    expect(groupPaths(group([]), [viaGroup(E3)], NOW, { code: ErrorCodes.countViolation, message: 'x' })).toEqual([]);
  });

  test("one Active path per product of the group, in the group's order, dated now", () => {
    const paths = groupPaths(group([add(E3, [PLAN.YAMMER_ENTERPRISE]), add(PBI)]), [], NOW);
    expect(paths).toStrictEqual([
      { skuId: E3, disabledPlans: [PLAN.YAMMER_ENTERPRISE], assignedByGroup: GROUP_ID, assignedDateTime: NOW, lastUpdatedDateTime: NOW },
      { skuId: PBI, disabledPlans: [], assignedByGroup: GROUP_ID, assignedDateTime: NOW, lastUpdatedDateTime: NOW },
    ]);
    expect(paths.every(isActive)).toBe(true);
  });

  test('an Active path carries no state, error or errorMessage (absent means Active)', () => {
    const [p] = groupPaths(group([add(E3)]), [], NOW);
    expect(p).not.toHaveProperty('state');
    expect(p).not.toHaveProperty('error');
    expect(p).not.toHaveProperty('errorMessage');
  });

  test('a path the group already gave keeps its earlier assignedDateTime; lastUpdatedDateTime and disabled plans are the new ones', () => {
    const [p] = groupPaths(group([add(E3, [PLAN.TEAMS1])]), [viaGroup(E3, [PLAN.YAMMER_ENTERPRISE])], NOW);
    expect(p).toStrictEqual({ skuId: E3, disabledPlans: [PLAN.TEAMS1], assignedByGroup: GROUP_ID, assignedDateTime: EARLIER, lastUpdatedDateTime: NOW });
  });

  test('only the same group and product count as the earlier path', () => {
    const previous = [direct(E3, [], MARCH), viaGroup(E3, [], OTHER_GROUP), viaGroup(PBI)];
    const [e3, e1] = groupPaths(group([add(E3), add(E1)]), previous, NOW);
    expect(e3.assignedDateTime).toBe(NOW);
    expect(e1.assignedDateTime).toBe(NOW);
  });

  test('each product of the group looks up its own earlier path', () => {
    const previous = [{ ...viaGroup(PBI), assignedDateTime: MARCH }];
    const paths = groupPaths(group([add(E3), add(PBI)]), previous, NOW);
    expect(paths.map((p) => p.assignedDateTime)).toEqual([NOW, MARCH]);
  });

  test('a path that waited in Error and now applies counts as assigned now (the wait is not holding the product)', () => {
    const [p] = groupPaths(group([add(E3)]), [failed(viaGroup(E3))], NOW);
    expect(isActive(p)).toBe(true);
    expect(p.assignedDateTime).toBe(NOW);
  });

  describe('with a failure: every product of the group is an Error path', () => {
    const failure: Violation = {
      code: ErrorCodes.mutuallyExclusiveViolation,
      message: 'Exchange Online (Plan 2) conflicts with Exchange Online (Plan 1).',
      target: USER_ID,
      parameters: { userId: USER_ID },
    };

    test('state Error, the mapped error, the message prefixed with the group name', () => {
      const paths = groupPaths(group([add(E3, [PLAN.YAMMER_ENTERPRISE]), add(PBI)], { name: 'Marketing EU' }), [], NOW, failure);
      expect(paths).toStrictEqual(
        [E3, PBI].map((skuId) => ({
          skuId,
          disabledPlans: skuId === E3 ? [PLAN.YAMMER_ENTERPRISE] : [],
          assignedByGroup: GROUP_ID,
          assignedDateTime: NOW,
          lastUpdatedDateTime: NOW,
          state: 'Error',
          error: 'MutuallyExclusiveViolation',
          errorMessage: 'Through group Marketing EU: Exchange Online (Plan 2) conflicts with Exchange Online (Plan 1).',
          // the rule's own code and parameters, and the group it came through
          errorCode: ErrorCodes.mutuallyExclusiveViolation,
          errorParameters: { userId: USER_ID, groupId: GROUP_ID },
        })),
      );
      expect(paths.some(isActive)).toBe(false);
    });

    test.each([
      [ErrorCodes.countViolation, 'CountViolation'],
      [ErrorCodes.dependencyViolation, 'DependencyViolation'],
      [ErrorCodes.prohibitedInUsageLocation, 'ProhibitedInUsageLocationViolation'],
      [ErrorCodes.usageLocationRequired, 'ProhibitedInUsageLocationViolation'],
      [ErrorCodes.subscriptionNotActive, 'Other'],
      [ErrorCodes.productNotSubscribed, 'Other'],
      [ErrorCodes.selfServiceSubscription, 'Other'],
    ])('%s -> error %s', (code, error) => {
      const [p] = groupPaths(group([add(E3)]), [], NOW, { code, message: 'Why.' });
      expect(p).toMatchObject({ state: 'Error', error, errorMessage: 'Through group Sales: Why.' });
    });

    test('a path that was Active keeps its assignedDateTime when it fails', () => {
      const [p] = groupPaths(group([add(E3)]), [viaGroup(E3)], NOW, failure);
      expect(p).toMatchObject({ state: 'Error', assignedDateTime: EARLIER, lastUpdatedDateTime: NOW });
    });

    test('a path that was already in Error keeps its assignedDateTime and takes the new reason', () => {
      const [p] = groupPaths(group([add(E3)]), [failed(viaGroup(E3))], NOW, { code: ErrorCodes.dependencyViolation, message: 'Needs SharePoint.' });
      expect(p).toMatchObject({
        state: 'Error',
        error: 'DependencyViolation',
        errorMessage: 'Through group Sales: Needs SharePoint.',
        assignedDateTime: EARLIER,
        lastUpdatedDateTime: NOW,
      });
    });
  });

  test('leaves the previous paths untouched', () => {
    const previous = [viaGroup(E3, [PLAN.TEAMS1])];
    const copy = JSON.parse(JSON.stringify(previous));
    groupPaths(group([add(E3)]), previous, NOW, { code: ErrorCodes.countViolation, message: 'x' });
    expect(previous).toEqual(copy);
  });
});

// ---------------------------------------------------------------------------------------------------------
// evaluateGroupPaths
// ---------------------------------------------------------------------------------------------------------

describe('evaluateGroupPaths: a group that applies cleanly', () => {
  test('no violations; the group paths are added to the base; the product is new', () => {
    const r = evalGroup({ group: group([add(E3)]) });
    expect(r.violations).toEqual([]);
    expect(r.next).toStrictEqual([{ skuId: E3, disabledPlans: [], assignedByGroup: GROUP_ID, assignedDateTime: NOW, lastUpdatedDateTime: NOW }]);
    expect(r.newProducts).toEqual([E3]);
  });

  test('several products: all of them, in order, after the base', () => {
    const r = evalGroup({ user: member([direct(E3), direct(EXO1, [PLAN.EXCHANGE_S_STANDARD])]), group: group([add(PBI), add(PROJECT)]) });
    expect(r.violations).toEqual([]);
    expect(r.next.map((a) => [a.skuId, a.assignedByGroup])).toEqual([
      [E3, null],
      [EXO1, null],
      [PBI, GROUP_ID],
      [PROJECT, GROUP_ID],
    ]);
    expect(r.newProducts).toEqual([PBI, PROJECT]);
  });

  test('a group with no licenses changes nothing and checks nothing, not even the usage location', () => {
    const base = [direct(E3)];
    const r = evalGroup({ user: member(base, { usageLocation: null }), group: group([]) });
    expect(r).toEqual({ violations: [], next: base, newProducts: [] });
  });

  test('the base and the previous paths are not modified', () => {
    const base = [direct(E1)];
    const previous = [direct(E1), viaGroup(E3)];
    const [b, p] = [JSON.stringify(base), JSON.stringify(previous)];
    evalGroup({ user: member(previous), base, previous, group: group([add(E3), add(PBI)]) });
    expect(JSON.stringify(base)).toBe(b);
    expect(JSON.stringify(previous)).toBe(p);
  });

  test('an Error path kept in the base stays in next, as it is', () => {
    const waiting = failed(viaGroup(PBI, [], OTHER_GROUP));
    const r = evalGroup({ group: group([add(E3)]), base: [waiting] });
    expect(r.violations).toEqual([]);
    expect(r.next[0]).toBe(waiting);
  });

  test('the re-evaluated path of a member who already had it keeps its assignedDateTime', () => {
    const r = evalGroup({ user: member([viaGroup(E3)]), group: group([add(E3)]) });
    expect(r.violations).toEqual([]);
    expect(r.next).toEqual([{ ...viaGroup(E3), lastUpdatedDateTime: NOW }]);
  });
});

describe('evaluateGroupPaths: newProducts (each needs a seat)', () => {
  test('a product the member holds directly is not new', () => {
    const r = evalGroup({ user: member([direct(E3)]), group: group([add(E3), add(PBI)]) });
    expect(r.violations).toEqual([]);
    expect(r.newProducts).toEqual([PBI]);
  });

  test('a product an earlier group gives (in the base) is not new', () => {
    const earlier = { ...viaGroup(E3, [], OTHER_GROUP), assignedDateTime: NOW, lastUpdatedDateTime: NOW };
    const r = evalGroup({ group: group([add(E3)]), base: [earlier], previous: [] });
    expect(r.newProducts).toEqual([]);
  });

  test('a product an earlier group failed to give (Error in the base) is new', () => {
    const r = evalGroup({ group: group([add(E3)]), base: [failed(viaGroup(E3, [], OTHER_GROUP))], previous: [] });
    expect(r.newProducts).toEqual([E3]);
  });

  test('a product the member had before through this group is not new', () => {
    const r = evalGroup({ user: member([viaGroup(E3)]), group: group([add(E3), add(PBI)]) });
    expect(r.newProducts).toEqual([PBI]);
  });

  test('a product the member had before through another path that is gone now is not new (its seat is still held)', () => {
    // e.g. the member left OTHER_GROUP: that path is no longer in the base, but the seat was never released
    const r = evalGroup({ user: member([viaGroup(E3, [], OTHER_GROUP)]), base: [], group: group([add(E3)]) });
    expect(r.violations).toEqual([]);
    expect(r.newProducts).toEqual([]);
  });

  test('a product the member had only as an Error path (waiting for a seat) is new', () => {
    const r = evalGroup({ user: member([failed(viaGroup(E3))]), group: group([add(E3)]) });
    expect(r.violations).toEqual([]);
    expect(r.newProducts).toEqual([E3]);
  });

  test('nothing new when the member has every product already', () => {
    const r = evalGroup({ user: member([direct(PBI), viaGroup(E3)]), group: group([add(E3), add(PBI)]) });
    expect(r.newProducts).toEqual([]);
  });

  test('newProducts is computed even when the group fails (the caller looks at violations first)', () => {
    const r = evalGroup({ user: member([direct(E1)]), group: group([add(E3), add(PBI)]) });
    expect(codes(r)).toEqual([ErrorCodes.mutuallyExclusiveViolation]);
    expect(r.newProducts).toEqual([E3, PBI]);
  });
});

describe('evaluateGroupPaths: subscription state', () => {
  const withE3 = (status: CapabilityStatus, channel: 'admin' | 'selfService' = 'admin') => subs(sub(E3, { status, channel }));

  describe('a new path (the member did not have it through this group)', () => {
    test('Enabled: applies', () => {
      expect(evalGroup({ group: group([add(E3)]), subscriptions: withE3('Enabled') }).violations).toEqual([]);
    });

    test('Warning: refused, no new assignments while expired', () => {
      const r = evalGroup({ group: group([add(E3)]), subscriptions: withE3('Warning') });
      const v = only(r, ErrorCodes.subscriptionNotActive);
      expect(codes(r)).toEqual([ErrorCodes.subscriptionNotActive]);
      expect(v.target).toBe(USER_ID);
      expect(v.message).toContain('The Office 365 E3 subscription is expired (in its warning period), so its licenses cannot be assigned.');
    });

    test('Suspended: refused', () => {
      const v = only(evalGroup({ group: group([add(E3)]), subscriptions: withE3('Suspended') }), ErrorCodes.subscriptionNotActive);
      expect(v.message).toContain('The Office 365 E3 subscription is suspended, so its licenses cannot be assigned.');
      expect(v.target).toBe(USER_ID);
    });

    test('Deleted: not subscribed', () => {
      const v = only(evalGroup({ group: group([add(E3)]), subscriptions: withE3('Deleted') }), ErrorCodes.productNotSubscribed);
      expect(v.message).toContain('no active subscription for Office 365 E3');
      expect(v.target).toBe(USER_ID);
    });

    test('no subscription at all: not subscribed', () => {
      const m = subs();
      m.delete(PBI);
      const r = evalGroup({ group: group([add(E3), add(PBI)]), subscriptions: m });
      expect(codes(r)).toEqual([ErrorCodes.productNotSubscribed]);
      expect(r.violations[0]).toMatchObject({ target: USER_ID, message: expect.stringContaining('no active subscription for Power BI Pro') });
    });

    test('self-service: refused until taken over', () => {
      const v = only(evalGroup({ group: group([add(E3)]), subscriptions: withE3('Enabled', 'selfService') }), ErrorCodes.selfServiceSubscription);
      expect(v.message).toContain('admins cannot assign it until an admin takes the subscription over');
      expect(v.target).toBe(USER_ID);
    });

    test('a path of the same product through another group or directly does not make it an existing path of this group', () => {
      for (const held of [direct(E3), viaGroup(E3, [], OTHER_GROUP)]) {
        const r = evalGroup({ user: member([held]), base: [held], group: group([add(E3)]), subscriptions: withE3('Warning') });
        expect(codes(r)).toEqual([ErrorCodes.subscriptionNotActive]);
      }
    });

    test('a path of this group that was in Error is new', () => {
      const r = evalGroup({ user: member([failed(viaGroup(E3))]), group: group([add(E3)]), subscriptions: withE3('Warning') });
      expect(codes(r)).toEqual([ErrorCodes.subscriptionNotActive]);
    });

    test('a path of this group for another product does not count', () => {
      const r = evalGroup({ user: member([viaGroup(PBI)]), group: group([add(PBI), add(E3)]), subscriptions: withE3('Warning') });
      expect(codes(r)).toEqual([ErrorCodes.subscriptionNotActive]);
      expect(r.violations[0].message).toContain('Office 365 E3');
    });
  });

  describe('a path that was already active (the member keeps it)', () => {
    const user = member([viaGroup(E3)]);

    test('Enabled: applies', () => {
      expect(evalGroup({ user, group: group([add(E3)]), subscriptions: withE3('Enabled') }).violations).toEqual([]);
    });

    test('Warning: allowed (the licenses keep working in the warning period)', () => {
      const r = evalGroup({ user, group: group([add(E3, [PLAN.YAMMER_ENTERPRISE])]), subscriptions: withE3('Warning') });
      expect(r.violations).toEqual([]);
      expect(r.newProducts).toEqual([]);
    });

    test('Suspended: refused', () => {
      const v = only(evalGroup({ user, group: group([add(E3)]), subscriptions: withE3('Suspended') }), ErrorCodes.subscriptionNotActive);
      expect(v.message).toContain('The Office 365 E3 subscription is suspended, so its licenses cannot be changed.');
    });

    test('Deleted: not subscribed', () => {
      expect(codes(evalGroup({ user, group: group([add(E3)]), subscriptions: withE3('Deleted') }))).toEqual([ErrorCodes.productNotSubscribed]);
    });

    test('self-service: refused', () => {
      const v = only(evalGroup({ user, group: group([add(E3)]), subscriptions: withE3('Warning', 'selfService') }), ErrorCodes.selfServiceSubscription);
      expect(v.message).toContain('admins cannot change it until an admin takes the subscription over');
    });
  });

  test('one refused product: one violation, naming it; the other product is fine', () => {
    const r = evalGroup({ group: group([add(PBI), add(E3)]), subscriptions: withE3('Suspended') });
    expect(codes(r)).toEqual([ErrorCodes.subscriptionNotActive]);
    expect(r.violations[0].message).toContain('Office 365 E3');
  });

  test('two refused products: one violation each, in the order of the group', () => {
    const r = evalGroup({ group: group([add(E3), add(PBI)]), subscriptions: subs(sub(E3, { status: 'Warning' }), sub(PBI, { channel: 'selfService' })) });
    expect(codes(r)).toEqual([ErrorCodes.subscriptionNotActive, ErrorCodes.selfServiceSubscription]);
  });

  test('subscription refusals come before the rules on the resulting licenses (the first is what the member sees)', () => {
    const r = evalGroup({ user: member([], { usageLocation: null }), group: group([add(E3)]), subscriptions: withE3('Suspended') });
    expect(codes(r)).toEqual([ErrorCodes.subscriptionNotActive, ErrorCodes.usageLocationRequired]);
  });
});

describe('evaluateGroupPaths: usage location', () => {
  const noLocation = member([], { usageLocation: null });

  test("the member's own location is used (the organization's default does not matter)", () => {
    expect(evalGroup({ user: member([], { usageLocation: 'US' }), group: group([add(E3)]), defaultUsageLocation: 'CN' }).violations).toEqual([]);
    const v = only(
      evalGroup({ user: member([], { usageLocation: 'CN' }), group: group([add(E3)]), defaultUsageLocation: 'US' }),
      ErrorCodes.prohibitedInUsageLocation,
    );
    expect(v.message).toContain('not offered in CN');
  });

  test("a member without usage location is checked with the organization's default", () => {
    const ok = evalGroup({ user: noLocation, group: group([add(E3)]), defaultUsageLocation: 'US' });
    expect(ok.violations).toEqual([]);
    expect(ok.newProducts).toEqual([E3]);
  });

  test("the organization's default counts for the plans not offered there", () => {
    const v = only(evalGroup({ user: noLocation, group: group([add(E3)]), defaultUsageLocation: 'RU' }), ErrorCodes.prohibitedInUsageLocation);
    expect(v.message).toContain('Viva Engage (Yammer Enterprise) in Office 365 E3 is not offered in RU');
    expect(v.target).toBe(USER_ID);
    expect(evalGroup({ user: noLocation, group: group([add(E3, [PLAN.YAMMER_ENTERPRISE])]), defaultUsageLocation: 'RU' }).violations).toEqual([]);
  });

  test('neither the member nor the organization has one: refused, reported as ProhibitedInUsageLocationViolation', () => {
    const r = evalGroup({ user: noLocation, group: group([add(PBI)]), defaultUsageLocation: null });
    const v = only(r, ErrorCodes.usageLocationRequired);
    expect(codes(r)).toEqual([ErrorCodes.usageLocationRequired]);
    expect(v.message).toContain(`${WHO} has no usage location`);
    expect(v.target).toBe(USER_ID);
    expect(assignmentError(v.code)).toBe('ProhibitedInUsageLocationViolation');
    expect(groupPaths(group([add(PBI)]), [], NOW, v)[0].error).toBe('ProhibitedInUsageLocationViolation');
  });

  test('a member without location and no default: even a product the member already had is refused', () => {
    const r = evalGroup({ user: member([viaGroup(PBI)], { usageLocation: null }), group: group([add(PBI)]) });
    expect(codes(r)).toEqual([ErrorCodes.usageLocationRequired]);
  });

  test('an empty default counts as none', () => {
    expect(codes(evalGroup({ user: noLocation, group: group([add(PBI)]), defaultUsageLocation: '' }))).toEqual([ErrorCodes.usageLocationRequired]);
  });

  test('a location in lower case is compared in upper case', () => {
    expect(codes(evalGroup({ user: member([], { usageLocation: 'cn' }), group: group([add(E3)]) }))).toEqual([ErrorCodes.prohibitedInUsageLocation]);
    expect(codes(evalGroup({ user: noLocation, group: group([add(E3)]), defaultUsageLocation: 'ru' }))).toEqual([ErrorCodes.prohibitedInUsageLocation]);
  });
});

describe('evaluateGroupPaths: plans not offered in the usage location', () => {
  describe('Yammer (in E1 and E3) is not offered in CN or RU', () => {
    test.each(['CN', 'RU'])('%s: refused, naming the plan and how to switch it off', (loc) => {
      const r = evalGroup({ user: member([], { usageLocation: loc }), group: group([add(E3)]) });
      const v = only(r, ErrorCodes.prohibitedInUsageLocation);
      expect(codes(r)).toEqual([ErrorCodes.prohibitedInUsageLocation]);
      expect(v.message).toBe(
        `Viva Engage (Yammer Enterprise) in Office 365 E3 is not offered in ${loc}, the usage location of ${WHO}. Switch YAMMER_ENTERPRISE off (disabledPlans: ${PLAN.YAMMER_ENTERPRISE}) or change the user's usage location.`,
      );
    });

    test.each(['CN', 'RU'])('%s: applies with Yammer switched off by the group', (loc) => {
      expect(evalGroup({ user: member([], { usageLocation: loc }), group: group([add(E3, [PLAN.YAMMER_ENTERPRISE])]) }).violations).toEqual([]);
    });

    test.each(['US', 'DE', 'IN', 'AE'])('%s: applies', (loc) => {
      expect(evalGroup({ user: member([], { usageLocation: loc }), group: group([add(E3)]) }).violations).toEqual([]);
    });

    test('E1 has Yammer too: refused in CN, applies with Yammer switched off by the group', () => {
      const v = only(evalGroup({ user: member([], { usageLocation: 'CN' }), group: group([add(E1)]) }), ErrorCodes.prohibitedInUsageLocation);
      expect(v.message).toContain('Viva Engage (Yammer Enterprise) in Office 365 E1 is not offered in CN');
      expect(evalGroup({ user: member([], { usageLocation: 'CN' }), group: group([add(E1, [PLAN.YAMMER_ENTERPRISE])]) }).violations).toEqual([]);
    });
  });

  describe('Teams Phone is not offered in CN, IN or AE', () => {
    test.each(['CN', 'IN', 'AE'])('%s: refused (Teams from a direct E1)', (loc) => {
      const r = evalGroup({ user: member([direct(E1)], { usageLocation: loc }), group: group([add(PHONE)]) });
      const v = only(r, ErrorCodes.prohibitedInUsageLocation);
      expect(codes(r)).toEqual([ErrorCodes.prohibitedInUsageLocation]);
      expect(v.message).toContain(`Microsoft Teams Phone in Microsoft Teams Phone Standard is not offered in ${loc}`);
    });

    test.each(['US', 'RU', 'GB'])('%s: applies', (loc) => {
      expect(evalGroup({ user: member([direct(E1)], { usageLocation: loc }), group: group([add(PHONE)]) }).violations).toEqual([]);
    });

    test('through the default location too', () => {
      const r = evalGroup({ user: member([direct(E1)], { usageLocation: null }), group: group([add(PHONE)]), defaultUsageLocation: 'AE' });
      expect(codes(r)).toEqual([ErrorCodes.prohibitedInUsageLocation]);
    });
  });

  test("only the group's products are checked: a product the member has from elsewhere is not blamed on the group", () => {
    const r = evalGroup({ user: member([direct(E3)], { usageLocation: 'CN' }), group: group([add(PBI)]) });
    expect(r.violations).toEqual([]);
  });

  test('a group with both E3 and Teams Phone in IN: only the phone is refused', () => {
    const r = evalGroup({ user: member([], { usageLocation: 'IN' }), group: group([add(E3), add(PHONE)]) });
    expect(codes(r)).toEqual([ErrorCodes.prohibitedInUsageLocation]);
    expect(r.violations[0].message).toContain('Microsoft Teams Phone');
  });

  test('a group with both E3 and Teams Phone in CN: both plans refused', () => {
    const r = evalGroup({ user: member([], { usageLocation: 'CN' }), group: group([add(E3), add(PHONE)]) });
    expect(codes(r)).toEqual([ErrorCodes.prohibitedInUsageLocation, ErrorCodes.prohibitedInUsageLocation]);
  });
});

describe('evaluateGroupPaths: conflicting plans (one Exchange Online plan per mailbox)', () => {
  test('with a direct assignment: refused, the member already has the other product', () => {
    const r = evalGroup({ user: member([direct(E1)]), group: group([add(E3)]) });
    const v = only(r, ErrorCodes.mutuallyExclusiveViolation);
    expect(codes(r)).toEqual([ErrorCodes.mutuallyExclusiveViolation]);
    expect(v.target).toBe(USER_ID);
    expect(v.message).toBe(
      `Exchange Online (Plan 2) in Office 365 E3 conflicts with Exchange Online (Plan 1) in Office 365 E1, which ${WHO} already has. ` +
        `Switch one of them off (disabledPlans: ${PLAN.EXCHANGE_S_ENTERPRISE} in ENTERPRISEPACK, or ${PLAN.EXCHANGE_S_STANDARD} in STANDARDPACK), or remove Office 365 E1 from the user first.`,
    );
    expect(assignmentError(v.code)).toBe('MutuallyExclusiveViolation');
  });

  test('E1 through the group against a direct E3: told from the group side', () => {
    const v = only(evalGroup({ user: member([direct(E3)]), group: group([add(E1)]) }), ErrorCodes.mutuallyExclusiveViolation);
    expect(v.message).toMatch(/^Exchange Online \(Plan 1\) in Office 365 E1 conflicts with Exchange Online \(Plan 2\) in Office 365 E3, which/);
  });

  test('with a direct Exchange Online (Plan 1)', () => {
    expect(codes(evalGroup({ user: member([direct(EXO1)]), group: group([add(E3)]) }))).toEqual([ErrorCodes.mutuallyExclusiveViolation]);
  });

  test("with an earlier group's path (in the base)", () => {
    const earlier = viaGroup(E1, [], OTHER_GROUP);
    const r = evalGroup({ user: member([earlier]), base: [earlier], group: group([add(E3)]) });
    const v = only(r, ErrorCodes.mutuallyExclusiveViolation);
    expect(v.message).toContain(`which ${WHO} already has`);
  });

  test("not with an earlier group's path that failed (Error paths give nothing)", () => {
    const earlier = failed(viaGroup(E1, [], OTHER_GROUP), 'CountViolation');
    expect(evalGroup({ group: group([add(E3)]), base: [earlier], previous: [earlier] }).violations).toEqual([]);
  });

  test('not with a path the member no longer has (stored before, not in the base)', () => {
    const gone = viaGroup(E1, [], OTHER_GROUP);
    expect(evalGroup({ user: member([gone]), base: [], group: group([add(E3)]) }).violations).toEqual([]);
  });

  test('not when the other Exchange plan is switched off on the direct path', () => {
    expect(evalGroup({ user: member([direct(E1, [PLAN.EXCHANGE_S_STANDARD])]), group: group([add(E3)]) }).violations).toEqual([]);
  });

  test('not when the group switches its Exchange plan off', () => {
    expect(evalGroup({ user: member([direct(E1)]), group: group([add(E3, [PLAN.EXCHANGE_S_ENTERPRISE])]) }).violations).toEqual([]);
  });

  test('both products in the same group: this change would give both', () => {
    const r = evalGroup({ group: group([add(E1), add(E3)]) });
    const v = only(r, ErrorCodes.mutuallyExclusiveViolation);
    expect(v.message).toContain(`; this change would give ${WHO} both.`);
    expect(v.message).toContain('or leave');
  });

  test('the same product through the group and directly does not conflict with itself', () => {
    expect(evalGroup({ user: member([direct(E3)]), group: group([add(E3)]) }).violations).toEqual([]);
  });

  test('a conflict the member already had is not blamed on the group', () => {
    // two direct products that conflict (e.g. from before the rule existed): an unrelated group still applies
    const user = member([direct(E1), direct(E3)]);
    expect(evalGroup({ user, group: group([add(PBI)]) }).violations).toEqual([]);
  });
});

describe('evaluateGroupPaths: dependent plans', () => {
  // Planner and Project Plan 3 has its own SharePoint (Plan 2): the dependency bites when the group switches it off
  describe('Project Online Service needs SharePoint', () => {
    const OWN_SHAREPOINT_OFF = [PLAN.SHAREPOINTENTERPRISE, PLAN.SHAREPOINTWAC];

    test("met by the product's own SharePoint: a member without other products gets it", () => {
      const r = evalGroup({ group: group([add(PROJECT)]) });
      expect(r.violations).toEqual([]);
      expect(r.newProducts).toEqual([PROJECT]);
    });

    test('its SharePoint switched off by the group, none elsewhere: refused, naming both SharePoint plans', () => {
      const r = evalGroup({ group: group([add(PROJECT, OWN_SHAREPOINT_OFF)]) });
      const v = only(r, ErrorCodes.dependencyViolation);
      expect(codes(r)).toEqual([ErrorCodes.dependencyViolation]);
      expect(v.message).toBe(
        `Project Online Service in Planner and Project Plan 3 needs SharePoint (Plan 2) or SharePoint (Plan 1), which ${WHO} does not have enabled. ` +
          `Assign a product with SharePoint (Plan 2) or SharePoint (Plan 1) (or switch it on) first, or switch SHAREPOINT_PROJECT off (disabledPlans: ${PLAN.SHAREPOINT_PROJECT}).`,
      );
      expect(v.target).toBe(USER_ID);
      expect(assignmentError(v.code)).toBe('DependencyViolation');
    });

    test('its SharePoint off: satisfied by a direct E3 (SharePoint Plan 2)', () => {
      expect(evalGroup({ user: member([direct(E3)]), group: group([add(PROJECT, OWN_SHAREPOINT_OFF)]) }).violations).toEqual([]);
    });

    test('its SharePoint off: satisfied by a direct E1 (SharePoint Plan 1)', () => {
      expect(evalGroup({ user: member([direct(E1)]), group: group([add(PROJECT, OWN_SHAREPOINT_OFF)]) }).violations).toEqual([]);
    });

    test("its SharePoint off: satisfied by another group's path", () => {
      const earlier = viaGroup(E1, [], OTHER_GROUP);
      expect(evalGroup({ user: member([earlier]), base: [earlier], group: group([add(PROJECT, OWN_SHAREPOINT_OFF)]) }).violations).toEqual([]);
    });

    test('its SharePoint off: satisfied by a product of the same group', () => {
      expect(evalGroup({ group: group([add(PROJECT, OWN_SHAREPOINT_OFF), add(E3)]) }).violations).toEqual([]);
    });

    test('its SharePoint off: satisfied by a direct Project that keeps SharePoint on (plans are the union of the paths)', () => {
      expect(evalGroup({ user: member([direct(PROJECT)]), group: group([add(PROJECT, OWN_SHAREPOINT_OFF)]) }).violations).toEqual([]);
    });

    test("its SharePoint off: unmet when the other group's path failed", () => {
      const earlier = failed(viaGroup(E3, [], OTHER_GROUP));
      expect(codes(evalGroup({ group: group([add(PROJECT, OWN_SHAREPOINT_OFF)]), base: [earlier], previous: [earlier] }))).toEqual([
        ErrorCodes.dependencyViolation,
      ]);
    });

    test('its SharePoint off: unmet when the direct path has SharePoint switched off too', () => {
      const user = member([direct(E3, OWN_SHAREPOINT_OFF)]);
      expect(codes(evalGroup({ user, group: group([add(PROJECT, OWN_SHAREPOINT_OFF)]) }))).toEqual([ErrorCodes.dependencyViolation]);
    });

    test('not checked when the group switches Project Online Service off as well', () => {
      expect(evalGroup({ group: group([add(PROJECT, [...OWN_SHAREPOINT_OFF, PLAN.SHAREPOINT_PROJECT])]) }).violations).toEqual([]);
    });

    test('its SharePoint off: a product with no SharePoint (Exchange Online) does not help', () => {
      expect(codes(evalGroup({ user: member([direct(EXO1)]), group: group([add(PROJECT, OWN_SHAREPOINT_OFF)]) }))).toEqual([ErrorCodes.dependencyViolation]);
    });
  });

  describe('Office for the web needs SharePoint', () => {
    test('the group switches SharePoint off but keeps Office for the web: refused', () => {
      const r = evalGroup({ group: group([add(E3, [PLAN.SHAREPOINTENTERPRISE])]) });
      const v = only(r, ErrorCodes.dependencyViolation);
      expect(v.message).toContain('Office for the web in Office 365 E3 needs SharePoint (Plan 2) or SharePoint (Plan 1)');
    });

    test('SharePoint from a direct E1 satisfies it', () => {
      expect(evalGroup({ user: member([direct(E1, [PLAN.EXCHANGE_S_STANDARD])]), group: group([add(E3, [PLAN.SHAREPOINTENTERPRISE])]) }).violations).toEqual(
        [],
      );
    });

    test('SharePoint from a direct path of the same product satisfies it (plans are the union of the paths)', () => {
      expect(evalGroup({ user: member([direct(E3, [PLAN.TEAMS1])]), group: group([add(E3, [PLAN.SHAREPOINTENTERPRISE])]) }).violations).toEqual([]);
    });

    test('both switched off: nothing to check', () => {
      expect(evalGroup({ group: group([add(E3, [PLAN.SHAREPOINTENTERPRISE, PLAN.SHAREPOINTWAC])]) }).violations).toEqual([]);
    });
  });

  // the dependency across products: Teams Phone has no Teams of its own
  describe('Teams Phone needs Teams', () => {
    test('unmet: refused, naming Teams', () => {
      const v = only(evalGroup({ group: group([add(PHONE)]) }), ErrorCodes.dependencyViolation);
      expect(v.message).toContain('Microsoft Teams Phone in Microsoft Teams Phone Standard needs Microsoft Teams');
      expect(v.message).toContain(`disabledPlans: ${PLAN.MCOEV}`);
    });

    test('satisfied by a direct E1', () => {
      expect(evalGroup({ user: member([direct(E1)]), group: group([add(PHONE)]) }).violations).toEqual([]);
    });

    test("satisfied by another group's E3", () => {
      const earlier = viaGroup(E3, [], OTHER_GROUP);
      expect(evalGroup({ base: [earlier], previous: [earlier], group: group([add(PHONE)]) }).violations).toEqual([]);
    });

    test('unmet when Teams is switched off on the direct path', () => {
      expect(codes(evalGroup({ user: member([direct(E1, [PLAN.TEAMS1])]), group: group([add(PHONE)]) }))).toEqual([ErrorCodes.dependencyViolation]);
    });

    test('satisfied when a second path of E1 keeps Teams on', () => {
      const earlier = viaGroup(E1, [], OTHER_GROUP);
      const user = member([direct(E1, [PLAN.TEAMS1]), earlier]);
      expect(evalGroup({ user, base: user.licenseAssignments, group: group([add(PHONE)]) }).violations).toEqual([]);
    });
  });

  test('a dependency the member already missed is not blamed on the group', () => {
    // a direct Teams Phone without Teams (from before): an unrelated group still applies
    expect(evalGroup({ user: member([direct(PHONE)]), group: group([add(PBI)]) }).violations).toEqual([]);
  });
});

describe('evaluateGroupPaths: several paths for one product use one seat and enable the union of their plans', () => {
  test('a direct path and the group path: both kept; the plans off on both stay off', () => {
    const d = direct(E3, [PLAN.YAMMER_ENTERPRISE, PLAN.TEAMS1]);
    const r = evalGroup({ user: member([d]), group: group([add(E3, [PLAN.TEAMS1, PLAN.SHAREPOINTWAC])]) });
    expect(r.violations).toEqual([]);
    expect(r.next).toHaveLength(2);
    expect(r.next[0]).toBe(d);
    expect(r.next[1]).toMatchObject({ skuId: E3, assignedByGroup: GROUP_ID, disabledPlans: [PLAN.TEAMS1, PLAN.SHAREPOINTWAC] });
    expect(effectiveLicenses(r.next)).toEqual([{ skuId: E3, disabledPlans: [PLAN.TEAMS1] }]);
    expect(r.newProducts).toEqual([]);
  });

  test('two groups: a plan on through either is on', () => {
    const earlier = { ...viaGroup(E3, [PLAN.YAMMER_ENTERPRISE], OTHER_GROUP), lastUpdatedDateTime: NOW };
    const r = evalGroup({ base: [earlier], previous: [], group: group([add(E3, [PLAN.TEAMS1])]) });
    expect(r.violations).toEqual([]);
    expect(effectiveLicenses(r.next)).toEqual([{ skuId: E3, disabledPlans: [] }]);
    expect(r.newProducts).toEqual([]);
  });

  test('Sway (auto-assigned) switched off by the group is off for the member, unless another path keeps it on', () => {
    const alone = evalGroup({ group: group([add(E1, [PLAN.SWAY])]) });
    expect(alone.violations).toEqual([]);
    expect(effectiveLicenses(alone.next)).toEqual([{ skuId: E1, disabledPlans: [PLAN.SWAY] }]);
    const withDirect = evalGroup({ user: member([direct(E1)]), group: group([add(E1, [PLAN.SWAY])]) });
    expect(withDirect.violations).toEqual([]);
    expect(effectiveLicenses(withDirect.next)).toEqual([{ skuId: E1, disabledPlans: [] }]);
  });

  test('three paths (direct and two groups): only what all three switch off is off', () => {
    const d = direct(E3, [PLAN.YAMMER_ENTERPRISE, PLAN.TEAMS1, PLAN.SHAREPOINTWAC]);
    const g2 = viaGroup(E3, [PLAN.YAMMER_ENTERPRISE, PLAN.TEAMS1], OTHER_GROUP);
    const r = evalGroup({ user: member([d, g2]), base: [d, g2], group: group([add(E3, [PLAN.YAMMER_ENTERPRISE])], { id: THIRD_GROUP }) });
    expect(r.violations).toEqual([]);
    expect(effectiveLicenses(r.next)).toEqual([{ skuId: E3, disabledPlans: [PLAN.YAMMER_ENTERPRISE] }]);
  });
});

// ---------------------------------------------------------------------------------------------------------
// checkGroupLicenses
// ---------------------------------------------------------------------------------------------------------

describe("checkGroupLicenses: the group's licenses themselves", () => {
  test('nothing to add: no problems', () => {
    expect(checkGroupLicenses(demoCatalog, [], subs())).toEqual([]);
  });

  test.each(Object.entries(SKU))('%s with every plan on: no problems', (_, skuId) => {
    expect(checkGroupLicenses(demoCatalog, [add(skuId)], subs())).toEqual([]);
  });

  test('several products with plans switched off that may be: no problems', () => {
    expect(
      checkGroupLicenses(
        demoCatalog,
        [add(E3, [PLAN.YAMMER_ENTERPRISE, PLAN.TEAMS1]), add(E1, [PLAN.SHAREPOINTWAC]), add(PROJECT, [PLAN.SHAREPOINT_PROJECT])],
        subs(),
      ),
    ).toEqual([]);
  });

  test('ids in upper case are found (products and plans)', () => {
    expect(checkGroupLicenses(demoCatalog, [add(E3.toUpperCase(), [PLAN.YAMMER_ENTERPRISE.toUpperCase()])], subs())).toEqual([]);
  });

  describe('products', () => {
    test('a product outside the catalog: not subscribed, named by its id; its plans are not looked at', () => {
      expect(checkGroupLicenses(demoCatalog, [add(UNKNOWN_SKU, [UNKNOWN_PLAN])], subs(sub(UNKNOWN_SKU)))).toEqual([
        {
          code: ErrorCodes.productNotSubscribed,
          message: `Your organization has no subscription for product '${UNKNOWN_SKU}'. Buy it first, then assign it to the group.`,
          target: 'addLicenses[0].skuId',
          parameters: { skuId: UNKNOWN_SKU, operation: 'assign' },
        },
      ]);
    });

    test('a catalog product the organization has not bought: not subscribed, named by its display name', () => {
      const m = subs();
      m.delete(PBI);
      expect(checkGroupLicenses(demoCatalog, [add(E3), add(PBI, [UNKNOWN_PLAN])], m)).toEqual([
        {
          code: ErrorCodes.productNotSubscribed,
          message: 'Your organization has no subscription for Power BI Pro. Buy it first, then assign it to the group.',
          target: 'addLicenses[1].skuId',
          parameters: { skuId: PBI, operation: 'assign' },
        },
      ]);
    });

    test('a deleted subscription: not subscribed', () => {
      const v = checkGroupLicenses(demoCatalog, [add(E3)], subs(sub(E3, { status: 'Deleted' })));
      expect(v).toEqual([
        {
          code: ErrorCodes.productNotSubscribed,
          message: expect.stringContaining('no subscription for Office 365 E3'),
          target: 'addLicenses[0].skuId',
          parameters: { skuId: E3, operation: 'assign' },
        },
      ]);
    });

    test('a deleted self-service subscription: not subscribed (only)', () => {
      expect(codes({ violations: checkGroupLicenses(demoCatalog, [add(E3)], subs(sub(E3, { status: 'Deleted', channel: 'selfService' }))) })).toEqual([
        ErrorCodes.productNotSubscribed,
      ]);
    });

    test.each(['Warning', 'Suspended'] as const)('a %s subscription is accepted here (members that cannot get it are put in Error)', (status) => {
      expect(checkGroupLicenses(demoCatalog, [add(E3)], subs(sub(E3, { status })))).toEqual([]);
    });

    test('no seats left is accepted here (members wait for a seat)', () => {
      expect(checkGroupLicenses(demoCatalog, [add(E3)], subs(sub(E3, { total: 1, consumed: 1 })))).toEqual([]);
    });

    test('a self-service subscription: refused until taken over', () => {
      expect(checkGroupLicenses(demoCatalog, [add(PBI)], subs(sub(PBI, { channel: 'selfService' })))).toEqual([
        {
          code: ErrorCodes.selfServiceSubscription,
          message: 'Power BI Pro was bought through self-service; take the subscription over before assigning it to a group.',
          target: 'addLicenses[0].skuId',
          parameters: { skuId: PBI, operation: 'assign' },
        },
      ]);
    });

    test("a self-service subscription's disabled plans are still checked", () => {
      const v = checkGroupLicenses(demoCatalog, [add(E3, [UNKNOWN_PLAN])], subs(sub(E3, { channel: 'selfService' })));
      expect(v.map((x) => [x.code, x.target])).toEqual([
        [ErrorCodes.selfServiceSubscription, 'addLicenses[0].skuId'],
        [ErrorCodes.unknownServicePlan, 'addLicenses[0].disabledPlans'],
      ]);
    });
  });

  describe('disabled plans', () => {
    test('a plan that is not in the product: unknown', () => {
      expect(checkGroupLicenses(demoCatalog, [add(E3, [UNKNOWN_PLAN])], subs())).toEqual([
        {
          code: ErrorCodes.unknownServicePlan,
          message: `Service plan '${UNKNOWN_PLAN}' is not part of Office 365 E3.`,
          target: 'addLicenses[0].disabledPlans',
          parameters: { skuId: E3, servicePlanId: UNKNOWN_PLAN },
        },
      ]);
    });

    test("a plan of another product is unknown in this one (E1's Exchange plan in E3, Project's in E3)", () => {
      const v = checkGroupLicenses(demoCatalog, [add(E3, [PLAN.EXCHANGE_S_STANDARD, PLAN.SHAREPOINT_PROJECT])], subs());
      expect(v.map((x) => x.code)).toEqual([ErrorCodes.unknownServicePlan, ErrorCodes.unknownServicePlan]);
      expect(v[0].message).toBe(`Service plan '${PLAN.EXCHANGE_S_STANDARD}' is not part of Office 365 E3.`);
      expect(v[1].message).toBe(`Service plan '${PLAN.SHAREPOINT_PROJECT}' is not part of Office 365 E3.`);
    });

    test('an unknown plan is quoted as given', () => {
      expect(checkGroupLicenses(demoCatalog, [add(E1, ['NOT-A-PLAN'])], subs())[0].message).toBe("Service plan 'NOT-A-PLAN' is not part of Office 365 E1.");
    });

    // Sway comes with the product on its own (no separate assignment), but is not locked: a group may switch it off
    test.each([E3, E1])('Sway (auto-assigned) switched off in %s: accepted', (skuId) => {
      expect(checkGroupLicenses(demoCatalog, [add(skuId, [PLAN.SWAY])], subs())).toEqual([]);
    });

    test('Sway in upper case: accepted too', () => {
      expect(checkGroupLicenses(demoCatalog, [add(E3, [PLAN.SWAY.toUpperCase()])], subs())).toEqual([]);
    });

    test('one problem per offending plan; the fine ones (Sway among them) are not reported', () => {
      const v = checkGroupLicenses(demoCatalog, [add(E3, [PLAN.YAMMER_ENTERPRISE, UNKNOWN_PLAN, PLAN.SWAY, PLAN.TEAMS1])], subs());
      expect(v).toEqual([
        {
          code: ErrorCodes.unknownServicePlan,
          message: `Service plan '${UNKNOWN_PLAN}' is not part of Office 365 E3.`,
          target: 'addLicenses[0].disabledPlans',
          parameters: { skuId: E3, servicePlanId: UNKNOWN_PLAN },
        },
      ]);
    });
  });

  test("targets name each license by its index, problems in the request's order", () => {
    const m = subs(sub(PBI, { channel: 'selfService' }));
    m.delete(PROJECT);
    const v = checkGroupLicenses(
      demoCatalog,
      [add(E3), add(UNKNOWN_SKU), add(E1, [PLAN.SWAY, UNKNOWN_PLAN]), add(PBI), add(PROJECT), add(EXO1, [UNKNOWN_PLAN])],
      m,
    );
    expect(v.map((x) => [x.code, x.target])).toEqual([
      [ErrorCodes.productNotSubscribed, 'addLicenses[1].skuId'],
      [ErrorCodes.unknownServicePlan, 'addLicenses[2].disabledPlans'],
      [ErrorCodes.selfServiceSubscription, 'addLicenses[3].skuId'],
      [ErrorCodes.productNotSubscribed, 'addLicenses[4].skuId'],
      [ErrorCodes.unknownServicePlan, 'addLicenses[5].disabledPlans'],
    ]);
  });

  test('the subscriptions are looked up by the lower-case id', () => {
    // the map is keyed by lower-case skuId, as the usecases build it
    expect(checkGroupLicenses(demoCatalog, [add(PBI.toUpperCase())], subs(sub(PBI, { channel: 'selfService' })))[0].code).toBe(
      ErrorCodes.selfServiceSubscription,
    );
  });
});
