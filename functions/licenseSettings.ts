/** The organization's license settings: whether service plans the catalog adds to its products start on or off. */
import { route } from '../shared/http/pipeline';
import * as c from '../shared/schemas/contracts';
import { getLicenseSettings, updateLicenseSettings } from '../shared/usecases/licenseSettings';

route({
  name: 'getLicenseSettings',
  method: 'GET',
  route: 'v1.0/admin/licenseSettings',
  tag: 'Organization',
  summary: "The organization's license settings: newServicePlans, what a service plan the catalog adds to a product it holds does (enabled by default)",
  permission: 'read',
  response: c.licenseSettings,
  handler: async (ctx) => ({ body: await getLicenseSettings(ctx.tenant.id) }),
});

route({
  name: 'updateLicenseSettings',
  method: 'PATCH',
  route: 'v1.0/admin/licenseSettings',
  tag: 'Organization',
  summary:
    "newServicePlans: 'disabled' keeps service plans the catalog adds to held products off (added to every direct and group assignment's disabledPlans) until an admin switches them on; 'enabled' is Microsoft's behaviour (Global Administrator)",
  permission: 'manageLicenseSettings',
  body: c.updateLicenseSettingsBody,
  response: c.licenseSettings,
  handler: async (ctx) => ({
    body: await updateLicenseSettings(ctx.tenant.id, ctx.body, { id: ctx.principal.objectId, displayName: ctx.principal.displayName }),
  }),
});
