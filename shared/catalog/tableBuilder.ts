/**
 * The products and plans of Microsoft's table as its rows come in: each product by its GUID, each plan by its
 * id, the names their rows give them counted (the most given wins, the first on a tie), duplicate rows
 * dropped, and what was tidied noted. The rules are written out in microsoftTable.ts.
 */
import { cloudsOfPartNumber } from './clouds';
import type { MicrosoftTable, TableNote, TablePlan, TableProduct } from './microsoftTable';
import { invalidFile, MICROSOFT_TABLE_PAGE } from './tableText';

/** Examples kept per note. */
export const MAX_NOTE_EXAMPLES = 5;

/** Counts of the values a name was given; the winner is the most given, the first given on a tie. */
class Tally {
  private readonly counts = new Map<string, number>();
  add(value: string) {
    this.counts.set(value, (this.counts.get(value) ?? 0) + 1);
  }
  get size() {
    return this.counts.size;
  }
  winner(): string {
    let best = '';
    let most = 0;
    for (const [value, n] of this.counts) if (n > most) [best, most] = [value, n];
    return best;
  }
  /** `"kept" (12 rows) kept; "other" (1 row)`: for a note's example. */
  describe(): string {
    const kept = this.winner();
    const rows = (n: number) => `${n} row${n === 1 ? '' : 's'}`;
    const others = [...this.counts.keys()].filter((v) => v !== kept).map((v) => `${shown(v)} (${rows(this.counts.get(v)!)})`);
    return [`${shown(kept)} (${rows(this.counts.get(kept)!)}) kept`, ...others].join('; ');
  }
}

export class Notes {
  private readonly byCode = new Map<string, TableNote>();
  add(code: string, message: string, example?: string) {
    let note = this.byCode.get(code);
    if (!note) this.byCode.set(code, (note = { code, message, count: 0, examples: [] }));
    note.count++;
    if (example !== undefined && note.examples.length < MAX_NOTE_EXAMPLES) note.examples.push(example);
  }
  all(): TableNote[] {
    return [...this.byCode.values()];
  }
}

interface ProductEntry {
  skuId: string;
  names: Tally;
  partNumbers: Tally;
  /** plan id -> line that first listed it, in the order of the product's rows */
  plans: Map<string, number>;
}

interface PlanEntry {
  servicePlanId: string;
  names: Tally;
  friendlyNames: Tally;
}

export interface Row {
  line: number;
  productName: string;
  partNumber: string;
  skuId: string;
  planName: string;
  planId: string;
  friendlyName: string;
}

const rowKey = (r: Row) => [r.skuId, r.partNumber, r.productName, r.planId, r.planName, r.friendlyName].join('\u0001');
/** A cell in quotes for a note or message, its invisible white space (tab, no-break space) written out. */
export const shown = (s: string) => JSON.stringify(s).replace(/[^\S ]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);

/** The table as it is read, row by row; finish() gives the products and plans. */
export class TableBuilder {
  constructor(private readonly notes: Notes) {}
  private readonly products = new Map<string, ProductEntry>();
  private readonly plans = new Map<string, PlanEntry>();
  /** row key -> its first line, for duplicate rows */
  private readonly seen = new Map<string, number>();

  add(row: Row) {
    const firstLine = this.seen.get(rowKey(row));
    if (firstLine !== undefined) {
      this.notes.add('duplicateRows', 'Rows that repeat an earlier row (once tidied) were read once.', `line ${row.line} repeats line ${firstLine}`);
      return;
    }
    this.seen.set(rowKey(row), row.line);
    let product = this.products.get(row.skuId);
    if (!product) this.products.set(row.skuId, (product = { skuId: row.skuId, names: new Tally(), partNumbers: new Tally(), plans: new Map() }));
    product.names.add(row.productName);
    product.partNumbers.add(row.partNumber);
    let plan = this.plans.get(row.planId);
    if (!plan) this.plans.set(row.planId, (plan = { servicePlanId: row.planId, names: new Tally(), friendlyNames: new Tally() }));
    plan.names.add(row.planName);
    plan.friendlyNames.add(row.friendlyName);
    const listed = product.plans.get(row.planId);
    if (listed === undefined) product.plans.set(row.planId, row.line);
    else
      this.notes.add(
        'planRepeatedInProduct',
        'A product lists the same service plan on more than one row (under other names): the plan is in the product once, where it was first listed.',
        `line ${row.line}: ${row.planName} (${row.planId}) again in ${row.partNumber} (${row.skuId}), first on line ${listed}`,
      );
  }

