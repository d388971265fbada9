/**
 * The reader of Microsoft's product table: every quirk of the real editions (a hand-written file carrying
 * each, in the current edition's UTF-8 with BOM and the older Windows-1252 with `String_ Id`), a full-size
 * generated table (6,000 rows, 620 products, 800 plans, one product with 112), read whole and in chunks
 * that cut characters and rows anywhere, and every refusal.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateMicrosoftTable, inChunks } from '../../bench/lib/microsoftTableFixture';
import { ApiError } from '../../shared/errors';
import {
  cloudsOfPartNumber,
  MAX_TABLE_BYTES,
  MAX_TABLE_RECORD_CHARS,
  MAX_TABLE_ROWS,
  MicrosoftTable,
  readMicrosoftTable,
} from '../../shared/catalog/microsoftTable';

const fixture = (name: string) => readFileSync(join(__dirname, '..', 'fixtures', 'catalog', name));
const HEADER = 'Product_Display_Name,String_Id,GUID,Service_Plan_Name,Service_Plan_Id,Service_Plans_Included_Friendly_Names';
const ROW = 'Office 365 E3,ENTERPRISEPACK,6fd2c87f-b296-42f0-b197-1e91e994b900,TEAMS1,57ff2da0-773e-42df-b2af-ffb7a2317929,Microsoft Teams';

async function refusal(source: Parameters<typeof readMicrosoftTable>[0]): Promise<ApiError> {
  try {
    await readMicrosoftTable(source);
  } catch (e) {
    if (e instanceof ApiError) return e;
    throw e;
  }
  throw new Error('the file was read, not refused');
}

const noteOf = (table: MicrosoftTable, code: string) => table.notes.find((n) => n.code === code);
const counts = (table: MicrosoftTable) => Object.fromEntries(table.notes.map((n) => [n.code, n.count]));
const shape = (table: MicrosoftTable) => ({
  products: table.products.map((p) => [p.skuId, p.skuPartNumber, p.displayName, p.servicePlans.map((s) => s.servicePlanId), p.clouds]),
  plans: table.servicePlans.map((s) => [s.servicePlanId, s.servicePlanName, s.displayName]),
  rows: table.rows,
});

const GOV = ['AzureUSGovernment'];
const CLOUD = ['AzureCloud'];
const FOUNDATION = '113feb6c-3fe4-4440-bddc-54d774bf0318';
const FOUNDATION_GOV = '922ba911-5694-4e99-a794-73aed9bfeec8';
const RMS = 'bea4c11e-220a-4e6d-8eb8-8ea15d019f90';
const WAC = 'e95bec33-7c88-4a70-8e19-b10bd9d0c014';
const SWAY = 'a23b959c-7ce8-4e57-9140-b90eb88a9e97';
const HIRING = 'f815ac79-c5dd-4bcc-9b78-d97f7b817d0d';
const MCOEV = '4828c8ec-dc2e-4779-b502-87ac9ce28ab7';

/** What test/fixtures/catalog/quirks.csv holds, and which of its lines carry which quirk (line 1 is the header, line 30 a row of empty cells). */
const QUIRKS_PRODUCTS = [
  // lines 2-3: a quoted name with a comma; an en dash in a friendly name
  [
    '977464c4-bfaf-4b67-b761-a9bb735a2196',
    'CRM_AUTO_ROUTING_ADDON',
    'Dynamics 365 Field Service, Enterprise Edition - Resource Scheduling Optimization',
    ['24435e4b-87d0-4d7d-8beb-63a9b1573022', FOUNDATION],
    CLOUD,
  ],
  // lines 4-7: one display name, two GUIDs; SHAREPOINTWAC under two friendly names, one row each (a tie: the first stays)
  ['cdd28e44-67e3-425e-be4c-737fab2899d3', 'O365_BUSINESS', 'Microsoft 365 Apps for Business', [WAC, SWAY], CLOUD],
  ['b214fe43-f5a3-4703-beeb-fa97188220fc', 'SMB_BUSINESS', 'Microsoft 365 Apps for Business', [WAC, SWAY], CLOUD],
  // lines 8-9, and 28-29 far below: its foundation plan again under other names (once in the product), and line 9 again
  [
    '2d3091c7-0712-488b-b3d8-6b97bde6a1f5',
    'MCOMEETADV_GOV',
    'Microsoft 365 Audio Conferencing for GCC',
    [FOUNDATION_GOV, 'f544b08d-1645-4287-82de-8d91f37c02a1'],
    GOV,
  ],
  // lines 10-12: no-break spaces inside the part number, tabs inside a quoted plan name
  [
    'c2fe850d-fbbb-4858-b67d-bd0c6e746da3',
    'O365_w/o Teams Bundle_M3',
    'Microsoft 365 E3 EEA (no Teams)',
    [FOUNDATION, RMS, 'e7c91390-7625-45be-94e0-e16907e03118'],
    CLOUD,
  ],
  // lines 13-14: one plan id under two Service_Plan_Names, one row each (a tie: the first stays)
  ['3a256e9a-15b6-4092-b0dc-82993f4debc6', 'SKU_Dynamics_365_for_HCM_Trial', 'Dynamics 365 for Talent', [HIRING], CLOUD],
  ['ccba3cfe-71ef-423a-bd87-b6df3dce59a9', 'Dynamics_365_for_Operations', 'Dynamics 365 UNF OPS Plan ENT Edition', [HIRING], CLOUD],
  // lines 15-16: RMS_S_ENTERPRISE misspelt "RMS_S_ENTERPRISE)" in one row of three
  ['8a180c2b-f4cf-4d44-897c-3d32acc4a60b', 'EMSPREMIUM_GOV', 'Enterprise Mobility + Security G5 GCC', [RMS, FOUNDATION_GOV], GOV],
  // lines 17-18: "Governance" is not a government marker
  [
    'cf6b0d46-4093-4546-a0ab-0b1546dcc10e',
    'Microsoft_Entra_ID_Governance',
    'Microsoft Entra ID Governance',
    ['e866a266-3cff-43a3-acca-0c90a7e00c8b', FOUNDATION],
    CLOUD,
  ],
  ['b0e7de67-e503-4934-b729-53d595ba5cd1', 'MCOEV_USGOV_DOD', 'Microsoft Teams Phone Standard_USGOV_DOD', [MCOEV], GOV],
  // lines 20-22: a trailing space after the part number and the GUID; line 22 repeats line 21
  [
    '420c7602-7f70-4895-9394-d3d679ea36fb',
    'MCOCAP_FACULTY',
    'Microsoft Teams Shared Devices for Faculty',
    [MCOEV, '57ff2da0-773e-42df-b2af-ffb7a2317929'],
    CLOUD,
  ],
  // lines 23-24: GUIDs in upper case
  ['aea38a85-9bd5-4981-aa00-616b411205bf', 'ENTERPRISEPACK_USGOV_GCCHIGH', 'Office 365 E3_USGOV_GCCHIGH', [RMS, 'efb87545-963c-4e0d-99df-69c6916d9eb0'], GOV],
  // line 25: a comma inside a quoted part number
  [
    '53265c61-c78c-4223-ab30-422da0c97fbb',
    'Power_Pages_authenticated_users_T3_min_1,000_units_100_users/per_site/month_capacity_pack_GCC',
    'Power Pages authenticated users T3 min 1,000 units - 100 users/per site/month capacity pack_GCC',
    ['7aae746a-3463-4737-b295-3c1a16c31438'],
    GOV,
  ],
  // lines 26-27: one part number, two GUIDs: two products
  ['d43177b5-475b-4880-92d4-d54c27b5efbd', 'MCOPSTN5', 'Skype for Business PSTN Calling Domestic Small', ['9a0125a5-c8f8-4526-b231-49e2abe0ebce'], CLOUD],
  [
    '54a152dc-90de-4996-93d2-bc47e670fc06',
    'MCOPSTN5',
    'Skype for Business PSTN Domestic Calling (120 Minutes)',
    ['54a152dc-90de-4996-93d2-bc47e670fc06'],
    CLOUD,
  ],
];
const QUIRKS_PLANS = [
  ['24435e4b-87d0-4d7d-8beb-63a9b1573022', 'CRM_AUTO_ROUTING_ENGINE_ADDON', 'Field Service \u2013 Automated Routing Engine Add-On'],
  [FOUNDATION, 'EXCHANGE_S_FOUNDATION', 'Exchange Foundation'], // 2 rows against 1 "EXCHANGE FOUNDATION"
  [WAC, 'SHAREPOINTWAC', 'Office for the Web'], // a tie with "OFFICE ONLINE": the first
  [SWAY, 'SWAY', 'Sway'],
  [FOUNDATION_GOV, 'EXCHANGE_S_FOUNDATION_GOV', 'Exchange Foundation for Government'], // 2 rows against 1 EXCHANGE_FOUNDATION_GOV
  ['f544b08d-1645-4287-82de-8d91f37c02a1', 'MCOMEETADV_GOV', 'Microsoft 365 Audio Conferencing for Government'],
  [RMS, 'RMS_S_ENTERPRISE', 'Azure Rights Management'], // 2 rows against 1 "RMS_S_ENTERPRISE)"
  ['e7c91390-7625-45be-94e0-e16907e03118', 'Virtualization Rights for Windows 10 (E3/E5+VDA)', 'Windows 10 Enterprise (New)'],
  [HIRING, 'Dynamics_365_Hiring_Free_PLAN', 'Dynamics 365 for Talent: Attract'], // ties: the first
  ['e866a266-3cff-43a3-acca-0c90a7e00c8b', 'Entra_Identity_Governance', 'Entra Identity Governance'],
  [MCOEV, 'MCOEV', 'Microsoft 365 Phone System'],
  ['57ff2da0-773e-42df-b2af-ffb7a2317929', 'TEAMS1', 'Microsoft Teams'],
  ['efb87545-963c-4e0d-99df-69c6916d9eb0', 'EXCHANGE_S_ENTERPRISE', 'Exchange Online (Plan 2)'],
  ['7aae746a-3463-4737-b295-3c1a16c31438', 'DV_PowerPages_Authenticated_User', 'Dataverse for Power Pages Authenticated users per site'],
  ['9a0125a5-c8f8-4526-b231-49e2abe0ebce', 'Skype for Business PSTN Calling Domestic Small', 'Skype for Business PSTN Calling Domestic Small'],
  ['54a152dc-90de-4996-93d2-bc47e670fc06', 'MCOPSTN5', 'DOMESTIC CALLING PLAN'],
];
const QUIRKS_NOTES = {
  spacesTrimmed: 6,
  whitespaceInside: 4,
  duplicateRows: 2,
  idsLowerCased: 3,
  planRepeatedInProduct: 1,
  blankRows: 1,
  planNameVaries: 3,
  planFriendlyNameVaries: 4,
  partNumberUnderSeveralProducts: 1,
  displayNameShared: 1,
};

