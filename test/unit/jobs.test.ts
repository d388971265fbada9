/**
 * The pure part of bulk license jobs (shared/domain/jobs.ts): what each mode does to one user, how a
 * job request is checked, how a CSV record is read, and how progress is reported.
 */
import {
  checkJobRequest,
  CsvRow,
  FINAL_STATUSES,
  JOB_MODES,
  JobChange,
  jobChangeFor,
  jobProgress,
  JobMode,
  JobRequest,
  readCsvRecord,
} from '../../shared/domain/jobs';
import { LicenseAssignment, LicenseChange } from '../../shared/domain/licensing';
import { ErrorCodes, Violation } from '../../shared/errors';
import { add, change, codes, demoCatalog, direct, evaluate, GROUP_ID, member, PLAN, SKU, viaGroup } from './fixtures';

const E3 = SKU.ENTERPRISEPACK;
const E1 = SKU.STANDARDPACK;
const EXO1 = SKU.EXCHANGESTANDARD;
const PBI = SKU.POWER_BI_PRO;
const PROJECT = SKU.PROJECTPROFESSIONAL;
const PHONE = SKU.MCOEV;
const NOT_IN_CATALOG = '00000000-0000-4000-8000-0000000000ff';
const UPN = 'adele@contoso.example';

const req = (mode: JobMode, o: Partial<JobRequest> = {}): JobRequest => ({ mode, addLicenses: [], removeLicenses: [], ...o });

/** The change, failing the test if the user was skipped. */
const changeOf = (jc: JobChange): LicenseChange => {
  if (!('change' in jc)) throw new Error(`expected a change, got skip: ${jc.skip}`);
  return jc.change;
};
/** The skip reason, failing the test if there was a change. */
const skipOf = (jc: JobChange): string => {
  if (!('skip' in jc)) throw new Error(`expected a skip, got change: ${JSON.stringify(jc.change)}`);
  return jc.skip;
};

const deepFreeze = <T>(o: T): T => {
  if (o && typeof o === 'object') {
    Object.values(o as object).forEach(deepFreeze);
    Object.freeze(o);
  }
  return o;
};

// ---------------------------------------------------------------------------------------------------------
// Constants
// ---------------------------------------------------------------------------------------------------------

describe('constants', () => {
  test('the five modes', () => {
    expect([...JOB_MODES]).toEqual(['add', 'replace', 'remove', 'unassignAll', 'swap']);
  });

  test('final statuses are the ones a job never leaves', () => {
    expect([...FINAL_STATUSES].sort()).toEqual(['cancelled', 'completed', 'completedWithErrors', 'failed']);
    expect(FINAL_STATUSES).not.toContain('queued');
    expect(FINAL_STATUSES).not.toContain('running');
  });
});

// ---------------------------------------------------------------------------------------------------------
// jobChangeFor
// ---------------------------------------------------------------------------------------------------------

describe('jobChangeFor: add', () => {
  test('switches the products on and removes nothing, whatever else the user has', () => {
    const r = req('add', { addLicenses: [add(E3, [PLAN.YAMMER_ENTERPRISE]), add(PBI)] });
    const user = [direct(E1), direct(PROJECT, [PLAN.PROJECT_CLIENT_SUBSCRIPTION]), viaGroup(PHONE)];
    expect(jobChangeFor(demoCatalog, r, user)).toEqual({ change: { addLicenses: [add(E3, [PLAN.YAMMER_ENTERPRISE]), add(PBI)], removeLicenses: [] } });
  });

  test('a user with no licenses gets the products', () => {
    expect(changeOf(jobChangeFor(demoCatalog, req('add', { addLicenses: [add(E3)] }), []))).toEqual({ addLicenses: [add(E3)], removeLicenses: [] });
  });

  test('a product the user already has is added again (its disabled plans are replaced), not skipped', () => {
    const jc = jobChangeFor(demoCatalog, req('add', { addLicenses: [add(E3, [PLAN.SWAY])] }), [direct(E3, [PLAN.TEAMS1])]);
    expect(changeOf(jc)).toEqual({ addLicenses: [add(E3, [PLAN.SWAY])], removeLicenses: [] });
  });

  test('a product the user inherits from a group is added directly too', () => {
    expect(changeOf(jobChangeFor(demoCatalog, req('add', { addLicenses: [add(E3)] }), [viaGroup(E3)]))).toEqual({ addLicenses: [add(E3)], removeLicenses: [] });
  });

  test("perUser (a CSV row) overrides the job's products", () => {
    const jc = jobChangeFor(demoCatalog, req('add', { addLicenses: [add(E3)] }), [direct(E1)], {
      addLicenses: [add(PBI), add(PROJECT, [PLAN.SHAREPOINT_PROJECT])],
    });
    expect(changeOf(jc)).toEqual({ addLicenses: [add(PBI), add(PROJECT, [PLAN.SHAREPOINT_PROJECT])], removeLicenses: [] });
  });

  test('perUser overrides even when the job itself lists no products (CSV jobs)', () => {
    expect(changeOf(jobChangeFor(demoCatalog, req('add'), [], { addLicenses: [add(E1)] }))).toEqual({ addLicenses: [add(E1)], removeLicenses: [] });
  });
});