  finish(rows: number): MicrosoftTable {
    if (!this.products.size)
      throw invalidFile(
        `The file has Microsoft's header but no rows, so no products. Upload the whole of "Product names and service plan identifiers for licensing.csv" from ${MICROSOFT_TABLE_PAGE}.`,
      );
    const servicePlans: TablePlan[] = [];
    const planById = new Map<string, TablePlan>();
    for (const p of this.plans.values()) {
      const plan = { servicePlanId: p.servicePlanId, servicePlanName: p.names.winner(), displayName: p.friendlyNames.winner() };
      if (p.names.size > 1)
        this.notes.add(
          'planNameVaries',
          'A service plan id appears under more than one Service_Plan_Name: the plan keeps the name most rows give it (the first in the file on a tie).',
          `${p.servicePlanId}: ${p.names.describe()}`,
        );
      if (p.friendlyNames.size > 1)
        this.notes.add(
          'planFriendlyNameVaries',
          'A service plan id appears under more than one friendly name: the plan keeps the name most rows give it (the first in the file on a tie).',
          `${p.servicePlanId} (${plan.servicePlanName}): ${p.friendlyNames.describe()}`,
        );
      servicePlans.push(plan);
      planById.set(plan.servicePlanId, plan);
    }
    const products: TableProduct[] = [];
    const byPartNumber = new Map<string, string[]>();
    const byName = new Map<string, string[]>();
    for (const p of this.products.values()) {
      const skuPartNumber = p.partNumbers.winner();
      const displayName = p.names.winner();
      if (p.names.size > 1)
        this.notes.add(
          'productNameVaries',
          "A product's rows give it more than one Product_Display_Name: it keeps the one most of its rows give (the first on a tie).",
          `${p.skuId}: ${p.names.describe()}`,
        );
      if (p.partNumbers.size > 1)
        this.notes.add(
          'partNumberVaries',
          "A product's rows give it more than one part number (String_Id): it keeps the one most of its rows give (the first on a tie).",
          `${p.skuId}: ${p.partNumbers.describe()}`,
        );
      byPartNumber.set(skuPartNumber.toUpperCase(), [...(byPartNumber.get(skuPartNumber.toUpperCase()) ?? []), p.skuId]);
      byName.set(displayName, [...(byName.get(displayName) ?? []), p.skuId]);
      products.push({
        skuId: p.skuId,
        skuPartNumber,
        displayName,
        servicePlans: [...p.plans.keys()].map((id) => ({ ...planById.get(id)! })),
        clouds: cloudsOfPartNumber(skuPartNumber),
      });
    }
    for (const [part, skuIds] of byPartNumber)
      if (skuIds.length > 1)
        this.notes.add(
          'partNumberUnderSeveralProducts',
          'One part number (String_Id) is given to several product GUIDs: the GUID is what identifies a product, so each is a product of its own.',
          `${part}: ${skuIds.join(', ')}`,
        );
    for (const [name, skuIds] of byName)
      if (skuIds.length > 1)
        this.notes.add(
          'displayNameShared',
          "Several products (GUIDs) share one display name, as in Microsoft's table; each is a product of its own.",
          `${name}: ${skuIds.join(', ')}`,
        );
    return { products, servicePlans, rows, notes: this.notes.all() };
  }
}