describe('Microsoft table: the quirks of the real file (test/fixtures/catalog/quirks.csv)', () => {
  let table: MicrosoftTable;
  beforeAll(async () => {
    table = await readMicrosoftTable(inChunks(fixture('quirks.csv'), 64 * 1024));
  });

  test('products by GUID in file order, each plan once in row order, names tidied, clouds from the part number', () => {
    expect(shape(table)).toEqual({ products: QUIRKS_PRODUCTS, plans: QUIRKS_PLANS, rows: 28 });
  });

  test('each tidy-up is noted with a count and examples', () => {
    expect(counts(table)).toEqual(QUIRKS_NOTES);
    expect(noteOf(table, 'duplicateRows')!.examples).toEqual(['line 22 repeats line 21', 'line 29 repeats line 9']);
    expect(noteOf(table, 'spacesTrimmed')!.examples[0]).toBe('line 20, String_Id: "MCOCAP_FACULTY "');
    expect(noteOf(table, 'whitespaceInside')!.examples).toContain('line 10, String_Id: "O365_w/o\\u00a0Teams\\u00a0Bundle_M3"');
    expect(noteOf(table, 'whitespaceInside')!.examples).toContain(
      'line 12, Service_Plan_Name: "Virtualization \\tRights \\tfor \\tWindows \\t10 \\t(E3/E5+VDA)"',
    );
    expect(noteOf(table, 'planRepeatedInProduct')!.examples).toEqual([
      `line 28: EXCHANGE_FOUNDATION_GOV (${FOUNDATION_GOV}) again in MCOMEETADV_GOV (2d3091c7-0712-488b-b3d8-6b97bde6a1f5), first on line 8`,
    ]);
    expect(noteOf(table, 'planNameVaries')!.examples).toEqual([
      `${FOUNDATION_GOV}: "EXCHANGE_S_FOUNDATION_GOV" (2 rows) kept; "EXCHANGE_FOUNDATION_GOV" (1 row)`,
      `${RMS}: "RMS_S_ENTERPRISE" (2 rows) kept; "RMS_S_ENTERPRISE)" (1 row)`,
      `${HIRING}: "Dynamics_365_Hiring_Free_PLAN" (1 row) kept; "DYNAMICS_365_HIRING_FREE_PLAN" (1 row)`,
    ]);
    expect(noteOf(table, 'planFriendlyNameVaries')!.examples).toContain(`${WAC} (SHAREPOINTWAC): "Office for the Web" (1 row) kept; "OFFICE ONLINE" (1 row)`);
    expect(noteOf(table, 'partNumberUnderSeveralProducts')!.examples).toEqual([
      'MCOPSTN5: d43177b5-475b-4880-92d4-d54c27b5efbd, 54a152dc-90de-4996-93d2-bc47e670fc06',
    ]);
    expect(noteOf(table, 'displayNameShared')!.examples).toEqual([
      'Microsoft 365 Apps for Business: cdd28e44-67e3-425e-be4c-737fab2899d3, b214fe43-f5a3-4703-beeb-fa97188220fc',
    ]);
    expect(noteOf(table, 'idsLowerCased')!.examples[0]).toBe('line 23, GUID: AEA38A85-9BD5-4981-AA00-616B411205BF');
    expect(noteOf(table, 'blankRows')!.examples).toEqual(['line 30']);
    for (const n of table.notes) expect(n.message).toMatch(/\w/);
  });

  test('the edition before 2024 (Windows-1252, no BOM, header `String_ Id`) reads the same, and says how it was read', async () => {
    const old = await readMicrosoftTable(inChunks(fixture('quirks-before-2024.csv'), 64 * 1024));
    expect(shape(old)).toEqual(shape(table));
    expect(counts(old)).toEqual({ ...QUIRKS_NOTES, headerSpelling: 1, windows1252: 1 });
    expect(noteOf(old, 'headerSpelling')!.examples).toEqual(['"String_ Id" read as String_Id']);
    expect(old.servicePlans[0].displayName).toBe('Field Service \u2013 Automated Routing Engine Add-On'); // 0x96 in Windows-1252
  });

  test.each([1, 2, 3, 5, 64])('the same in chunks of %i bytes (cutting the BOM, characters and rows anywhere)', async (size) => {
    expect(await readMicrosoftTable(inChunks(fixture('quirks.csv'), size))).toEqual(table);
    const old = await readMicrosoftTable(inChunks(fixture('quirks-before-2024.csv'), size));
    expect(shape(old)).toEqual(shape(table));
  });

  test('the same from text (a string, with or without the BOM character)', async () => {
    const text = fixture('quirks.csv').toString('utf8');
    expect(text.startsWith('\uFEFF')).toBe(true);
    expect(await readMicrosoftTable(text)).toEqual(table);
    expect(await readMicrosoftTable(text.slice(1))).toEqual(table);
  });
});