describe('jobChangeFor: replace', () => {
  test('the listed products become the direct ones: others are removed, listed ones kept', () => {
    const r = req('replace', { addLicenses: [add(E1), add(PBI, [])] });
    const user = [direct(E3, [PLAN.YAMMER_ENTERPRISE]), direct(PBI), direct(PROJECT)];
    expect(jobChangeFor(demoCatalog, r, user)).toEqual({ change: { addLicenses: [add(E1), add(PBI)], removeLicenses: [E3, PROJECT] } });
  });

  test('a listed product the user already has is not removed (it is re-added with the new disabled plans)', () => {
    const c = changeOf(jobChangeFor(demoCatalog, req('replace', { addLicenses: [add(E3, [PLAN.SWAY])] }), [direct(E3, [PLAN.TEAMS1])]));
    expect(c.removeLicenses).toEqual([]);
    expect(c.addLicenses).toEqual([add(E3, [PLAN.SWAY])]);
  });

  test('group-inherited assignments are left alone, listed or not', () => {
    const user = [viaGroup(E3), viaGroup(PBI, [], 'another-group'), direct(PROJECT)];
    const c = changeOf(jobChangeFor(demoCatalog, req('replace', { addLicenses: [add(E1)] }), user));
    expect(c).toEqual({ addLicenses: [add(E1)], removeLicenses: [PROJECT] });
  });

  test('a product held both directly and through a group: the direct one is removed once, the inherited one stays', () => {
    const c = changeOf(jobChangeFor(demoCatalog, req('replace', { addLicenses: [add(E1)] }), [viaGroup(E3), direct(E3)]));
    expect(c.removeLicenses).toEqual([E3]);
  });

  test('listed products match the held ones whatever their case', () => {
    const c = changeOf(jobChangeFor(demoCatalog, req('replace', { addLicenses: [add(E3.toUpperCase())] }), [direct(E3), direct(PBI)]));
    expect(c).toEqual({ addLicenses: [add(E3.toUpperCase())], removeLicenses: [PBI] });
  });

  test('a user with nothing just gets the products', () => {
    expect(changeOf(jobChangeFor(demoCatalog, req('replace', { addLicenses: [add(E3)] }), []))).toEqual({ addLicenses: [add(E3)], removeLicenses: [] });
  });

  test('a user with only inherited products removes nothing', () => {
    expect(changeOf(jobChangeFor(demoCatalog, req('replace', { addLicenses: [add(E1)] }), [viaGroup(E3)]))).toEqual({
      addLicenses: [add(E1)],
      removeLicenses: [],
    });
  });

  test("perUser (a CSV row) overrides the job's products, and decides what is kept", () => {
    const c = changeOf(
      jobChangeFor(demoCatalog, req('replace', { addLicenses: [add(E3)] }), [direct(E3), direct(PBI)], { addLicenses: [add(PBI, [PLAN.BI_AZURE_P2])] }),
    );
    expect(c).toEqual({ addLicenses: [add(PBI, [PLAN.BI_AZURE_P2])], removeLicenses: [E3] });
  });

  test('a CSV row with no products removes every direct product (inherited ones stay)', () => {
    const c = changeOf(jobChangeFor(demoCatalog, req('replace'), [direct(E3), viaGroup(E1), direct(PBI)], { addLicenses: [] }));
    expect(c).toEqual({ addLicenses: [], removeLicenses: [E3, PBI] });
  });
});

describe('jobChangeFor: remove', () => {
  test('removes the listed products the user has directly, nothing else', () => {
    const r = req('remove', { removeLicenses: [E3, PBI, PROJECT] });
    expect(jobChangeFor(demoCatalog, r, [direct(E3), direct(E1), direct(PROJECT)])).toEqual({ change: { addLicenses: [], removeLicenses: [E3, PROJECT] } });
  });

  test('a listed product the user only inherits is not removed', () => {
    const c = changeOf(jobChangeFor(demoCatalog, req('remove', { removeLicenses: [E3, PBI] }), [viaGroup(E3), direct(PBI)]));
    expect(c).toEqual({ addLicenses: [], removeLicenses: [PBI] });
  });

  test('held directly and through a group: the direct one is removed', () => {
    expect(changeOf(jobChangeFor(demoCatalog, req('remove', { removeLicenses: [E3] }), [viaGroup(E3), direct(E3)])).removeLicenses).toEqual([E3]);
  });

  test('listed products are matched and returned in lower case', () => {
    expect(changeOf(jobChangeFor(demoCatalog, req('remove', { removeLicenses: [E3.toUpperCase()] }), [direct(E3)])).removeLicenses).toEqual([E3]);
  });

  test('skipped, with a reason, when the user has none of them directly', () => {
    const reason = 'The user has none of these products directly.';
    expect(jobChangeFor(demoCatalog, req('remove', { removeLicenses: [E3] }), [])).toEqual({ skip: reason });
    expect(jobChangeFor(demoCatalog, req('remove', { removeLicenses: [E3] }), [direct(E1), direct(PBI)])).toEqual({ skip: reason });
    expect(jobChangeFor(demoCatalog, req('remove', { removeLicenses: [E3, E1] }), [viaGroup(E3), viaGroup(E1, [], GROUP_ID)])).toEqual({ skip: reason });
  });

  test('perUser products are ignored: remove adds nothing', () => {
    const c = changeOf(jobChangeFor(demoCatalog, req('remove', { removeLicenses: [E3] }), [direct(E3)], { addLicenses: [add(PBI)] }));
    expect(c).toEqual({ addLicenses: [], removeLicenses: [E3] });
  });
});

describe('jobChangeFor: unassignAll', () => {
  test('removes every direct product, in the order held; inherited ones stay', () => {
    const user = [direct(PBI), viaGroup(E3), direct(E1, [PLAN.TEAMS1]), viaGroup(PHONE), direct(PROJECT)];
    expect(jobChangeFor(demoCatalog, req('unassignAll'), user)).toEqual({ change: { addLicenses: [], removeLicenses: [PBI, E1, PROJECT] } });
  });

  test('held directly and through a group: the direct one is removed', () => {
    expect(changeOf(jobChangeFor(demoCatalog, req('unassignAll'), [viaGroup(E3), direct(E3)]))).toEqual({ addLicenses: [], removeLicenses: [E3] });
  });

  test('skipped, with a reason, when the user has no direct product', () => {
    const reason = 'The user has no directly assigned products.';
    expect(jobChangeFor(demoCatalog, req('unassignAll'), [])).toEqual({ skip: reason });
    expect(jobChangeFor(demoCatalog, req('unassignAll'), [viaGroup(E3), viaGroup(PBI)])).toEqual({ skip: reason });
  });

  test('perUser products are ignored', () => {
    expect(changeOf(jobChangeFor(demoCatalog, req('unassignAll'), [direct(E3)], { addLicenses: [add(PBI)] }))).toEqual({
      addLicenses: [],
      removeLicenses: [E3],
    });
  });
});

