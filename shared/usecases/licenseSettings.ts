/**
 * The organization's license settings: `newServicePlans` decides what a service plan the catalog adds to a
 * product the organization holds does to its holders. `enabled` (the default, Microsoft's behaviour): it
 * is on for everyone who holds the product, nothing is written. `disabled`: it is added to the disabled
 * plans of every direct assignment and every group's assignment of the product (members follow), so new
 * apps stay off until an admin switches them on (catalog/planChanges.ts).
 */
import { z } from 'zod';
import * as c from '../schemas/contracts';
import { licenseSettings, NewServicePlans } from '../storage/licenseSettings';
import { changeIfMatch } from './changeIfMatch';

const DEFAULT: { newServicePlans: NewServicePlans } = { newServicePlans: 'enabled' };

export async function getLicenseSettings(tenantId: string): Promise<z.infer<typeof c.licenseSettings>> {
  const doc = await licenseSettings.get(tenantId);
  return doc
    ? { newServicePlans: doc.newServicePlans, lastModifiedDateTime: doc.lastModifiedDateTime, lastModifiedBy: doc.lastModifiedBy }
    : { ...DEFAULT, lastModifiedDateTime: null, lastModifiedBy: null };
}

export async function updateLicenseSettings(
  tenantId: string,
  body: z.infer<typeof c.updateLicenseSettingsBody>,
  by: { id: string; displayName: string },
): Promise<z.infer<typeof c.licenseSettings>> {
  await changeIfMatch({
    read: () => licenseSettings.get(tenantId),
    write: (current) =>
      licenseSettings.put(
        {
          tenantId,
          newServicePlans: body.newServicePlans ?? current?.newServicePlans ?? DEFAULT.newServicePlans,
          lastModifiedDateTime: new Date().toISOString(),
          lastModifiedBy: by,
        },
        current?._etag,
      ),
    attempts: 5,
    conflictMessage: 'The license settings kept changing while this request ran. Try again.',
  });
  return getLicenseSettings(tenantId);
}