describe('Microsoft table: a full-size generated table', () => {
  test.each(['current', 'before2024'] as const)('the %s edition: every product, plan and row as planted', async (edition) => {
    const g = generateMicrosoftTable({ edition });
    expect([g.rows, g.products.length, g.plans.length, g.biggest.plans]).toEqual([6000, 620, 800, 112]);
    const table = await readMicrosoftTable(inChunks(g.bytes, 4093));
    expect(table.rows).toBe(g.rows);
    expect(
      table.products.map((p) => ({
        skuId: p.skuId,
        skuPartNumber: p.skuPartNumber,
        displayName: p.displayName,
        servicePlanIds: p.servicePlans.map((s) => s.servicePlanId),
        clouds: p.clouds,
      })),
    ).toEqual(g.products);
    expect(table.servicePlans).toEqual(g.plans);
    // a product's plans carry the plans' kept names
    const byId = new Map(g.plans.map((p) => [p.servicePlanId, p]));
    for (const p of table.products) for (const s of p.servicePlans) expect(s).toEqual(byId.get(s.servicePlanId));
    const biggest = table.products.reduce((a, b) => (b.servicePlans.length > a.servicePlans.length ? b : a));
    expect({ skuId: biggest.skuId, plans: biggest.servicePlans.length }).toEqual(g.biggest);
    expect(table.products.filter((p) => p.clouds[0] === 'AzureUSGovernment')).toHaveLength(g.planted.usGovernmentProducts);
    expect(counts(table)).toEqual({
      ...(edition === 'before2024' ? { headerSpelling: 1, windows1252: 1 } : {}),
      duplicateRows: g.planted.duplicateRows,
      spacesTrimmed: g.planted.spacesTrimmedCells,
      whitespaceInside: g.planted.whitespaceInsideCells,
      idsLowerCased: g.planted.upperCaseIdCells,
      planRepeatedInProduct: g.planted.planRepeatedInProduct,
      planNameVaries: g.planted.planNameVaries.length,
      planFriendlyNameVaries: g.planted.planFriendlyNameVaries.length,
      partNumberUnderSeveralProducts: g.planted.partNumbersUnderSeveralProducts.length,
      displayNameShared: g.planted.displayNamesShared.length,
    });
    expect(g.planted.duplicateRows).toBeGreaterThan(0);
    expect(g.planted.quotedCells).toBeGreaterThan(0);
    expect(noteOf(table, 'partNumberUnderSeveralProducts')!.examples.map((e) => e.split(':')[0])).toEqual(g.planted.partNumbersUnderSeveralProducts);
    expect(noteOf(table, 'displayNameShared')!.examples.map((e) => e.slice(0, e.lastIndexOf(': ')))).toEqual(g.planted.displayNamesShared.slice(0, 5));
  });

  test('the generator is deterministic: the same seed gives the same bytes, another seed others', () => {
    const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
    expect(sha(generateMicrosoftTable().bytes)).toBe(sha(generateMicrosoftTable().bytes));
    expect(sha(generateMicrosoftTable({ seed: 7 }).bytes)).not.toBe(sha(generateMicrosoftTable().bytes));
    const small = generateMicrosoftTable({ products: 100, plans: 150, rows: 900, biggestProductPlans: 40 });
    expect([small.rows, small.products.length, small.plans.length, small.biggest.plans]).toEqual([900, 100, 150, 40]);
  });
});