describe('jobChangeFor: swap', () => {
  const swap = (from: string, to: string) => req('swap', { fromSkuId: from, toSkuId: to });

  test('A -> B: B added, A removed, other products untouched', () => {
    const user = [direct(PBI), direct(E3), viaGroup(PROJECT)];
    expect(jobChangeFor(demoCatalog, swap(E3, E1), user)).toEqual({ change: { addLicenses: [add(E1, [])], removeLicenses: [E3] } });
  });

  test('disabled plans that exist in both products are carried over; those only in A are dropped', () => {
    const disabled = [PLAN.YAMMER_ENTERPRISE, PLAN.TEAMS1, PLAN.EXCHANGE_S_ENTERPRISE, PLAN.SHAREPOINTWAC, PLAN.SHAREPOINTENTERPRISE];
    const c = changeOf(jobChangeFor(demoCatalog, swap(E3, E1), [direct(E3, disabled)]));
    expect(c).toEqual({ addLicenses: [add(E1, [PLAN.YAMMER_ENTERPRISE, PLAN.TEAMS1, PLAN.SHAREPOINTWAC])], removeLicenses: [E3] });
  });

  test('a plan of both products keeps its place in the list', () => {
    const c = changeOf(jobChangeFor(demoCatalog, swap(E1, E3), [direct(E1, [PLAN.SHAREPOINTWAC, PLAN.EXCHANGE_S_STANDARD, PLAN.TEAMS1])]));
    expect(c.addLicenses).toEqual([add(E3, [PLAN.SHAREPOINTWAC, PLAN.TEAMS1])]);
  });

  test('an auto-assigned plan (Sway) switched off in A is carried over like any plan when B has it too', () => {
    // auto-assigned only means Sway comes without a separate assignment: switched off in A, it stays off in B
    const c = changeOf(jobChangeFor(demoCatalog, swap(E3, E1), [direct(E3, [PLAN.SWAY, PLAN.TEAMS1])]));
    expect(c.addLicenses).toEqual([add(E1, [PLAN.SWAY, PLAN.TEAMS1])]);
  });

  test('Sway switched off in A is dropped when B has no Sway', () => {
    expect(changeOf(jobChangeFor(demoCatalog, swap(E1, EXO1), [direct(E1, [PLAN.SWAY])])).addLicenses).toEqual([add(EXO1, [])]);
  });

  test('products with no plan in common: nothing carried', () => {
    expect(changeOf(jobChangeFor(demoCatalog, swap(E3, PBI), [direct(E3, [PLAN.TEAMS1, PLAN.YAMMER_ENTERPRISE])]))).toEqual({
      addLicenses: [add(PBI, [])],
      removeLicenses: [E3],
    });
  });

  test('the one plan of a single-plan product carries over when B has it too', () => {
    expect(changeOf(jobChangeFor(demoCatalog, swap(EXO1, E1), [direct(EXO1, [PLAN.EXCHANGE_S_STANDARD])])).addLicenses).toEqual([
      add(E1, [PLAN.EXCHANGE_S_STANDARD]),
    ]);
  });

  test("a user who already has B directly keeps B's own disabled plans (not A's)", () => {
    const user = [direct(E3, [PLAN.TEAMS1, PLAN.SHAREPOINTWAC]), direct(E1, [PLAN.SHAREPOINTSTANDARD])];
    expect(changeOf(jobChangeFor(demoCatalog, swap(E3, E1), user))).toEqual({ addLicenses: [add(E1, [PLAN.SHAREPOINTSTANDARD])], removeLicenses: [E3] });
  });

  test('a user who already has B directly with nothing disabled keeps nothing disabled', () => {
    const user = [direct(E3, [PLAN.TEAMS1]), direct(E1, [])];
    expect(changeOf(jobChangeFor(demoCatalog, swap(E3, E1), user)).addLicenses).toEqual([add(E1, [])]);
  });

  test('B inherited from a group does not count as having B: the plans of A are carried', () => {
    const user = [direct(E3, [PLAN.TEAMS1]), viaGroup(E1, [PLAN.SHAREPOINTSTANDARD])];
    expect(changeOf(jobChangeFor(demoCatalog, swap(E3, E1), user))).toEqual({ addLicenses: [add(E1, [PLAN.TEAMS1])], removeLicenses: [E3] });
  });

  test('skipped, with a reason naming the product, when the user lacks A', () => {
    expect(jobChangeFor(demoCatalog, swap(E3, E1), [])).toEqual({ skip: 'The user does not have Office 365 E3 directly.' });
    expect(jobChangeFor(demoCatalog, swap(E3, E1), [direct(E1), direct(PBI)])).toEqual({ skip: 'The user does not have Office 365 E3 directly.' });
    expect(skipOf(jobChangeFor(demoCatalog, swap(PBI, E1), [direct(E3)]))).toBe('The user does not have Power BI Pro directly.');
  });

  test('skipped when the user only inherits A from a group', () => {
    expect(jobChangeFor(demoCatalog, swap(E3, E1), [viaGroup(E3)])).toEqual({ skip: 'The user does not have Office 365 E3 directly.' });
  });

  test('a product not in the catalog is named by its id in the reason', () => {
    expect(skipOf(jobChangeFor(demoCatalog, swap(NOT_IN_CATALOG, E1), [direct(E3)]))).toBe(`The user does not have ${NOT_IN_CATALOG} directly.`);
  });

  test('product ids are matched whatever their case and returned in lower case', () => {
    const c = changeOf(jobChangeFor(demoCatalog, swap(E3.toUpperCase(), E1.toUpperCase()), [direct(E3, [PLAN.TEAMS1])]));
    expect(c).toEqual({ addLicenses: [add(E1, [PLAN.TEAMS1])], removeLicenses: [E3] });
    expect(skipOf(jobChangeFor(demoCatalog, swap(PBI.toUpperCase(), E1), []))).toBe('The user does not have Power BI Pro directly.');
  });

  test('perUser products are ignored', () => {
    expect(changeOf(jobChangeFor(demoCatalog, swap(E3, E1), [direct(E3)], { addLicenses: [add(PBI)] }))).toEqual({
      addLicenses: [add(E1, [])],
      removeLicenses: [E3],
    });
  });
});

describe('jobChangeFor: inputs are not changed', () => {
  const user = (): LicenseAssignment[] => deepFreeze([direct(E3, [PLAN.TEAMS1, PLAN.YAMMER_ENTERPRISE]), direct(E1, [PLAN.SHAREPOINTSTANDARD]), viaGroup(PBI)]);
  test.each<JobRequest>([
    req('add', { addLicenses: [add(PROJECT)] }),
    req('replace', { addLicenses: [add(E3)] }),
    req('remove', { removeLicenses: [E3, PBI] }),
    req('unassignAll'),
    req('swap', { fromSkuId: E3, toSkuId: E1 }),
    req('swap', { fromSkuId: E3, toSkuId: PROJECT }),
  ])('%o', (r) => {
    const frozen = deepFreeze(r);
    const before = JSON.stringify(frozen);
    expect(() => jobChangeFor(demoCatalog, frozen, user(), deepFreeze({ addLicenses: [add(PHONE)] }))).not.toThrow();
    expect(JSON.stringify(frozen)).toBe(before);
  });
});

