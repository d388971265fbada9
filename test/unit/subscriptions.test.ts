import { demoCatalog, SKU } from './fixtures';
import { CapabilityStatus, PurchaseChannel } from '../../shared/domain/licensing';
import { checkSubscriptionChange, checkTakeOver, LIFECYCLE, SubscriptionState } from '../../shared/domain/subscriptions';
import { ErrorCodes } from '../../shared/errors';

const STATES: CapabilityStatus[] = ['Enabled', 'Warning', 'Suspended', 'Deleted'];

const state = (o: Partial<SubscriptionState> = {}): SubscriptionState => ({
  skuId: SKU.ENTERPRISEPACK,
  capabilityStatus: 'Enabled',
  totalLicenses: 10,
  consumedUnits: 4,
  purchaseChannel: 'admin',
  ...o,
});

/** Active -> Warning -> Suspended -> Deleted; renewals go back to Enabled (licensing-reference.md). */
const ALLOWED: [CapabilityStatus, CapabilityStatus][] = [
  ['Enabled', 'Warning'],
  ['Warning', 'Enabled'],
  ['Warning', 'Suspended'],
  ['Suspended', 'Enabled'],
  ['Suspended', 'Deleted'],
];
const isAllowed = (from: CapabilityStatus, to: CapabilityStatus) => ALLOWED.some(([f, t]) => f === from && t === to);

describe('LIFECYCLE', () => {
  test('is exactly the documented lifecycle', () => {
    expect(LIFECYCLE).toEqual({ Enabled: ['Warning'], Warning: ['Enabled', 'Suspended'], Suspended: ['Enabled', 'Deleted'], Deleted: [] });
  });

  test('Deleted is terminal and every other state can get back to Enabled or reach Deleted', () => {
    expect(LIFECYCLE.Deleted).toEqual([]);
    const reachable = (from: CapabilityStatus, seen = new Set<CapabilityStatus>()): Set<CapabilityStatus> => {
      for (const n of LIFECYCLE[from]) if (!seen.has(n)) reachable(n, seen.add(n));
      return seen;
    };
    for (const s of ['Enabled', 'Warning', 'Suspended'] as CapabilityStatus[]) {
      expect(reachable(s).has('Deleted')).toBe(true);
      expect(reachable(s).has('Enabled')).toBe(true);
    }
  });

  test('no state skips a step on the way down (no Enabled -> Suspended/Deleted, no Warning -> Deleted)', () => {
    expect(LIFECYCLE.Enabled).not.toContain('Suspended');
    expect(LIFECYCLE.Enabled).not.toContain('Deleted');
    expect(LIFECYCLE.Warning).not.toContain('Deleted');
  });
});

describe('checkSubscriptionChange: status transitions', () => {
  const pairs = STATES.flatMap((from) => STATES.filter((to) => to !== from).map((to) => [from, to] as const));

  test.each(pairs.filter(([f, t]) => isAllowed(f, t)))('%s -> %s is allowed', (from, to) => {
    expect(checkSubscriptionChange(demoCatalog, state({ capabilityStatus: from }), { status: to })).toEqual([]);
  });

  test.each(pairs.filter(([f, t]) => !isAllowed(f, t)))('%s -> %s is refused, naming both states and the product', (from, to) => {
    const v = checkSubscriptionChange(demoCatalog, state({ capabilityStatus: from }), { status: to });
    expect(v).toHaveLength(1);
    expect(v[0]).toMatchObject({ code: ErrorCodes.invalidLifecycleTransition, target: 'status' });
    expect(v[0].message).toContain(`The Office 365 E3 subscription is ${from} and cannot move to ${to}`);
    if (from === 'Deleted') {
      expect(v[0].message).toMatch(/deleted subscription cannot change; buy the product again/);
    } else {
      // the way out: the states it can move to
      expect(v[0].message).toContain(`From ${from} it can move to ${LIFECYCLE[from].join(' or ')}`);
    }
  });

  test.each(STATES)('%s -> the same state (no move) is not an error', (s) => {
    expect(checkSubscriptionChange(demoCatalog, state({ capabilityStatus: s }), { status: s })).toEqual([]);
  });

  test('Suspended -> Warning names Enabled or Deleted as the ways on', () => {
    const [v] = checkSubscriptionChange(demoCatalog, state({ capabilityStatus: 'Suspended' }), { status: 'Warning' });
    expect(v.message).toMatch(/From Suspended it can move to Enabled or Deleted\./);
  });

  test('an empty change is fine', () => {
    for (const s of STATES) expect(checkSubscriptionChange(demoCatalog, state({ capabilityStatus: s }), {})).toEqual([]);
  });

  test('a product outside the catalog is named by its sku id', () => {
    const [v] = checkSubscriptionChange(demoCatalog, state({ skuId: 'abcdef00-1111-2222-3333-444455556666' }), { status: 'Deleted' });
    expect(v.message).toContain('The abcdef00-1111-2222-3333-444455556666 subscription is Enabled');
  });
});