describe('Microsoft table: how cells and files are read', () => {
  const read = (text: string) => readMicrosoftTable(text);

  test('cells separated by semicolons or tabs (a spreadsheet saving CSV in some locales): read, and noted', async () => {
    for (const d of [';', '\t']) {
      const t = await read(
        `${HEADER.replace(/,/g, d)}\r\n${'Office 365 E3, Enterprise;ENTERPRISEPACK;6fd2c87f-b296-42f0-b197-1e91e994b900;TEAMS1;57ff2da0-773e-42df-b2af-ffb7a2317929;Microsoft Teams'.replace(/;/g, d)}\r\n`,
      );
      expect(t.products.map((p) => [p.skuPartNumber, p.displayName])).toEqual([['ENTERPRISEPACK', 'Office 365 E3, Enterprise']]);
      expect(counts(t)).toEqual({ delimiter: 1 });
    }
  });

  test('columns found by name in any order and case; other columns ignored and noted', async () => {
    const t = await read(
      'service_plan_id,GUID,Notes,String_Id,Product_Display_Name,Service_Plans_Included_Friendly_Names,SERVICE_PLAN_NAME\n57ff2da0-773e-42df-b2af-ffb7a2317929,6fd2c87f-b296-42f0-b197-1e91e994b900,ours,ENTERPRISEPACK,Office 365 E3,Microsoft Teams,TEAMS1\n',
    );
    expect(shape(t).products).toEqual([
      ['6fd2c87f-b296-42f0-b197-1e91e994b900', 'ENTERPRISEPACK', 'Office 365 E3', ['57ff2da0-773e-42df-b2af-ffb7a2317929'], CLOUD],
    ]);
    expect(shape(t).plans).toEqual([['57ff2da0-773e-42df-b2af-ffb7a2317929', 'TEAMS1', 'Microsoft Teams']]);
    expect(counts(t)).toEqual({ headerSpelling: 2, extraColumns: 1 });
    expect(noteOf(t, 'extraColumns')!.examples).toEqual(['Notes']);
  });

  test('a row without a friendly name gives its plan the Service_Plan_Name; a stray quote inside a name stays in it', async () => {
    const t = await read(
      `${HEADER}\n${ROW.replace(/,Microsoft Teams$/, ',')}\nOffice 365 "E5",ENTERPRISEPREMIUM,c7df2760-2c81-4ef7-b578-5b5392b571df,TEAMS1,57ff2da0-773e-42df-b2af-ffb7a2317929,Microsoft Teams`,
    );
    expect(t.servicePlans).toEqual([{ servicePlanId: '57ff2da0-773e-42df-b2af-ffb7a2317929', servicePlanName: 'TEAMS1', displayName: 'TEAMS1' }]);
    expect(t.products[1].displayName).toBe('Office 365 "E5"');
    expect(counts(t)).toEqual({ friendlyNameMissing: 1, planFriendlyNameVaries: 1 });
  });

  test('a product whose rows disagree on its name or part number keeps the one most rows give (the first on a tie)', async () => {
    const t = await read(
      [
        HEADER,
        'Microsoft 365 Audio Conferencing for GCC,MCOMEETADV_GOC,2d3091c7-0712-488b-b3d8-6b97bde6a1f5,MCOMEETADV_GOV,f544b08d-1645-4287-82de-8d91f37c02a1,Audio Conferencing',
        'Microsoft 365 Audio Conferencing for GCC,MCOMEETADV_GOV,2d3091c7-0712-488b-b3d8-6b97bde6a1f5,EXCHANGE_S_FOUNDATION_GOV,922ba911-5694-4e99-a794-73aed9bfeec8,Exchange Foundation',
        'MICROSOFT 365 AUDIO CONFERENCING FOR GCC,MCOMEETADV_GOV,2d3091c7-0712-488b-b3d8-6b97bde6a1f5,TEAMS_GOV,304767db-7d23-49e8-a945-4a7eb65f9f28,Teams',
      ].join('\r\n'),
    );
    expect(t.products.map((p) => [p.skuPartNumber, p.displayName, p.clouds])).toEqual([['MCOMEETADV_GOV', 'Microsoft 365 Audio Conferencing for GCC', GOV]]);
    expect(counts(t)).toEqual({ productNameVaries: 1, partNumberVaries: 1 });
  });

  test.each([
    ['ENTERPRISEPACK', CLOUD],
    ['ENTERPRISEPACK_GOV', GOV],
    ['M365_G5_GCC', GOV],
    ['EMSPREMIUM_USGOV_GCCHIGH', GOV],
    ['MCOEV_USGOV_DOD', GOV],
    ['MCOEV_DOD', GOV],
    ['MCOEV_GCCHIGH', GOV],
    ['MESSAGING_GCC_TEST', GOV],
    ['CMPA_addon_GCC', GOV],
    ['Power_Pages_authenticated_users_T1_100_users/per_site/month_capacity_pack_USGOV_GCCHIGH', GOV],
    ['Microsoft_Entra_ID_Governance', CLOUD],
    ['Microsoft_Cloud_App_Security_App_Governance_Add_On', CLOUD],
    ['POWERFLOWGCC_TEST', CLOUD],
    ['DODO_PLAN', CLOUD],
  ])('cloudsOfPartNumber(%s) = %j', (part, clouds) => {
    expect(cloudsOfPartNumber(part)).toEqual(clouds);
  });
});