describe('jobChangeFor feeds evaluateLicenseChange: the outcome per mode', () => {
  const after = (r: JobRequest, assignments: LicenseAssignment[]) => {
    const outcome = evaluate({ user: member(assignments), change: changeOf(jobChangeFor(demoCatalog, r, assignments)) });
    expect(outcome.violations).toEqual([]);
    return outcome.next
      .map((a) => ({ skuId: a.skuId, disabledPlans: a.disabledPlans, group: a.assignedByGroup }))
      .sort((a, b) => (a.skuId + a.group).localeCompare(b.skuId + b.group));
  };
  const sorted = <T extends { skuId: string; group: string | null }>(l: T[]) => l.sort((a, b) => (a.skuId + a.group).localeCompare(b.skuId + b.group));

  test('replace: exactly the listed products are direct, inherited ones stay', () => {
    expect(after(req('replace', { addLicenses: [add(E1)] }), [direct(E3), viaGroup(PBI), direct(PROJECT)])).toEqual(
      sorted([
        { skuId: E1, disabledPlans: [], group: null },
        { skuId: PBI, disabledPlans: [], group: GROUP_ID },
      ]),
    );
  });

  test('swap: B with the carried plans, A gone, the rest kept', () => {
    expect(after(req('swap', { fromSkuId: E3, toSkuId: E1 }), [direct(E3, [PLAN.TEAMS1, PLAN.YAMMER_ENTERPRISE]), direct(PBI)])).toEqual(
      sorted([
        { skuId: E1, disabledPlans: [PLAN.TEAMS1, PLAN.YAMMER_ENTERPRISE], group: null },
        { skuId: PBI, disabledPlans: [], group: null },
      ]),
    );
  });

  test('unassignAll: only inherited products are left', () => {
    expect(after(req('unassignAll'), [direct(E3), viaGroup(E1), direct(PBI)])).toEqual([{ skuId: E1, disabledPlans: [], group: GROUP_ID }]);
  });
});

// ---------------------------------------------------------------------------------------------------------
// checkJobRequest
// ---------------------------------------------------------------------------------------------------------

describe('checkJobRequest', () => {
  const bad = (message: string, target: string): Violation => ({ code: ErrorCodes.invalidRequest, message, target });
  const unknown = (skuId: string): Violation => ({
    code: ErrorCodes.productNotSubscribed,
    message: `Product ${skuId} is not in the catalog (GET /v1.0/catalog/products).`,
    target: skuId,
  });
  /**
   * The request's violations; each names the request's mode in its parameters (an unknown product its
   * id too): checked here for every case, then left out of the comparisons below.
   */
  const check = (r: JobRequest) =>
    checkJobRequest(demoCatalog, r).map(({ parameters, ...v }) => {
      expect(parameters).toEqual(v.code === ErrorCodes.productNotSubscribed ? { skuId: v.target!.toLowerCase(), mode: r.mode } : { mode: r.mode });
      return v;
    });

  describe('valid requests', () => {
    test.each<[string, JobRequest]>([
      ['add', req('add', { addLicenses: [add(E3, [PLAN.TEAMS1]), add(PBI)] })],
      ['replace', req('replace', { addLicenses: [add(E1)] })],
      ['remove', req('remove', { removeLicenses: [E3, PBI] })],
      ['unassignAll', req('unassignAll')],
      ['swap', req('swap', { fromSkuId: E3, toSkuId: E1 })],
      ['upper-case product ids', req('add', { addLicenses: [add(E3.toUpperCase())] })],
      ['upper-case swap ids', req('swap', { fromSkuId: E3.toUpperCase(), toSkuId: E1.toUpperCase() })],
    ])('%s', (_, r) => {
      expect(check(r)).toEqual([]);
    });
  });

  test.each(['add', 'replace'] as const)('%s needs at least one product in addLicenses', (mode) => {
    expect(check(req(mode))).toEqual([bad(`Mode ${mode} needs at least one product in addLicenses.`, 'addLicenses')]);
  });

  test('remove needs at least one product in removeLicenses', () => {
    expect(check(req('remove'))).toEqual([bad('Mode remove needs at least one product in removeLicenses.', 'removeLicenses')]);
  });

  test('swap without fromSkuId', () => {
    expect(check(req('swap', { toSkuId: E1 }))).toEqual([bad('Mode swap needs fromSkuId and toSkuId.', 'fromSkuId')]);
  });

  test('swap without toSkuId', () => {
    expect(check(req('swap', { fromSkuId: E3 }))).toEqual([bad('Mode swap needs fromSkuId and toSkuId.', 'toSkuId')]);
  });

  test('swap without either: one violation, on fromSkuId', () => {
    expect(check(req('swap'))).toEqual([bad('Mode swap needs fromSkuId and toSkuId.', 'fromSkuId')]);
    expect(check(req('swap', { fromSkuId: '', toSkuId: '' }))).toEqual([bad('Mode swap needs fromSkuId and toSkuId.', 'fromSkuId')]);
  });

  test('swap of a product to itself, whatever the case', () => {
    const same = bad('fromSkuId and toSkuId are the same product.', 'toSkuId');
    expect(check(req('swap', { fromSkuId: E3, toSkuId: E3 }))).toEqual([same]);
    expect(check(req('swap', { fromSkuId: E3, toSkuId: E3.toUpperCase() }))).toEqual([same]);
  });

  test.each(['remove', 'unassignAll', 'swap'] as const)('%s takes no addLicenses', (mode) => {
    const r = req(mode, {
      addLicenses: [add(PBI)],
      ...(mode === 'remove' ? { removeLicenses: [E3] } : {}),
      ...(mode === 'swap' ? { fromSkuId: E3, toSkuId: E1 } : {}),
    });
    expect(check(r)).toEqual([bad(`Mode ${mode} takes no addLicenses.`, 'addLicenses')]);
  });

  test.each(['add', 'replace', 'unassignAll', 'swap'] as const)('%s takes no removeLicenses', (mode) => {
    const r = req(mode, {
      removeLicenses: [PBI],
      ...(mode === 'add' || mode === 'replace' ? { addLicenses: [add(E3)] } : {}),
      ...(mode === 'swap' ? { fromSkuId: E3, toSkuId: E1 } : {}),
    });
    expect(check(r)).toEqual([bad(`Mode ${mode} takes no removeLicenses.`, 'removeLicenses')]);
  });

  test.each(['add', 'replace', 'remove', 'unassignAll'] as const)('%s takes no fromSkuId/toSkuId', (mode) => {
    const base = mode === 'add' || mode === 'replace' ? { addLicenses: [add(E3)] } : mode === 'remove' ? { removeLicenses: [E3] } : {};
    const msg = 'fromSkuId/toSkuId only go with mode swap.';
    expect(check(req(mode, { ...base, fromSkuId: E3, toSkuId: E1 }))).toEqual([bad(msg, 'fromSkuId')]);
    expect(check(req(mode, { ...base, fromSkuId: E3 }))).toEqual([bad(msg, 'fromSkuId')]);
    expect(check(req(mode, { ...base, toSkuId: E1 }))).toEqual([bad(msg, 'toSkuId')]);
  });

  test.each(['add', 'replace'] as const)('%s: a product listed twice in addLicenses (any case)', (mode) => {
    expect(check(req(mode, { addLicenses: [add(E3), add(PBI), add(E3.toUpperCase(), [PLAN.TEAMS1])] }))).toEqual([
      bad(`Product ${E3} is listed twice in addLicenses.`, 'addLicenses'),
    ]);
  });

  test('unknown products, wherever they are named, with the product as target', () => {
    const [a, b, c, d] = [
      '10000000-0000-4000-8000-000000000001',
      '10000000-0000-4000-8000-000000000002',
      '10000000-0000-4000-8000-000000000003',
      '10000000-0000-4000-8000-000000000004',
    ];
    expect(check(req('add', { addLicenses: [add(E3), add(a)] }))).toEqual([unknown(a)]);
    expect(check(req('replace', { addLicenses: [add(a), add(b)] }))).toEqual([unknown(a), unknown(b)]);
    expect(check(req('remove', { removeLicenses: [c, E3] }))).toEqual([unknown(c)]);
    expect(check(req('swap', { fromSkuId: d, toSkuId: E1 }))).toEqual([unknown(d)]);
    expect(check(req('swap', { fromSkuId: E3, toSkuId: d }))).toEqual([unknown(d)]);
    expect(check(req('swap', { fromSkuId: c, toSkuId: d }))).toEqual([unknown(c), unknown(d)]);
  });

  test('a skuPartNumber is not a product id', () => {
    expect(codes({ violations: check(req('add', { addLicenses: [add('ENTERPRISEPACK')] })) })).toEqual([ErrorCodes.productNotSubscribed]);
  });

  test('every problem is reported, mode problems first', () => {
    const r = req('unassignAll', { addLicenses: [add(NOT_IN_CATALOG)], removeLicenses: [E3], toSkuId: E1 });
    expect(check(r)).toEqual([
      bad('Mode unassignAll takes no addLicenses.', 'addLicenses'),
      bad('Mode unassignAll takes no removeLicenses.', 'removeLicenses'),
      bad('fromSkuId/toSkuId only go with mode swap.', 'toSkuId'),
      unknown(NOT_IN_CATALOG),
    ]);
  });

  test('swap missing a side and naming an unknown product: both reported', () => {
    expect(check(req('swap', { fromSkuId: NOT_IN_CATALOG }))).toEqual([bad('Mode swap needs fromSkuId and toSkuId.', 'toSkuId'), unknown(NOT_IN_CATALOG)]);
  });

  test('every violation of a bad request is invalidRequest or productNotSubscribed', () => {
    for (const mode of JOB_MODES) {
      const v = checkJobRequest(
        demoCatalog,
        req(mode, { addLicenses: [add(NOT_IN_CATALOG)], removeLicenses: [NOT_IN_CATALOG], fromSkuId: NOT_IN_CATALOG, toSkuId: NOT_IN_CATALOG }),
      );
      expect(v.length).toBeGreaterThan(0);
      for (const x of v) expect([ErrorCodes.invalidRequest, ErrorCodes.productNotSubscribed]).toContain(x.code);
      for (const x of v) expect(typeof x.target).toBe('string');
    }
  });
});

