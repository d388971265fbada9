/**
 * A direct change of a user's licenses (Graph's assignLicense body: products to add, with their disabled
 * plans, and products to remove), decided by the pure rules: the change most paths make.
 */
import { evaluateLicenseChange, LicenseChange } from '../domain/licensing';
import { Principal } from '../domain/roles';
import { UserDoc } from '../storage/documents';
import { Decision, DecideContext, UserChange } from './changes';

export interface DirectChange {
  userId: string;
  /** The user as the caller already read it (saves a read). */
  current?: UserDoc;
  /**
   * User properties set in the same write, before the rules are checked (a bulk import's usage location and
   * sign-in date): fixed, or from the user as stored now (a value that must not move backwards).
   */
  userPatch?: UserPatch | ((stored: UserDoc) => UserPatch);
  /** The change, from the user as stored now (asked again if the user changes meanwhile); may throw an ApiError to refuse. */
  changeFor: (user: UserDoc) => LicenseChange;
}

export type UserPatch = Partial<Pick<UserDoc, 'usageLocation' | 'signInActivity'>>;

export function decideDirect(principal: Pick<Principal, 'directoryRoles' | 'appRoles'>, d: Pick<DirectChange, 'userPatch' | 'changeFor'>) {
  return (stored: UserDoc, context: DecideContext): Decision => {
    const patch = (typeof d.userPatch === 'function' ? d.userPatch(stored) : d.userPatch) ?? {};
    const user = { ...stored, ...patch };
    const change = d.changeFor(user);
    const outcome = evaluateLicenseChange({
      catalog: context.catalog,
      principal,
      user,
      subscriptions: context.subscriptions,
      change,
      now: context.now,
      checkSeats: false,
    });
    const patched = Object.entries(patch).some(([k, v]) => JSON.stringify(stored[k as keyof UserDoc]) !== JSON.stringify(v));
    return {
      violations: outcome.violations,
      next: outcome.next,
      fields: patch,
      unchanged: outcome.unchanged && !patched,
      touched: [...change.addLicenses.map((a) => a.skuId), ...change.removeLicenses],
    };
  };
}

/** A direct change as the engine takes it. */
export const directChange = (principal: Pick<Principal, 'directoryRoles' | 'appRoles'>, d: DirectChange): UserChange => ({
  userId: d.userId,
  current: d.current,
  decide: decideDirect(principal, d),
});