describe('Microsoft table: what is refused (400 invalidCatalogFile, what is wrong, where, and the way out)', () => {
  const expectRefusal = (e: ApiError, target: string, message: RegExp) => {
    expect({ status: e.status, code: e.code, target: e.target }).toEqual({ status: 400, code: 'invalidCatalogFile', target });
    expect(e.message).toMatch(message);
  };
  const WAY_OUT = /learn\.microsoft\.com\/entra\/identity\/users\/licensing-service-plan-reference/;

  test.each([
    ['nothing', ''],
    ['only a BOM', '\uFEFF'],
    ['only line breaks and spaces', '\r\n  \r\n\r\n'],
  ])('an empty file (%s)', async (_, text) => {
    const e = await refusal(text);
    expectRefusal(e, 'body', /The file is empty/);
    expect(e.message).toMatch(WAY_OUT);
    expectRefusal(await refusal(inChunks(Buffer.from(text), 1)), 'body', /The file is empty/);
  });

  test('no bytes at all (an empty upload)', async () => {
    expectRefusal(await refusal(inChunks(Buffer.alloc(0), 16)), 'body', /empty/);
  });

  test.each([
    ['an Excel workbook', Buffer.concat([Buffer.from('PK\x03\x04', 'latin1'), Buffer.from('[Content_Types].xml')]), /Excel workbook or a zip archive/],
    ['an Excel 97-2003 workbook', Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]), /Excel 97-2003/],
    ['UTF-16 text', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(`${HEADER}\r\n${ROW}\r\n`, 'utf16le')]), /UTF-16/],
    ['binary', Buffer.concat([Buffer.from(`${HEADER}\r\n`), Buffer.from([0x00, 0x01, 0x02, 0x00])]), /binary/],
  ])('%s', async (_, bytes, message) => {
    for (const size of [1, 3, 1024]) {
      const e = await refusal(inChunks(bytes, size));
      expectRefusal(e, 'body', message);
      expect(e.message).toMatch(/CSV UTF-8/);
    }
  });

  test("a CSV that is not Microsoft's table: the missing columns named, and what it has", async () => {
    const e = await refusal('userPrincipalName,licenses\nalexw@contoso.dev,ENTERPRISEPACK\n');
    expectRefusal(
      e,
      'Product_Display_Name',
      /lacks Product_Display_Name, String_Id, GUID, Service_Plan_Name, Service_Plan_Id, Service_Plans_Included_Friendly_Names/,
    );
    expect(e.message).toMatch(/it has "userPrincipalName", "licenses"/);
    expect(e.message).toMatch(WAY_OUT);
    const five = await refusal(`${HEADER.replace(',Service_Plans_Included_Friendly_Names', '')}\n`);
    expectRefusal(five, 'Service_Plans_Included_Friendly_Names', /lacks Service_Plans_Included_Friendly_Names \(/);
  });

  test('a column twice in the header', async () => {
    expectRefusal(await refusal(`${HEADER},GUID\n`), 'GUID', /the column GUID twice/);
  });

  test.each([
    ['GUID', ROW.replace('6fd2c87f-b296-42f0-b197-1e91e994b900', 'ENTERPRISEPACK'), /Line 3: GUID "ENTERPRISEPACK" is not a GUID; it must be the product's id/],
    ['GUID', ROW.replace('6fd2c87f-b296-42f0-b197-1e91e994b900', ''), /Line 3: GUID is empty; it must be the product's id/],
    [
      'Service_Plan_Id',
      ROW.replace('57ff2da0-773e-42df-b2af-ffb7a2317929', '{57ff2da0-773e-42df-b2af-ffb7a2317929}'),
      /Line 3: Service_Plan_Id .* is not a GUID/,
    ],
    ['Service_Plan_Id', ROW.replace('57ff2da0-773e-42df-b2af-ffb7a2317929', '57ff2da0773e42dfb2afffb7a2317929'), /Line 3: Service_Plan_Id/],
    ['String_Id', ROW.replace('ENTERPRISEPACK', ' '), /Line 3: String_Id is empty/],
    ['Product_Display_Name', ROW.replace('Office 365 E3', ''), /Line 3: Product_Display_Name is empty/],
    ['Service_Plan_Name', ROW.replace('TEAMS1', ''), /Line 3: Service_Plan_Name is empty/],
  ])('a row whose %s is wrong, with its line', async (column, bad, message) => {
    const e = await refusal(`${HEADER}\r\n${ROW}\r\n${bad}\r\n${ROW}\r\n`);
    expectRefusal(e, column, message);
    expect(e.message).toMatch(WAY_OUT);
  });

  test('a header and no rows: no products', async () => {
    expectRefusal(await refusal(`\uFEFF${HEADER}\r\n`), 'body', /header but no rows, so no products/);
    expectRefusal(await refusal(HEADER), 'body', /no rows/);
    expectRefusal(await refusal(`${HEADER}\r\n,,,,,\r\n,,,,,\r\n`), 'body', /no rows/);
  });

  test('a row with more cells than the header (a name with a comma, not quoted)', async () => {
    const e = await refusal(`${HEADER}\r\n${ROW}\r\nDynamics 365, Enterprise Edition,${ROW.slice(ROW.indexOf(',') + 1)}\r\n`);
    expectRefusal(e, 'line 3', /Line 3 has 7 cells.*must be in double quotes/);
  });

  test('a quote opened and never closed', async () => {
    const e = await refusal(
      `${HEADER}\r\n${ROW}\r\n"Office 365 E3,ENTERPRISEPACK,6fd2c87f-b296-42f0-b197-1e91e994b900,TEAMS1,57ff2da0-773e-42df-b2af-ffb7a2317929,Microsoft Teams\r\n`,
    );
    expect(e.status).toBe(400);
    expect(e.code).toBe('invalidCatalogFile');
    expect(e.message).toMatch(/double quote that is never closed/);
  });

  test(`a row longer than ${MAX_TABLE_RECORD_CHARS} characters`, async () => {
    const e = await refusal(`${HEADER}\r\n${ROW}\r\n${ROW.replace('Office 365 E3', 'x'.repeat(MAX_TABLE_RECORD_CHARS))}\r\n`);
    expectRefusal(e, 'line 3', new RegExp(`Line 3 is longer than ${MAX_TABLE_RECORD_CHARS} characters`));
  });

  test('UTF-8 that stops being UTF-8 (two files put together): the line where it stops', async () => {
    const bytes = Buffer.concat([
      Buffer.from(`\uFEFF${HEADER}\r\n${ROW.replace('Microsoft Teams', 'Teams \u2013 UTF-8')}\r\n`),
      Buffer.from('Office 365 E1 \x96 old,', 'latin1'),
      Buffer.from(`${ROW}\r\n`),
    ]);
    for (const size of [5, 4096]) expectRefusal(await refusal(inChunks(bytes, size)), 'line 3', /The file is UTF-8, yet line 3 is not/);
  });

  test(`more rows than the limit (${MAX_TABLE_ROWS}; a smaller one here), duplicates counted`, async () => {
    let pulled = 0;
    async function* rows() {
      yield `${HEADER}\r\n`;
      for (;;) yield (pulled++, `${ROW}\r\n`);
    }
    const e = await readMicrosoftTable(rows(), { maxRows: 300 }).catch((x: ApiError) => x);
    expectRefusal(e as ApiError, 'body', /The file has more than 300 rows; Microsoft's table has about 6,000/);
    expect(pulled).toBeLessThan(1000);
    expect((await readMicrosoftTable([HEADER, ...Array.from({ length: 300 }, () => ROW)].join('\n'), { maxRows: 300 })).rows).toBe(300);
  });

  test(`a 30 MB upload: 413 once past ${MAX_TABLE_BYTES} bytes, the rest never read, the source closed`, async () => {
    const row = Buffer.from(`${ROW.replace('Office 365 E3', `Office 365 E3 ${'with a long name '.repeat(20)}`)}\r\n`);
    const chunk = Buffer.concat(Array.from({ length: Math.ceil(65536 / row.length) }, () => row));
    let pulled = 0;
    let close: () => void;
    const closed = new Promise<void>((resolve) => (close = resolve));
    async function* upload() {
      try {
        yield Buffer.from(`\uFEFF${HEADER}\r\n`);
        while (pulled < 30 * 1024 * 1024) {
          pulled += chunk.length;
          yield chunk;
        }
      } finally {
        close();
      }
    }
    const e = await refusal(upload());
    expect({ status: e.status, code: e.code, target: e.target }).toEqual({ status: 413, code: 'requestTooLarge', target: 'body' });
    expect(e.message).toMatch(/larger than 8388608 bytes/);
    expect(pulled).toBeLessThanOrEqual(MAX_TABLE_BYTES + chunk.length);
    await closed; // (a source never closed would time the test out)
  }, 180_000); // 8 MiB parsed before the refusal: seconds on a busy machine

  test("an error of the source itself (the request's own body limit) passes through unchanged, and a refused file's source is closed", async () => {
    const own = new ApiError(413, 'requestTooLarge', 'Request body is larger than 10 bytes.', 'body');
    async function* failing() {
      yield Buffer.from(`${HEADER}\r\n${ROW}\r\n`);
      throw own;
    }
    expect(await refusal(failing())).toBe(own);
    let close: () => void;
    const closed = new Promise<void>((resolve) => (close = resolve));
    let pulled = 0;
    async function* badRow() {
      try {
        yield `${HEADER}\r\n${ROW.replace('TEAMS1,57ff2da0', 'TEAMS1,nope')}\r\n`;
        for (;;) yield (pulled++, `${ROW}\r\n`);
      } finally {
        close();
      }
    }
    expectRefusal(await refusal(badRow()), 'Service_Plan_Id', /Line 2/);
    await closed; // (a source never closed would time the test out)
    expect(pulled).toBeLessThan(1000); // read no further than the stream's buffers
  });
});