// ---------------------------------------------------------------------------------------------------------
// readCsvRecord
// ---------------------------------------------------------------------------------------------------------

describe('readCsvRecord', () => {
  type Failure = { row: number; userPrincipalName: string; error: Violation };
  const ok = (r: CsvRow | Failure): CsvRow => {
    if ('error' in r) throw new Error(`expected a row, got ${JSON.stringify(r.error)}`);
    return r;
  };
  const err = (r: CsvRow | Failure): Failure => {
    if (!('error' in r)) throw new Error(`expected an error, got ${JSON.stringify(r)}`);
    return r;
  };
  const NOW = Date.parse('2026-11-30T09:00:00Z');
  const read = (record: Record<string, string>, mode: 'add' | 'replace' = 'add', row = 2) => readCsvRecord(demoCatalog, record, row, mode, NOW);
  const products = (r: CsvRow) => r.addLicenses.map((a) => a.skuId);

  test('a plain row', () => {
    expect(read({ userPrincipalName: UPN, licenses: 'ENTERPRISEPACK' })).toEqual({
      row: 2,
      userPrincipalName: UPN,
      displayName: undefined,
      usageLocation: undefined,
      addLicenses: [{ skuId: E3, disabledPlans: [] }],
    });
  });

  test('lastSignInDateTime (or "Last sign-in"): normalised to UTC; a date alone is a row in add mode; a bad date fails the row', () => {
    expect(read({ userPrincipalName: UPN, 'Last sign-in': '2026-01-31T10:15:00+02:00' })).toMatchObject({
      lastSignInDateTime: '2026-01-31T08:15:00.000Z',
      addLicenses: [],
    });
    expect(ok(read({ userPrincipalName: UPN, licenses: 'ENTERPRISEPACK', lastSignInDateTime: '2026-01-31T08:15:00Z' })).lastSignInDateTime).toBe(
      '2026-01-31T08:15:00.000Z',
    );
    expect(err(read({ userPrincipalName: UPN, lastSignInDateTime: 'last tuesday' })).error).toMatchObject({ target: 'lastSignInDateTime' });
    expect(err(read({ userPrincipalName: UPN, lastSignInDateTime: '' })).error).toMatchObject({ target: 'licenses' });
  });

  test('lastSignInDateTime: up to 5 minutes ahead of the clock (a fast identity provider) is taken; further ahead fails the row', () => {
    const at = (ms: number) => new Date(NOW + ms).toISOString();
    expect(ok(read({ userPrincipalName: UPN, lastSignInDateTime: at(5 * 60_000) })).lastSignInDateTime).toBe(at(5 * 60_000));
    const late = err(read({ userPrincipalName: UPN, licenses: 'ENTERPRISEPACK', lastSignInDateTime: at(5 * 60_000 + 1) }));
    expect(late.error).toMatchObject({ target: 'lastSignInDateTime', message: expect.stringMatching(/^Row 2: lastSignInDateTime '.*' is in the future/) });
    expect(err(read({ userPrincipalName: UPN, lastSignInDateTime: '9999-12-31T00:00:00Z' })).error.message).toMatch(/in the future/);
    // an offset is read as the instant it names: 10:04+01:00 is 09:04Z, within the 5 minutes
    expect(ok(read({ userPrincipalName: UPN, lastSignInDateTime: '2026-11-30T10:04:00+01:00' })).lastSignInDateTime).toBe('2026-11-30T09:04:00.000Z');
  });

  test('a full row', () => {
    expect(
      read(
        {
          userPrincipalName: UPN,
          licenses: 'ENTERPRISEPACK;POWER_BI_PRO',
          disabledPlans: 'YAMMER_ENTERPRISE',
          usageLocation: 'de',
          displayName: 'Adele Vance',
        },
        'add',
        9,
      ),
    ).toEqual({
      row: 9,
      userPrincipalName: UPN,
      displayName: 'Adele Vance',
      usageLocation: 'DE',
      addLicenses: [
        { skuId: E3, disabledPlans: [PLAN.YAMMER_ENTERPRISE] },
        { skuId: PBI, disabledPlans: [] },
      ],
    });
  });

  describe('headers', () => {
    test.each(['userPrincipalName', 'USERPRINCIPALNAME', 'userprincipalname', 'upn', 'UPN', 'Upn', ' userPrincipalName '])('the user column as %j', (h) => {
      expect(ok(read({ [h]: UPN, licenses: 'ENTERPRISEPACK' })).userPrincipalName).toBe(UPN);
    });

    test.each([
      'licenses',
      'Licenses',
      'LICENSES',
      'skus',
      'SKUs',
      'sku',
      'SKU',
      'products',
      'Products',
      'skuPartNumber',
      'SkuPartNumber',
      'skuId',
      'SKUID',
      ' licenses ',
    ])('the products column as %j', (h) => {
      expect(products(ok(read({ userPrincipalName: UPN, [h]: 'POWER_BI_PRO' })))).toEqual([PBI]);
    });

    test.each(['disabledPlans', 'DisabledPlans', 'DISABLEDPLANS', 'disabled plans', 'Disabled Plans'])('the disabled plans column as %j', (h) => {
      expect(ok(read({ userPrincipalName: UPN, licenses: 'ENTERPRISEPACK', [h]: 'TEAMS1' })).addLicenses).toEqual([add(E3, [PLAN.TEAMS1])]);
    });

    test.each(['usageLocation', 'UsageLocation', 'USAGELOCATION', 'usage location', 'Usage Location'])('the usage location column as %j', (h) => {
      expect(ok(read({ userPrincipalName: UPN, licenses: 'ENTERPRISEPACK', [h]: 'fr' })).usageLocation).toBe('FR');
    });

    test.each(['displayName', 'DisplayName', 'DISPLAYNAME', 'display name', 'Display Name'])('the display name column as %j', (h) => {
      expect(ok(read({ userPrincipalName: UPN, licenses: 'ENTERPRISEPACK', [h]: 'Adele Vance' })).displayName).toBe('Adele Vance');
    });

    test('columns it does not know are ignored', () => {
      expect(read({ userPrincipalName: UPN, licenses: 'ENTERPRISEPACK', department: 'Sales', note: 'x;y' })).toEqual(
        read({ userPrincipalName: UPN, licenses: 'ENTERPRISEPACK' }),
      );
    });

    test('a missing value reads as empty', () => {
      const r = ok(
        read({
          userPrincipalName: UPN,
          licenses: 'ENTERPRISEPACK',
          usageLocation: undefined as unknown as string,
          displayName: undefined as unknown as string,
        }),
      );
      expect(r.usageLocation).toBeUndefined();
      expect(r.displayName).toBeUndefined();
    });
  });

  describe('products', () => {
    test.each([
      ['by skuPartNumber', 'ENTERPRISEPACK'],
      ['by skuPartNumber in lower case', 'enterprisepack'],
      ['by skuId', E3],
      ['by skuId in upper case', E3.toUpperCase()],
      ['with spaces around', '  ENTERPRISEPACK  '],
    ])('%s', (_, value) => {
      expect(products(ok(read({ userPrincipalName: UPN, licenses: value })))).toEqual([E3]);
    });

    test.each([';', '+', '|', ' ; ', ' | ', ' + '])('separated by %j, in the order given', (sep) => {
      expect(products(ok(read({ userPrincipalName: UPN, licenses: ['POWER_BI_PRO', E3, 'standardpack'].join(sep) })))).toEqual([PBI, E3, E1]);
    });

    test('mixed separators and empty entries', () => {
      expect(products(ok(read({ userPrincipalName: UPN, licenses: ';ENTERPRISEPACK;;POWER_BI_PRO+|MCOEV;' })))).toEqual([E3, PBI, PHONE]);
    });

    test('a product named twice (by skuPartNumber and by skuId) is listed once', () => {
      expect(
        ok(read({ userPrincipalName: UPN, licenses: `ENTERPRISEPACK;${E3.toUpperCase()};enterprisepack;POWER_BI_PRO`, disabledPlans: 'TEAMS1' })).addLicenses,
      ).toEqual([add(E3, [PLAN.TEAMS1]), add(PBI)]);
    });

    test('every catalog product by its skuPartNumber', () => {
      const all = 'ENTERPRISEPACK;STANDARDPACK;EXCHANGESTANDARD;POWER_BI_PRO;PROJECTPROFESSIONAL;MCOEV';
      expect(products(ok(read({ userPrincipalName: UPN, licenses: all })))).toEqual([E3, E1, EXO1, PBI, PROJECT, PHONE]);
    });

    test('an unknown product fails the row, naming it', () => {
      const r = err(read({ userPrincipalName: UPN, licenses: 'ENTERPRISEPACK;E5' }, 'add', 4));
      expect(r).toEqual({
        row: 4,
        userPrincipalName: UPN,
        error: {
          code: ErrorCodes.invalidRequest,
          message: "Row 4: unknown product 'E5'; use a skuPartNumber or skuId from GET /v1.0/catalog/products.",
          target: 'licenses',
          parameters: { row: 4, column: 'licenses' },
        },
      });
    });

    test('an unknown skuId fails the row', () => {
      expect(err(read({ userPrincipalName: UPN, licenses: NOT_IN_CATALOG })).error.message).toContain(`'${NOT_IN_CATALOG}'`);
    });

    test('an unknown product fails the row in replace mode too', () => {
      expect(err(read({ userPrincipalName: UPN, licenses: 'NOPE' }, 'replace')).error.target).toBe('licenses');
    });

    test.each([
      ['no products column', {}],
      ['an empty products column', { licenses: '' }],
      ['only blanks and separators', { licenses: ' ; | + ' }],
    ])('add mode: %s fails the row', (_, cols) => {
      expect(err(read({ userPrincipalName: UPN, ...cols }, 'add', 5))).toEqual({
        row: 5,
        userPrincipalName: UPN,
        error: {
          code: ErrorCodes.invalidRequest,
          message: 'Row 5: no product given in the licenses column.',
          target: 'licenses',
          parameters: { row: 5, column: 'licenses' },
        },
      });
    });

    test.each([
      ['no products column', {}],
      ['an empty products column', { licenses: '' }],
      ['only blanks and separators', { licenses: ' ; | + ' }],
    ])('replace mode: %s is a row with no products (the user keeps only inherited ones)', (_, cols) => {
      expect(read({ userPrincipalName: UPN, ...cols }, 'replace', 5)).toEqual({
        row: 5,
        userPrincipalName: UPN,
        displayName: undefined,
        usageLocation: undefined,
        addLicenses: [],
      });
    });
  });

  describe('disabled plans', () => {
    test('by servicePlanName, any case', () => {
      expect(ok(read({ userPrincipalName: UPN, licenses: 'ENTERPRISEPACK', disabledPlans: 'yammer_enterprise;Teams1' })).addLicenses).toEqual([
        add(E3, [PLAN.TEAMS1, PLAN.YAMMER_ENTERPRISE]),
      ]);
    });

    test('by servicePlanId, any case', () => {
      expect(
        ok(read({ userPrincipalName: UPN, licenses: 'ENTERPRISEPACK', disabledPlans: `${PLAN.YAMMER_ENTERPRISE.toUpperCase()} | ${PLAN.TEAMS1}` })).addLicenses,
      ).toEqual([add(E3, [PLAN.TEAMS1, PLAN.YAMMER_ENTERPRISE])]);
    });

    test('listed in the order of the product, as ids, once each', () => {
      const r = ok(
        read({
          userPrincipalName: UPN,
          licenses: 'ENTERPRISEPACK',
          disabledPlans: `YAMMER_ENTERPRISE+${PLAN.EXCHANGE_S_ENTERPRISE};TEAMS1;teams1;${PLAN.TEAMS1}`,
        }),
      );
      expect(r.addLicenses).toEqual([add(E3, [PLAN.EXCHANGE_S_ENTERPRISE, PLAN.TEAMS1, PLAN.YAMMER_ENTERPRISE])]);
    });

    test('a plan applies to each listed product that has it, and only to those', () => {
      const r = ok(
        read({
          userPrincipalName: UPN,
          licenses: 'ENTERPRISEPACK;STANDARDPACK;POWER_BI_PRO',
          disabledPlans: 'TEAMS1;EXCHANGE_S_ENTERPRISE;SHAREPOINTSTANDARD',
        }),
      );
      expect(r.addLicenses).toEqual([add(E3, [PLAN.EXCHANGE_S_ENTERPRISE, PLAN.TEAMS1]), add(E1, [PLAN.SHAREPOINTSTANDARD, PLAN.TEAMS1]), add(PBI, [])]);
    });

    test('a plan that is in no listed product fails the row, naming the products', () => {
      const r = err(read({ userPrincipalName: UPN, licenses: 'ENTERPRISEPACK;POWER_BI_PRO', disabledPlans: 'TEAMS1;EXCHANGE_S_STANDARD' }, 'add', 3));
      expect(r).toEqual({
        row: 3,
        userPrincipalName: UPN,
        error: {
          code: ErrorCodes.invalidRequest,
          message: "Row 3: disabled plan 'exchange_s_standard' is not part of ENTERPRISEPACK, POWER_BI_PRO.",
          target: 'disabledPlans',
          parameters: { row: 3, column: 'disabledPlans' },
        },
      });
    });

    test('a plan that exists nowhere fails the row', () => {
      expect(err(read({ userPrincipalName: UPN, licenses: 'ENTERPRISEPACK', disabledPlans: 'NOT_A_PLAN' })).error).toMatchObject({
        target: 'disabledPlans',
        message: "Row 2: disabled plan 'not_a_plan' is not part of ENTERPRISEPACK.",
      });
    });

    test('a plan id that is in no listed product fails the row', () => {
      expect(err(read({ userPrincipalName: UPN, licenses: 'STANDARDPACK', disabledPlans: PLAN.EXCHANGE_S_ENTERPRISE })).error.target).toBe('disabledPlans');
    });

    test('replace mode, plans but no products: fails, naming "the listed products"', () => {
      expect(err(read({ userPrincipalName: UPN, licenses: '', disabledPlans: 'TEAMS1' }, 'replace', 6)).error).toEqual({
        code: ErrorCodes.invalidRequest,
        message: "Row 6: disabled plan 'teams1' is not part of the listed products.",
        target: 'disabledPlans',
        parameters: { row: 6, column: 'disabledPlans' },
      });
    });

    test('blank plan entries are ignored', () => {
      expect(ok(read({ userPrincipalName: UPN, licenses: 'ENTERPRISEPACK', disabledPlans: ' ; | ' })).addLicenses).toEqual([add(E3, [])]);
    });

    test('an auto-assigned plan (Sway) is passed on as named, like any plan of the product', () => {
      expect(ok(read({ userPrincipalName: UPN, licenses: 'ENTERPRISEPACK', disabledPlans: 'SWAY' })).addLicenses).toEqual([add(E3, [PLAN.SWAY])]);
    });
  });

  describe('userPrincipalName', () => {
    test.each([
      ['empty', ''],
      ['no @', 'adele'],
      ['no dot in the domain', 'adele@contoso'],
      ['two @', 'adele@x@contoso.example'],
      ['a space inside', 'adele vance@contoso.example'],
      ['nothing before @', '@contoso.example'],
      ['ending with a dot', 'adele@contoso.'],
    ])('%s: fails the row', (_, upn) => {
      expect(err(read({ userPrincipalName: upn, licenses: 'ENTERPRISEPACK' }, 'add', 12))).toEqual({
        row: 12,
        userPrincipalName: upn,
        error: {
          code: ErrorCodes.invalidRequest,
          message: `Row 12: userPrincipalName '${upn}' must look like name@domain (at most 113 characters).`,
          target: 'userPrincipalName',
          parameters: { row: 12, column: 'userPrincipalName' },
        },
      });
    });

    test('no userPrincipalName column fails the row', () => {
      expect(err(read({ licenses: 'ENTERPRISEPACK' })).error).toMatchObject({
        target: 'userPrincipalName',
        message: "Row 2: userPrincipalName '' must look like name@domain (at most 113 characters).",
      });
    });

    test('spaces around are trimmed', () => {
      expect(ok(read({ userPrincipalName: `  ${UPN}  `, licenses: 'ENTERPRISEPACK' })).userPrincipalName).toBe(UPN);
    });

    test('kept as written (the case is not changed)', () => {
      expect(ok(read({ upn: 'Adele.Vance@Contoso.Example', licenses: 'ENTERPRISEPACK' })).userPrincipalName).toBe('Adele.Vance@Contoso.Example');
    });

    test('a bad UPN is reported before a bad product', () => {
      expect(err(read({ userPrincipalName: 'nope', licenses: 'NOPE' })).error.target).toBe('userPrincipalName');
    });
  });

  describe('usageLocation', () => {
    test.each([
      ['us', 'US'],
      ['US', 'US'],
      ['De', 'DE'],
      [' gb ', 'GB'],
    ])('%j becomes %j', (value, expected) => {
      expect(ok(read({ userPrincipalName: UPN, licenses: 'ENTERPRISEPACK', usageLocation: value })).usageLocation).toBe(expected);
    });

    test.each(['', '   '])('%j: none given', (value) => {
      expect(ok(read({ userPrincipalName: UPN, licenses: 'ENTERPRISEPACK', usageLocation: value })).usageLocation).toBeUndefined();
    });

    test.each(['USA', 'U', 'U1', '12', 'U S', 'ü$'])('%j fails the row', (value) => {
      expect(err(read({ userPrincipalName: UPN, licenses: 'ENTERPRISEPACK', usageLocation: value }, 'add', 8))).toEqual({
        row: 8,
        userPrincipalName: UPN,
        error: {
          code: ErrorCodes.invalidRequest,
          message: `Row 8: usageLocation '${value}' must be a two-letter country code.`,
          target: 'usageLocation',
          parameters: { row: 8, column: 'usageLocation' },
        },
      });
    });

    test('a bad usage location is checked after products and plans', () => {
      expect(err(read({ userPrincipalName: UPN, licenses: 'NOPE', usageLocation: 'USA' })).error.target).toBe('licenses');
      expect(err(read({ userPrincipalName: UPN, licenses: 'ENTERPRISEPACK', disabledPlans: 'NOPE', usageLocation: 'USA' })).error.target).toBe('disabledPlans');
    });
  });

  describe('displayName', () => {
    test('trimmed', () => {
      expect(ok(read({ userPrincipalName: UPN, licenses: 'ENTERPRISEPACK', displayName: '  Adele  Vance ' })).displayName).toBe('Adele  Vance');
    });

    test.each(['', '  '])('%j: none given', (value) => {
      expect(ok(read({ userPrincipalName: UPN, licenses: 'ENTERPRISEPACK', displayName: value })).displayName).toBeUndefined();
    });
  });

  test.each([2, 3, 101, 100_001])('row %i is the row in the result and in the message', (row) => {
    expect(ok(readCsvRecord(demoCatalog, { userPrincipalName: UPN, licenses: 'ENTERPRISEPACK' }, row, 'add', Date.now())).row).toBe(row);
    const e = err(readCsvRecord(demoCatalog, { userPrincipalName: UPN, licenses: '' }, row, 'add', Date.now()));
    expect(e.row).toBe(row);
    expect(e.error.message.startsWith(`Row ${row}: `)).toBe(true);
  });

  test('a row read in add mode, run through an add job, gives the user each product once', () => {
    const row = ok(read({ userPrincipalName: UPN, licenses: `ENTERPRISEPACK;${E3};POWER_BI_PRO`, disabledPlans: 'TEAMS1' }));
    const jc = changeOf(jobChangeFor(demoCatalog, req('add'), [], { addLicenses: row.addLicenses }));
    const outcome = evaluate({ user: member([]), change: change(jc.addLicenses, jc.removeLicenses) });
    expect(outcome.violations).toEqual([]);
    expect(outcome.next.map((a) => a.skuId).sort()).toEqual([E3, PBI].sort());
    expect(outcome.seatsToReserve.sort()).toEqual([E3, PBI].sort());
  });
});

