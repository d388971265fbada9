/**
 * Manage product licenses for up to 20 users goes through direct assignLicense calls; more become a
 * bulk job. Both must mean the same thing, so the direct path asks the service's own definition of each
 * mode (shared/domain/jobs.ts jobChangeFor: add, replace, unassign all) what to send for each user.
 */
import { EMPTY_CATALOG } from '../../../shared/domain/catalog';
import { jobChangeFor, JobMode, JobRequest } from '../../../shared/domain/jobs';
import type { LicenseAssignment } from '../../../shared/domain/licensing';
import type { AssignLicenseBody, User } from '../graph/types';

export type ManageMode = Extract<JobMode, 'add' | 'replace' | 'unassignAll'>;
export interface ChosenProduct {
  skuId: string;
  disabledPlans: string[];
}

/** The assignLicense body for one user, or undefined when the mode leaves nothing to do for them. */
export function changeFor(mode: ManageMode, user: Pick<User, 'licenseAssignmentStates'>, products: ChosenProduct[]): AssignLicenseBody | undefined {
  const request: JobRequest = { mode, addLicenses: mode === 'unassignAll' ? [] : products, removeLicenses: [] };
  // the user view's assignment states carry what jobChangeFor reads (skuId, disabledPlans, assignedByGroup)
  const assignments = user.licenseAssignmentStates.map((a): LicenseAssignment => ({
    ...a,
    state: a.state === 'Error' ? 'Error' : 'Active',
    assignedDateTime: a.lastUpdatedDateTime,
    error: undefined,
    errorMessage: undefined,
  }));
  // add, replace and unassign all read no catalog (only swap names the products it moves between)
  const result = jobChangeFor(EMPTY_CATALOG, request, assignments);
  return 'change' in result ? result.change : undefined;
}
