/**
 * A full-size table like Microsoft's "Product names and service plan identifiers for licensing.csv", made
 * up and deterministic (a seeded generator: the same options give the same bytes on every run), with every
 * quirk the real editions have: a UTF-8 BOM (or Windows-1252 and the header `String_ Id`, as before 2024),
 * quoted names with commas, exact duplicate rows (next to the original and far from it), trailing spaces
 * after part numbers, GUIDs, product and plan names, a no-break space inside a part number and tabs inside
 * a plan name, upper-case GUIDs, one part number under two product GUIDs, one display name shared by
 * several GUIDs, plan ids under several Service_Plan_Names and friendly names (one name in most rows; ties
 * with the first one first), a plan listed twice in one product under other names, US Government part
 * numbers (and look-alikes that are not), en dashes, CRLF line ends. Default size as the issue gives the
 * table: 6,000 rows, 620 products, 800 plans, one product with 112 plans.
 *
 * Along with the bytes it returns what a reader must make of them (the model it wrote the rows from, and
 * how many of each quirk it planted), so tests and benches compare against what was planted, not against
 * another reading. Lives in bench/lib so that tests and benches can both import it; no test code in dist.
 */
import type { Cloud } from '../../shared/catalog/microsoftTable';

export interface GenerateTableOptions {
  seed?: number;
  products?: number;
  plans?: number;
  /** Data rows in the file, duplicates included. */
  rows?: number;
  /** Plans of the biggest product. */
  biggestProductPlans?: number;
  /** `current`: UTF-8 with a BOM, header `String_Id`; `before2024`: Windows-1252, header `String_ Id`. */
  edition?: 'current' | 'before2024';
}

export interface ExpectedPlan {
  servicePlanId: string;
  servicePlanName: string;
  displayName: string;
}

export interface ExpectedProduct {
  skuId: string;
  skuPartNumber: string;
  displayName: string;
  servicePlanIds: string[];
  clouds: Cloud[];
}

export interface GeneratedTable {
  /** The file's text (without the BOM). */
  text: string;
  /** The file's bytes as Microsoft publishes that edition. */
  bytes: Buffer;
  /** What a reader must make of it: products in file order, plans in the order the file first names them. */
  products: ExpectedProduct[];
  plans: ExpectedPlan[];
  rows: number;
  biggest: { skuId: string; plans: number };
  /** How many of each quirk were planted (notes a reader reports). */
  planted: {
    duplicateRows: number;
    spacesTrimmedCells: number;
    whitespaceInsideCells: number;
    upperCaseIdCells: number;
    quotedCells: number;
    /** plan ids with another Service_Plan_Name in some rows, and the name each must keep */
    planNameVaries: string[];
    planFriendlyNameVaries: string[];
    planRepeatedInProduct: number;
    partNumbersUnderSeveralProducts: string[];
    displayNamesShared: string[];
    usGovernmentProducts: number;
  };
}

