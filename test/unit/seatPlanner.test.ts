import { LicenseAssignment } from '../../shared/domain/licensing';
import { checkReduction, Holder, OVER_ASSIGNMENT_WINDOW_DAYS, planReduction } from '../../shared/domain/seatPlanner';
import { ErrorCodes } from '../../shared/errors';
import { direct, GROUP_ID, NOW, SKU, viaGroup } from './fixtures';

const E3 = SKU.ENTERPRISEPACK;
const E1 = SKU.STANDARDPACK;
const OTHER_GROUP = 'c0ffee00-0000-4000-8000-00000000000b';
const NOW_DATE = new Date(NOW);
const DAY = 86_400_000;

/** A user id that sorts by its number. */
const uid = (n: number) => `a1b2c3d4-0000-4000-8000-0000000000${String(n).padStart(2, '0')}`;
/** 2025-01-dd, a day per number. */
const jan = (d: number) => `2025-01-${String(d).padStart(2, '0')}T08:00:00.000Z`;
const ago = (ms: number) => new Date(NOW_DATE.getTime() - ms).toISOString();

const holder = (n: number, ...licenseAssignments: LicenseAssignment[]): Holder => ({
  userId: uid(n),
  displayName: `User ${n}`,
  userPrincipalName: `user${n}@contoso.example`,
  licenseAssignments,
});
const viaGroupAt = (skuId: string, groupId: string, at: string): LicenseAssignment => ({
  ...viaGroup(skuId, [], groupId),
  assignedDateTime: at,
  lastUpdatedDateTime: at,
});
const failed = (a: LicenseAssignment): LicenseAssignment => ({ ...a, state: 'Error', error: 'CountViolation', errorMessage: 'Through group X: no seat' });

const plan = (holders: Holder[], newTotal: number, overAssignedSince?: string | null) => planReduction(E3, holders, newTotal, NOW_DATE, overAssignedSince);
const ids = (r: ReturnType<typeof planReduction>) => r.usersOverTheLine.map((h) => h.userId);

/** Five users with a direct E3, assigned on 1..5 January, given in a scrambled order. */
const five = () => [3, 1, 5, 2, 4].map((n) => holder(n, direct(E3, [], jan(n))));

// ---------------------------------------------------------------------------------------------------------
// planReduction
// ---------------------------------------------------------------------------------------------------------

