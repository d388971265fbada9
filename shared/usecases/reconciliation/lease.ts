/** A run holds its tenant's lease (one run per tenant at a time), renewed as it goes. */
import { LeaseDoc, leases } from '../../storage/reconciliation';

/** A run holds its tenant's lease this long, renewed as it goes. */
export const LEASE_MS = 2 * 60_000;
const RENEW_AFTER_MS = 30_000;

export class LeaseLostError extends Error {
  constructor() {
    super('The run lost its lease on the tenant (it expired and another run took it over); it stopped here.');
  }
}

export class LeaseKeeper {
  private renewedAt = Date.now();
  lost = false;
  constructor(public doc: LeaseDoc) {}

  async keepAlive(): Promise<void> {
    if (this.lost) throw new LeaseLostError();
    if (Date.now() - this.renewedAt < RENEW_AFTER_MS) return;
    const renewed = await leases.renew(this.doc, LEASE_MS);
    if (!renewed) {
      this.lost = true;
      throw new LeaseLostError();
    }
    this.doc = renewed;
    this.renewedAt = Date.now();
  }
}