// ---------------------------------------------------------------------------------------------------------
// jobProgress
// ---------------------------------------------------------------------------------------------------------

describe('jobProgress', () => {
  const START = Date.parse('2025-06-01T12:00:00.000Z');
  const counts = (succeeded: number, failed = 0, skipped = 0) => ({ succeeded, failed, skipped });

  test('queued, not started: 0 %, no estimate', () => {
    expect(jobProgress(100, counts(0), undefined, START)).toEqual({ processed: 0, percentComplete: 0, estimatedSecondsRemaining: null });
  });

  test('started but nothing processed yet: no estimate', () => {
    expect(jobProgress(100, counts(0), START, START + 30_000)).toEqual({ processed: 0, percentComplete: 0, estimatedSecondsRemaining: null });
  });

  test('users processed but no start time: no estimate', () => {
    expect(jobProgress(100, counts(10), undefined, START)).toEqual({ processed: 10, percentComplete: 10, estimatedSecondsRemaining: null });
  });

  test('processed counts succeeded, failed and skipped users', () => {
    expect(jobProgress(100, counts(10, 5, 3), START, START + 18_000)).toEqual({ processed: 18, percentComplete: 18, estimatedSecondsRemaining: 82 });
  });

  test('the estimate is proportional to the time per user so far', () => {
    // 25 users in 10 s: 0.4 s each, 75 left
    expect(jobProgress(100, counts(25), START, START + 10_000)).toEqual({ processed: 25, percentComplete: 25, estimatedSecondsRemaining: 30 });
    // 50 users in 10 s: 0.2 s each, 50 left
    expect(jobProgress(100, counts(20, 20, 10), START, START + 10_000).estimatedSecondsRemaining).toBe(10);
    // 1 user in 1 minute, 9,999 left
    expect(jobProgress(10_000, counts(1), START, START + 60_000).estimatedSecondsRemaining).toBe(599_940);
  });

  test('the estimate is rounded up to whole seconds', () => {
    expect(jobProgress(3, counts(1), START, START + 1001).estimatedSecondsRemaining).toBe(3); // 2.002 s
    expect(jobProgress(1000, counts(999), START, START + 999).estimatedSecondsRemaining).toBe(1); // 0.001 s
  });

  test('no time spent yet: 0 seconds left', () => {
    expect(jobProgress(100, counts(10), START, START).estimatedSecondsRemaining).toBe(0);
  });

  test.each([
    [3, 1, 33],
    [3, 2, 66],
    [200, 199, 99],
    [7, 1, 14],
    [100_000, 1, 0],
    [100_000, 99_999, 99],
  ])('percent rounds down: %i users, %i processed: %i %%', (total, processed, expected) => {
    expect(jobProgress(total, counts(processed), START, START + 1000).percentComplete).toBe(expected);
  });

  test('done: 100 % and 0 seconds left, started or not', () => {
    expect(jobProgress(250, counts(200, 30, 20), START, START + 50_000)).toEqual({ processed: 250, percentComplete: 100, estimatedSecondsRemaining: 0 });
    expect(jobProgress(250, counts(250), undefined, START)).toEqual({ processed: 250, percentComplete: 100, estimatedSecondsRemaining: 0 });
  });

  test('more processed than total (a redelivered chunk counted late): capped at 100 %, 0 seconds left', () => {
    expect(jobProgress(100, counts(90, 20), START, START + 1000)).toEqual({ processed: 110, percentComplete: 100, estimatedSecondsRemaining: 0 });
  });

  test('an empty job is complete', () => {
    expect(jobProgress(0, counts(0), undefined, START)).toEqual({ processed: 0, percentComplete: 100, estimatedSecondsRemaining: 0 });
    expect(jobProgress(0, counts(0), START, START + 5000)).toEqual({ processed: 0, percentComplete: 100, estimatedSecondsRemaining: 0 });
  });
});