describe('planReduction', () => {
  test('the window is 90 days', () => {
    expect(OVER_ASSIGNMENT_WINDOW_DAYS).toBe(90);
  });

  test('nobody holds the product', () => {
    expect(plan([], 5)).toStrictEqual({ assigned: 0, newTotal: 5, overBy: 0, windowDays: 90, daysLeft: null, usersOverTheLine: [] });
    expect(plan([], 0)).toStrictEqual({ assigned: 0, newTotal: 0, overBy: 0, windowDays: 90, daysLeft: null, usersOverTheLine: [] });
  });

  describe('who is over the line: first come, first kept', () => {
    test('the most recently assigned beyond the new total, oldest of them first', () => {
      const r = plan(five(), 3);
      expect(r).toMatchObject({ assigned: 5, newTotal: 3, overBy: 2 });
      expect(ids(r)).toEqual([uid(4), uid(5)]);
    });

    test('the order of the holders given does not matter', () => {
      const h = five();
      expect(ids(plan([...h].reverse(), 2))).toEqual(ids(plan(h, 2)));
      expect(ids(plan(h, 2))).toEqual([uid(3), uid(4), uid(5)]);
    });

    test('new total 0: everyone, earliest first', () => {
      expect(ids(plan(five(), 0))).toEqual([1, 2, 3, 4, 5].map(uid));
    });

    test('the same assignment time: by user id', () => {
      const h = [7, 2, 9, 5].map((n) => holder(n, direct(E3, [], jan(10))));
      expect(ids(plan(h, 0))).toEqual([uid(2), uid(5), uid(7), uid(9)]);
      expect(ids(plan(h, 2))).toEqual([uid(7), uid(9)]);
    });

    test('time first, id only to break ties', () => {
      const h = [holder(1, direct(E3, [], jan(20))), holder(9, direct(E3, [], jan(2))), holder(5, direct(E3, [], jan(20)))];
      expect(ids(plan(h, 0))).toEqual([uid(9), uid(1), uid(5)]);
      expect(ids(plan(h, 1))).toEqual([uid(1), uid(5)]);
    });

    test('times are compared precisely, to the millisecond', () => {
      const h = [holder(1, direct(E3, [], '2025-01-05T08:00:00.002Z')), holder(2, direct(E3, [], '2025-01-05T08:00:00.001Z'))];
      expect(ids(plan(h, 1))).toEqual([uid(1)]);
    });
  });

  describe("a holder's assignment time is the earliest active path", () => {
    test('a group path older than the direct one counts', () => {
      const early = holder(9, direct(E3, [], jan(20)), viaGroupAt(E3, GROUP_ID, jan(1)));
      const r = plan([early, holder(1, direct(E3, [], jan(10)))], 1);
      expect(r.usersOverTheLine).toEqual([expect.objectContaining({ userId: uid(1), assignedDateTime: jan(10) })]);
      expect(plan([early], 0).usersOverTheLine[0].assignedDateTime).toBe(jan(1));
    });

    test('a direct path older than the group ones counts', () => {
      expect(
        plan([holder(1, viaGroupAt(E3, GROUP_ID, jan(9)), direct(E3, [], jan(3)), viaGroupAt(E3, OTHER_GROUP, jan(5)))], 0).usersOverTheLine[0]
          .assignedDateTime,
      ).toBe(jan(3));
    });

    test('an Error path does not count, however old', () => {
      const h = holder(1, failed(viaGroupAt(E3, GROUP_ID, jan(1))), direct(E3, [], jan(15)));
      expect(plan([h], 0).usersOverTheLine[0].assignedDateTime).toBe(jan(15));
      // so a later direct path of someone else is older
      expect(ids(plan([h, holder(2, direct(E3, [], jan(10)))], 1))).toEqual([uid(1)]);
    });

    test('paths of other products do not count', () => {
      const h = holder(1, direct(E1, [], jan(1)), direct(E3, [], jan(12)));
      expect(plan([h], 0).usersOverTheLine[0].assignedDateTime).toBe(jan(12));
    });
  });

  describe('who counts as a holder', () => {
    test('users without an active path for the product are left out', () => {
      const h = [
        holder(1, direct(E3, [], jan(1))),
        holder(2), // nothing at all
        holder(3, direct(E1, [], jan(1))), // another product
        holder(4, failed(viaGroupAt(E3, GROUP_ID, jan(1)))), // waiting for a seat
        holder(5, { ...direct(E3, [], jan(1)), state: 'Error', error: 'Other' }),
        holder(6, viaGroupAt(E3, GROUP_ID, jan(2))),
        holder(7, { ...direct(E3, [], jan(3)), state: 'Active' }),
      ];
      const r = plan(h, 1);
      expect(r.assigned).toBe(3);
      expect(r.overBy).toBe(2);
      expect(ids(plan(h, 0))).toEqual([uid(1), uid(6), uid(7)]);
    });
  });

  describe('inheritedFrom and hasDirectAssignment', () => {
    test('direct only', () => {
      expect(plan([holder(1, direct(E3, [], jan(1)))], 0).usersOverTheLine).toStrictEqual([
        {
          userId: uid(1),
          displayName: 'User 1',
          userPrincipalName: 'user1@contoso.example',
          assignedDateTime: jan(1),
          inheritedFrom: [],
          hasDirectAssignment: true,
        },
      ]);
    });

    test('through groups only', () => {
      expect(plan([holder(1, viaGroupAt(E3, GROUP_ID, jan(2)), viaGroupAt(E3, OTHER_GROUP, jan(1)))], 0).usersOverTheLine).toStrictEqual([
        {
          userId: uid(1),
          displayName: 'User 1',
          userPrincipalName: 'user1@contoso.example',
          assignedDateTime: jan(1),
          inheritedFrom: [GROUP_ID, OTHER_GROUP],
          hasDirectAssignment: false,
        },
      ]);
    });

    test('both', () => {
      const [p] = plan([holder(1, direct(E3, [], jan(4)), viaGroupAt(E3, GROUP_ID, jan(2)))], 0).usersOverTheLine;
      expect(p).toMatchObject({ inheritedFrom: [GROUP_ID], hasDirectAssignment: true, assignedDateTime: jan(2) });
    });

    test('Error paths are ignored: a failed group is not inherited from, a failed direct path is not direct', () => {
      const [p] = plan([holder(1, direct(E3, [], jan(4)), failed(viaGroupAt(E3, GROUP_ID, jan(2))))], 0).usersOverTheLine;
      expect(p).toMatchObject({ inheritedFrom: [], hasDirectAssignment: true, assignedDateTime: jan(4) });
      const [q] = plan([holder(2, { ...direct(E3, [], jan(1)), state: 'Error', error: 'Other' }, viaGroupAt(E3, OTHER_GROUP, jan(3)))], 0).usersOverTheLine;
      expect(q).toMatchObject({ inheritedFrom: [OTHER_GROUP], hasDirectAssignment: false, assignedDateTime: jan(3) });
    });

    test("another product's group path is not inherited", () => {
      const [p] = plan([holder(1, direct(E3, [], jan(4)), viaGroupAt(E1, GROUP_ID, jan(2)))], 0).usersOverTheLine;
      expect(p).toMatchObject({ inheritedFrom: [], hasDirectAssignment: true });
    });

    test('the holders over the line carry no license assignments (only what the plan lists)', () => {
      const [p] = plan([holder(1, direct(E3, [], jan(1)))], 0).usersOverTheLine;
      expect(Object.keys(p).sort()).toEqual(['assignedDateTime', 'displayName', 'hasDirectAssignment', 'inheritedFrom', 'userId', 'userPrincipalName']);
    });
  });

  describe('overBy', () => {
    test.each([
      [0, 5],
      [1, 4],
      [2, 3],
      [3, 2],
      [4, 1],
      [5, 0],
      [6, 0],
      [100, 0],
    ])('five holders, new total %i: over by %i, that many over the line', (newTotal, overBy) => {
      const r = plan(five(), newTotal);
      expect(r.overBy).toBe(overBy);
      expect(r.usersOverTheLine).toHaveLength(overBy);
      expect(r.assigned).toBe(5);
      expect(r.newTotal).toBe(newTotal);
    });

    test('a user holding the product through several paths is counted once', () => {
      const h = [holder(1, direct(E3, [], jan(1)), viaGroupAt(E3, GROUP_ID, jan(2)), viaGroupAt(E3, OTHER_GROUP, jan(3))), holder(2, direct(E3, [], jan(2)))];
      expect(plan(h, 1)).toMatchObject({ assigned: 2, overBy: 1 });
    });
  });

  describe('daysLeft in the 90-day over-assignment window', () => {
    test('no over-assignment: null', () => {
      expect(plan(five(), 5).daysLeft).toBeNull();
      expect(plan(five(), 9).daysLeft).toBeNull();
      expect(plan([], 0).daysLeft).toBeNull();
    });

    test('no over-assignment: null, even while the subscription is marked over-assigned since earlier', () => {
      // e.g. the plan for raising the seats back above the holders, or a mark the reconciliation has not cleared yet
      expect(plan(five(), 5, ago(10 * DAY)).daysLeft).toBeNull();
      expect(plan(five(), 7, NOW).daysLeft).toBeNull();
    });

    test('an over-assignment that would start now: the full 90 days', () => {
      expect(plan(five(), 4).daysLeft).toBe(90);
      expect(plan(five(), 4, null).daysLeft).toBe(90);
      expect(plan(five(), 4, undefined).daysLeft).toBe(90);
      expect(plan(five(), 0, NOW).daysLeft).toBe(90);
    });

    test.each([
      [1, 90], // 1 ms
      [DAY - 1, 90],
      [DAY, 89],
      [10 * DAY, 80],
      [10.5 * DAY, 80],
      [89 * DAY, 1],
      [90 * DAY - 1, 1],
      [90 * DAY, 0],
      [90 * DAY + 1, 0],
      [91 * DAY, 0],
      [400 * DAY, 0],
    ])('over-assigned since %i ms ago: %i days left, never below 0', (ms, days) => {
      expect(plan(five(), 3, ago(ms)).daysLeft).toBe(days);
    });

    test('the window is counted from the earlier mark, not from now', () => {
      const since = ago(30 * DAY);
      expect(plan(five(), 4, since).daysLeft).toBe(60);
      expect(plan(five(), 0, since).daysLeft).toBe(60);
    });

    test('windowDays is always reported', () => {
      expect(plan(five(), 3).windowDays).toBe(90);
      expect(plan(five(), 9).windowDays).toBe(90);
    });
  });

  test('newTotal at or above the holders: nobody over the line, nothing to count down', () => {
    for (const n of [5, 6, 50]) {
      expect(plan(five(), n)).toStrictEqual({ assigned: 5, newTotal: n, overBy: 0, windowDays: 90, daysLeft: null, usersOverTheLine: [] });
    }
  });

  test('the holders given are not modified', () => {
    const h = five();
    const copy = JSON.stringify(h);
    plan(h, 1, ago(DAY));
    expect(JSON.stringify(h)).toBe(copy);
  });
});