describe('checkSubscriptionChange: quantity', () => {
  test.each(['Enabled', 'Warning', 'Suspended'] as CapabilityStatus[])('%s: raising or keeping the quantity is fine', (s) => {
    expect(checkSubscriptionChange(demoCatalog, state({ capabilityStatus: s }), { totalLicenses: 50 })).toEqual([]);
    expect(checkSubscriptionChange(demoCatalog, state({ capabilityStatus: s }), { totalLicenses: 10 })).toEqual([]);
  });

  test('lowering down to exactly the assigned count is fine', () => {
    expect(checkSubscriptionChange(demoCatalog, state({ totalLicenses: 10, consumedUnits: 4 }), { totalLicenses: 4 })).toEqual([]);
  });

  test('lowering below the assigned count is refused with the numbers and how to fix it', () => {
    const v = checkSubscriptionChange(demoCatalog, state({ skuId: SKU.EXCHANGESTANDARD, totalLicenses: 10, consumedUnits: 7 }), { totalLicenses: 3 });
    expect(v).toHaveLength(1);
    expect(v[0]).toMatchObject({ code: ErrorCodes.quantityBelowAssigned, target: 'totalLicenses' });
    expect(v[0].message).toContain('7 Exchange Online (Plan 1) licenses are assigned');
    expect(v[0].message).toContain('cannot go down to 3');
    expect(v[0].message).toContain('Remove the license from 4 user(s) first');
    expect(v[0].message).toMatch(/GET \/subscribedSkus\/\{id\}\/assignments/);
  });

  test('one below the assigned count: remove it from 1 user', () => {
    const [v] = checkSubscriptionChange(demoCatalog, state({ consumedUnits: 5 }), { totalLicenses: 4 });
    expect(v.code).toBe(ErrorCodes.quantityBelowAssigned);
    expect(v.message).toContain('Remove the license from 1 user(s)');
  });

  test('lowering to 0 with nobody assigned is fine; with someone assigned it is refused', () => {
    expect(checkSubscriptionChange(demoCatalog, state({ consumedUnits: 0 }), { totalLicenses: 0 })).toEqual([]);
    expect(checkSubscriptionChange(demoCatalog, state({ consumedUnits: 1 }), { totalLicenses: 0 }).map((v) => v.code)).toEqual([
      ErrorCodes.quantityBelowAssigned,
    ]);
  });

  test.each(['Warning', 'Suspended'] as CapabilityStatus[])('%s: lowering below the assigned count is refused too', (s) => {
    const v = checkSubscriptionChange(demoCatalog, state({ capabilityStatus: s, consumedUnits: 6 }), { totalLicenses: 2 });
    expect(v.map((x) => x.code)).toEqual([ErrorCodes.quantityBelowAssigned]);
  });

  test('a Deleted subscription cannot change quantity (up or down), and says to buy again', () => {
    for (const totalLicenses of [0, 5, 100]) {
      const v = checkSubscriptionChange(demoCatalog, state({ capabilityStatus: 'Deleted', consumedUnits: 0 }), { totalLicenses });
      expect(v).toHaveLength(1);
      expect(v[0]).toMatchObject({ code: ErrorCodes.subscriptionNotActive, target: 'totalLicenses' });
      expect(v[0].message).toMatch(/Office 365 E3 subscription is deleted; its quantity cannot change\. Buy the product again/);
    }
  });

  test('quantity and status problems are reported together', () => {
    const v = checkSubscriptionChange(demoCatalog, state({ capabilityStatus: 'Enabled', consumedUnits: 8 }), { status: 'Deleted', totalLicenses: 2 });
    expect(v.map((x) => [x.code, x.target])).toEqual([
      [ErrorCodes.invalidLifecycleTransition, 'status'],
      [ErrorCodes.quantityBelowAssigned, 'totalLicenses'],
    ]);
  });

  test('an allowed move with a valid quantity passes', () => {
    expect(checkSubscriptionChange(demoCatalog, state({ capabilityStatus: 'Warning', consumedUnits: 8 }), { status: 'Enabled', totalLicenses: 12 })).toEqual(
      [],
    );
  });
});

describe('checkTakeOver', () => {
  const channels: PurchaseChannel[] = ['admin', 'selfService'];

  test.each(STATES.flatMap((s) => channels.map((c) => [s, c] as const)))('%s subscription bought via %s', (status, channel) => {
    const v = checkTakeOver(demoCatalog, state({ skuId: SKU.POWER_BI_PRO, capabilityStatus: status, purchaseChannel: channel }));
    if (channel === 'admin') {
      expect(v).toHaveLength(1);
      expect(v[0]).toMatchObject({ code: ErrorCodes.notSelfService, target: 'id' });
      expect(v[0].message).toMatch(/The Power BI Pro subscription was bought by an admin; there is nothing to take over/);
    } else if (status === 'Deleted') {
      expect(v).toHaveLength(1);
      expect(v[0]).toMatchObject({ code: ErrorCodes.subscriptionNotActive, target: 'id' });
      expect(v[0].message).toMatch(/The Power BI Pro subscription is deleted and cannot be taken over/);
    } else {
      expect(v).toEqual([]);
    }
  });

  test('a product outside the catalog is named by its sku id', () => {
    const [v] = checkTakeOver(demoCatalog, state({ skuId: 'zz-unknown-sku' }));
    expect(v.message).toContain('The zz-unknown-sku subscription');
  });
});