/** mulberry32: a small seeded generator, the same numbers for the same seed on every machine. */
function random(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const FAMILIES = [
  'Microsoft 365',
  'Office 365',
  'Dynamics 365',
  'Power Apps',
  'Power BI',
  'Microsoft Teams',
  'Windows',
  'Project',
  'Visio',
  'Exchange Online',
  'SharePoint',
  'Microsoft Defender',
  'Microsoft Entra',
  'Microsoft Intune',
  'Copilot Studio',
  'Power Automate',
];
const VARIANTS = [
  'E1',
  'E3',
  'E5',
  'F1',
  'F3',
  'A1 for Faculty',
  'A3 for Students',
  'Business Basic',
  'Business Premium',
  'Plan 1',
  'Plan 2',
  'Premium',
  'Standard',
  'Trial',
  'Add-on',
  '(no Teams)',
  'for Education',
  'EEA (no Teams)',
  'Enterprise Edition',
];
const PLAN_STEMS = [
  'EXCHANGE_S',
  'SHAREPOINT',
  'TEAMS',
  'MCO',
  'FORMS_PLAN',
  'POWERAPPS',
  'FLOW',
  'BI_AZURE',
  'DYN365',
  'INTUNE',
  'AAD',
  'MIP_S',
  'RMS_S',
  'PROJECT',
  'VISIO',
  'STREAM',
];
const PLAN_WORDS = [
  'Exchange',
  'SharePoint',
  'Teams',
  'Forms',
  'Power Apps',
  'Flow',
  'Power BI',
  'Dynamics',
  'Intune',
  'Entra ID',
  'Information Protection',
  'Project',
  'Visio',
  'Stream',
];
const GOV_SUFFIXES = ['_GOV', '_GCC', '_USGOV_GCCHIGH', '_USGOV_DOD', '_DOD'];

const partNumberOf = (name: string, i: number) =>
  `${name
    .toUpperCase()
    .replace(/[^A-Z0-9]+/g, '_')
    .replace(/^_|_$/g, '')}_${i}`;
const csvCell = (v: string) => (/[",\r\n\t]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);

/** Windows-1252 for the few non-ASCII characters the table uses. */
const CP1252: Record<string, number> = { '\u2013': 0x96, '\u00a0': 0xa0, '\u00e9': 0xe9, '\u00ae': 0xae, '\u2122': 0x99 };
function windows1252(text: string): Buffer {
  const out = Buffer.alloc(text.length);
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    const b = c < 0x80 ? c : CP1252[text[i]];
    if (b === undefined) throw new Error(`no Windows-1252 byte for U+${c.toString(16)}`);
    out[i] = b;
  }
  return out;
}

export function generateMicrosoftTable(options: GenerateTableOptions = {}): GeneratedTable {
  const seed = options.seed ?? 20;
  const productCount = options.products ?? 620;
  const planCount = options.plans ?? 800;
  const rowTarget = options.rows ?? 6000;
  const biggestPlans = options.biggestProductPlans ?? 112;
  const edition = options.edition ?? 'current';
  const rnd = random(seed);
  const pick = (n: number) => Math.floor(rnd() * n);
  const used = new Set<string>();
  const guid = () => {
    for (;;) {
      const hex = Array.from({ length: 32 }, () => pick(16).toString(16)).join('');
      const id = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-${'89ab'[pick(4)]}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
      if (!used.has(id)) return (used.add(id), id);
    }
  };

  // plans: names from a few stems and words; some friendly names with an en dash or a comma
  const plans: ExpectedPlan[] = Array.from({ length: planCount }, (_, i) => {
    const word = PLAN_WORDS[i % PLAN_WORDS.length];
    const displayName =
      i === 0
        ? 'Exchange Foundation'
        : i % 37 === 5
          ? `${word} \u2013 Standard ${i}`
          : i % 41 === 7
            ? `${word} for Government, Plan ${i}`
            : `${word} Plan ${i}`;
    return { servicePlanId: guid(), servicePlanName: i === 0 ? 'EXCHANGE_S_FOUNDATION' : `${PLAN_STEMS[i % PLAN_STEMS.length]}_${i}`, displayName };
  });
  const TAB_PLAN = Math.min(5, planCount - 1); // its name is written with tabs between the words, as the real table does one
  plans[TAB_PLAN].servicePlanName = 'Virtualization Rights for Windows 10 (E3/E5+VDA)';

  // products: unique names and part numbers; every sixth one sold in a US Government cloud
  const biggestAt = Math.floor(productCount / 2);
  const names = new Set<string>();
  const products: ExpectedProduct[] = Array.from({ length: productCount }, (_, i) => {
    let displayName = `${FAMILIES[pick(FAMILIES.length)]} ${VARIANTS[pick(VARIANTS.length)]}`;
    if (i % 23 === 3) displayName = `${displayName.split(' ').slice(0, 2).join(' ')}, Enterprise Edition - Add-on`;
    for (let n = 2; names.has(displayName); n++) displayName = `${displayName.replace(/ \(\d+\)$/, '')} (${n})`;
    names.add(displayName);
    let skuPartNumber = partNumberOf(displayName, i);
    let clouds: Cloud[] = ['AzureCloud'];
    if (i % 6 === 1) {
      skuPartNumber += GOV_SUFFIXES[Math.floor(i / 6) % GOV_SUFFIXES.length];
      clouds = ['AzureUSGovernment'];
    }
    // look-alikes that are not government products, and a comma in a part number
    const special: Record<number, string> = {
      7: `App_Governance_Add_On_${i}`,
      13: `POWERFLOWGCC_TEST_${i}`,
      19: `Power_Pages_T3_min_1,000_units_capacity_pack_${i}`,
    };
    if (special[i]) [skuPartNumber, clouds] = [special[i], ['AzureCloud']];
    return { skuId: guid(), skuPartNumber, displayName, servicePlanIds: [], clouds };
  });
  const NBSP_PRODUCT = Math.min(11, productCount - 1);
  products[NBSP_PRODUCT].skuPartNumber = `O365_w/o Teams Bundle_M3_${NBSP_PRODUCT}`; // written with no-break spaces

  // how many plans each product has: skewed (most have a few, bundles many), summing to the rows wanted
  const REPEATS = Math.min(5, Math.floor(rowTarget / 200));
  const pairs = rowTarget - Math.min(12, Math.floor(rowTarget / 100)) - REPEATS; // the rest: exact duplicates
  if (pairs < productCount - 1 + biggestPlans || pairs > (productCount - 1) * (biggestPlans - 1) + biggestPlans)
    throw new Error(`${rowTarget} rows do not fit ${productCount} products with at most ${biggestPlans} plans each`);
  const counts = products.map((_, i) => (i === biggestAt ? biggestPlans : 1 + Math.floor(rnd() ** 2.2 * 45)));
  let sum = counts.reduce((a, b) => a + b, 0);
  while (sum !== pairs) {
    const i = pick(productCount);
    if (i === biggestAt) continue;
    const step = sum > pairs ? (counts[i] > 1 ? -1 : 0) : counts[i] < Math.min(planCount, biggestPlans - 1) ? 1 : 0;
    counts[i] += step;
    sum += step;
  }
  // every plan in some product first (the product with the most room), then popular plans more often
  const inProduct = products.map(() => new Set<number>());
  for (let p = 0; p < planCount; p++) {
    let best = 0;
    for (let i = 1; i < productCount; i++) if (counts[i] - inProduct[i].size > counts[best] - inProduct[best].size) best = i;
    inProduct[best].add(p);
  }
  products.forEach((product, i) => {
    while (inProduct[i].size < counts[i]) inProduct[i].add(Math.floor(rnd() ** 2 * planCount));
    product.servicePlanIds = [...inProduct[i]].sort((a, b) => a - b).map((p) => plans[p].servicePlanId);
  });

  // names shared by several products (13 pairs and one of three), part numbers under two GUIDs (2)
  const displayNamesShared: string[] = [];
  for (let k = 0; k < 14 && 40 * k + 22 < productCount; k++) {
    const first = 40 * k + 20;
    const others = k === 0 ? [first + 1, first + 2] : [first + 2];
    for (const o of others) products[o].displayName = products[first].displayName;
    displayNamesShared.push(products[first].displayName);
  }
  const partNumbersUnderSeveralProducts: string[] = [];
  for (const [a, b] of [
    [30, 31],
    [250, 410],
  ])
    if (b < productCount) {
      products[b].skuPartNumber = products[a].skuPartNumber;
      products[b].clouds = products[a].clouds;
      partNumbersUnderSeveralProducts.push(products[a].skuPartNumber.toUpperCase());
    }

  // the rows, one per product and plan, with the model's names
  const planById = new Map(plans.map((p) => [p.servicePlanId, p]));
  type Cells = [string, string, string, string, string, string];
  const byProduct: Cells[][] = products.map((p) =>
    p.servicePlanIds.map((id) => {
      const plan = planById.get(id)!;
      return [p.displayName, p.skuPartNumber, p.skuId, plan.servicePlanName, id, plan.displayName];
    }),
  );
  const occurrences = new Map<string, Cells[]>();
  for (const rows of byProduct) for (const r of rows) occurrences.set(r[4], [...(occurrences.get(r[4]) ?? []), r]);

  // names that vary: another Service_Plan_Name in one row that is not the first (most rows keep the name);
  // one plan with two rows, the other name second (a tie: the first stays)
  const planNameVaries: string[] = [];
  const friendlyVaries = new Set<string>();
  const candidates = plans.filter((p) => p.servicePlanId !== plans[TAB_PLAN].servicePlanId);
  for (const p of candidates) {
    const rows = occurrences.get(p.servicePlanId) ?? [];
    if (planNameVaries.length < 7 && rows.length >= 3) {
      rows[rows.length - 1][3] = planNameVaries.length % 2 ? `${p.servicePlanName})` : p.servicePlanName.toLowerCase();
      planNameVaries.push(p.servicePlanId);
    }
  }
  const tie = candidates.find((p) => occurrences.get(p.servicePlanId)?.length === 2 && !planNameVaries.includes(p.servicePlanId));
  if (tie) {
    const rows = occurrences.get(tie.servicePlanId)!;
    rows[1][3] = tie.servicePlanName.toUpperCase() === tie.servicePlanName ? `${tie.servicePlanName}_PLAN` : tie.servicePlanName.toUpperCase();
    rows[1][5] = tie.displayName.toUpperCase();
    planNameVaries.push(tie.servicePlanId);
    friendlyVaries.add(tie.servicePlanId);
  }
  let everyOther = 0;
  for (const p of candidates) {
    const rows = occurrences.get(p.servicePlanId) ?? [];
    if (friendlyVaries.size < 140 && rows.length >= 3 && everyOther++ % 2 === 0) {
      rows[1][5] = p.displayName.toUpperCase();
      friendlyVaries.add(p.servicePlanId);
    }
  }
  // a plan listed again in the same product, under another friendly name (its plan has more rows than that)
  let planRepeatedInProduct = 0;
  for (let k = 0, i = 3; k < productCount && planRepeatedInProduct < REPEATS; k++, i = (i + 97) % productCount) {
    const id = products[i].servicePlanIds.find((s) => (occurrences.get(s)?.length ?? 0) >= 4 && !friendlyVaries.has(s) && !planNameVaries.includes(s));
    if (!id) continue;
    const plan = planById.get(id)!;
    byProduct[i].push([products[i].displayName, products[i].skuPartNumber, products[i].skuId, plan.servicePlanName, id, plan.displayName.toUpperCase()]);
    friendlyVaries.add(id);
    planRepeatedInProduct++;
  }

  // the way cells are written: trailing spaces, no-break spaces, tabs, upper-case GUIDs
  for (const i of [40, 41, 42].filter((n) => n < productCount)) for (const r of byProduct[i]) r[1] += ' ';
  // and, as in the 2022 editions, after a product's name and a plan's name in some rows
  if (productCount > 50) for (const r of byProduct[50]) r[0] += ' ';
  if (productCount > 55 && byProduct[55].length) byProduct[55][0][3] += ' ';
  if (productCount > 60)
    for (const r of byProduct[60]) {
      r[1] += ' ';
      r[2] += ' ';
    }
  for (const r of byProduct[NBSP_PRODUCT]) r[1] = r[1].replace(/ /g, '\u00a0');
  for (const rows of byProduct) for (const r of rows) if (r[4] === plans[TAB_PLAN].servicePlanId) r[3] = r[3].replace(/ /g, ' \t');
  if (productCount > 70) for (const r of byProduct[70]) r[2] = r[2].toUpperCase();

  // exact duplicates: half right after the original, half at the end of a later product
  let duplicateRows = 0;
  for (let k = 0; duplicateRows < rowTarget - pairs - planRepeatedInProduct; k++) {
    const i = (17 + 53 * k) % productCount;
    const rows = byProduct[i];
    if (!rows.length) continue;
    const original = rows[pick(rows.length)];
    if (k % 2 === 0) rows.splice(rows.indexOf(original) + 1, 0, [...original]);
    else byProduct[(i + 5) % productCount].push([...original]);
    duplicateRows++;
  }

  const header =
    edition === 'current'
      ? 'Product_Display_Name,String_Id,GUID,Service_Plan_Name,Service_Plan_Id,Service_Plans_Included_Friendly_Names'
      : 'Product_Display_Name,String_ Id,GUID,Service_Plan_Name,Service_Plan_Id,Service_Plans_Included_Friendly_Names';
  const all = byProduct.flat();
  let quotedCells = 0;
  const lines = all.map((r) => r.map((c) => (csvCell(c) !== c ? (quotedCells++, csvCell(c)) : c)).join(','));
  const text = `${header}\r\n${lines.join('\r\n')}\r\n`;
  const cells = (cols: number[]) => all.flatMap((r) => cols.map((c) => r[c]));
  const biggest = products.reduce((a, b) => (b.servicePlanIds.length > a.servicePlanIds.length ? b : a));
  const order = new Map<string, number>();
  for (const r of all) if (!order.has(r[4])) order.set(r[4], order.size);
  return {
    text,
    bytes: edition === 'current' ? Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text, 'utf8')]) : windows1252(text),
    products: products.map((p) => ({ ...p, skuId: p.skuId.toLowerCase() })),
    plans: [...plans].sort((a, b) => order.get(a.servicePlanId)! - order.get(b.servicePlanId)!),
    rows: all.length,
    biggest: { skuId: biggest.skuId, plans: biggest.servicePlanIds.length },
    planted: {
      duplicateRows,
      spacesTrimmedCells: cells([0, 1, 2, 3, 4, 5]).filter((c) => c !== c.trim()).length,
      whitespaceInsideCells: cells([0, 1, 2, 3, 4, 5]).filter((c) => /[^\S ]| {2}/.test(c.trim())).length,
      upperCaseIdCells: cells([2, 4]).filter((c) => /[A-F]/.test(c)).length,
      quotedCells,
      planNameVaries,
      planFriendlyNameVaries: [...friendlyVaries],
      planRepeatedInProduct,
      partNumbersUnderSeveralProducts,
      displayNamesShared,
      usGovernmentProducts: products.filter((p) => p.clouds[0] === 'AzureUSGovernment').length,
    },
  };
}

/** Bytes as an upload streams them: slices of `size`, cutting characters and rows anywhere. */
export async function* inChunks(bytes: Uint8Array, size: number): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
}