// ---------------------------------------------------------------------------------------------------------
// checkReduction
// ---------------------------------------------------------------------------------------------------------

describe('checkReduction', () => {
  /**
   * Users 1..5 hold E3 directly (assigned 1..5 January); user 3 also through GROUP_ID, user 6 through two
   * groups only. Six holders.
   */
  const holders = () => [
    holder(1, direct(E3, [], jan(1))),
    holder(2, direct(E3, [], jan(2))),
    holder(3, direct(E3, [], jan(3)), viaGroupAt(E3, GROUP_ID, jan(8))),
    holder(4, direct(E3, [], jan(4))),
    holder(5, direct(E3, [], jan(5))),
    holder(6, viaGroupAt(E3, GROUP_ID, jan(6)), viaGroupAt(E3, OTHER_GROUP, jan(7))),
    holder(7, direct(E1, [], jan(1))), // another product
    holder(8, failed(viaGroupAt(E3, GROUP_ID, jan(1)))), // waiting for a seat
  ];
  /** As the usecase calls it: the plan for the new total, and every holder (the plan for 0). */
  const check = (newTotal: number, unassign: string[]) => {
    const h = holders();
    return checkReduction(plan(h, newTotal), plan(h, 0).usersOverTheLine, unassign);
  };

  describe('users who do not hold the product', () => {
    test.each([
      ['unknown', 'deadbeef-0000-4000-8000-000000000000'],
      ['holds another product only', uid(7)],
      ['waits for a seat (Error path only)', uid(8)],
    ])('%s: licenseNotAssigned, naming the user as given', (_, id) => {
      expect(check(4, [uid(1), id])).toEqual([
        {
          code: ErrorCodes.licenseNotAssigned,
          message: `User ${id} does not hold this product.`,
          target: 'unassignUserIds[1]',
          parameters: { userId: id, operation: 'remove' },
        },
      ]);
    });

    test('an id in upper case is found', () => {
      expect(check(5, [uid(1).toUpperCase()])).toEqual([]);
    });
  });

  describe('users who also get the product through a group', () => {
    test('refused: removing the direct license frees no seat', () => {
      expect(check(5, [uid(3)])).toEqual([
        {
          code: ErrorCodes.licenseInheritedFromGroup,
          message: `User 3 (user3@contoso.example) also gets this product through group(s) ${GROUP_ID}: removing the direct license frees no seat. Remove the user from those groups, or pick someone else.`,
          target: 'unassignUserIds[0]',
          parameters: { userId: uid(3), groupIds: [GROUP_ID] },
        },
      ]);
    });

    test('a user with group paths only: the groups listed, comma-separated', () => {
      const [p] = check(5, [uid(6)]);
      expect(p.code).toBe(ErrorCodes.licenseInheritedFromGroup);
      expect(p.message).toContain(`through group(s) ${GROUP_ID}, ${OTHER_GROUP}:`);
    });

    test('refused even when the others picked would be enough', () => {
      expect(check(4, [uid(1), uid(2), uid(3)]).map((p) => [p.code, p.target])).toEqual([[ErrorCodes.licenseInheritedFromGroup, 'unassignUserIds[2]']]);
    });
  });

  test('several problems: one each, by position; the count is not judged on top', () => {
    expect(check(2, ['deadbeef-0000-4000-8000-000000000000', uid(1), uid(6), uid(3)]).map((p) => [p.code, p.target])).toEqual([
      [ErrorCodes.licenseNotAssigned, 'unassignUserIds[0]'],
      [ErrorCodes.licenseInheritedFromGroup, 'unassignUserIds[2]'],
      [ErrorCodes.licenseInheritedFromGroup, 'unassignUserIds[3]'],
    ]);
  });

  describe('enough users picked', () => {
    test('not enough: says how many more (one)', () => {
      expect(check(4, [uid(1)])).toEqual([
        {
          code: ErrorCodes.quantityBelowAssigned,
          message:
            'After removing these 1 license(s), 5 would still be assigned, more than the 4 you keep. Pick 1 more user(s); GET .../reductionPlan lists who is over the line.',
          target: 'unassignUserIds',
          parameters: { assigned: 5, requestedTotal: 4, needed: 1 },
        },
      ]);
    });

    test('nobody picked: says how many (all of them)', () => {
      const [p] = check(3, []);
      expect(p.code).toBe(ErrorCodes.quantityBelowAssigned);
      expect(p.message).toBe(
        'After removing these 0 license(s), 6 would still be assigned, more than the 3 you keep. Pick 3 more user(s); GET .../reductionPlan lists who is over the line.',
      );
    });

    test('down to 0: every holder must be picked', () => {
      expect(check(0, [uid(1), uid(2), uid(4)])[0].message).toContain('Pick 3 more user(s)');
    });

    test('exactly enough (not necessarily those over the line): fine', () => {
      expect(check(4, [uid(1), uid(2)])).toEqual([]);
      expect(check(4, [uid(4), uid(5)])).toEqual([]);
    });

    test('more than enough: fine', () => {
      expect(check(4, [uid(1), uid(2), uid(4)])).toEqual([]);
      expect(check(5, [uid(1), uid(2), uid(4), uid(5)])).toEqual([]);
    });

    test('no reduction below the holders: nothing needs picking', () => {
      expect(check(6, [])).toEqual([]);
      expect(check(60, [])).toEqual([]);
      expect(check(6, [uid(1)])).toEqual([]);
    });

    test('a user picked twice frees one seat', () => {
      const [p] = check(4, [uid(1), uid(1)]);
      expect(p).toMatchObject({
        code: ErrorCodes.quantityBelowAssigned,
        message: expect.stringContaining('After removing these 1 license(s), 5 would still be assigned'),
      });
      expect(p.message).toContain('Pick 1 more user(s)');
    });

    test('a user picked twice, in different case, frees one seat', () => {
      expect(check(4, [uid(1), uid(1).toUpperCase()]).map((p) => p.code)).toEqual([ErrorCodes.quantityBelowAssigned]);
      expect(check(4, [uid(1), uid(1).toUpperCase(), uid(2)])).toEqual([]);
    });
  });

  test('the plan with the holders given directly (not through planReduction)', () => {
    const all = plan(holders(), 0).usersOverTheLine;
    const p = { ...plan(holders(), 4) };
    expect(checkReduction(p, all, [uid(5), uid(4)])).toEqual([]);
    expect(checkReduction(p, [], [uid(5)])).toEqual([
      {
        code: ErrorCodes.licenseNotAssigned,
        message: `User ${uid(5)} does not hold this product.`,
        target: 'unassignUserIds[0]',
        parameters: { userId: uid(5), operation: 'remove' },
      },
    ]);
  });
});
