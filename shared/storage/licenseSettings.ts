/**
 * The organization's license settings (directory container, one document): whether service plans the
 * catalog adds to a product the organization holds start on (Microsoft's behaviour) or off.
 */
import { putIfMatch, readOf } from './cosmos';

export type NewServicePlans = 'enabled' | 'disabled';

export interface LicenseSettingsDoc {
  id: string;
  tenantId: string;
  type: 'licenseSettings';
  newServicePlans: NewServicePlans;
  lastModifiedDateTime: string;
  lastModifiedBy: { id: string; displayName: string };
  _etag?: string;
}

const SETTINGS_ID = 'license-settings';

export const licenseSettings = {
  /** The settings; undefined until a Global admin first changes them (a read never writes). */
  get: (tenantId: string) => readOf<LicenseSettingsDoc>('directory', SETTINGS_ID, tenantId, 'licenseSettings'),

  /** Writes the settings over the version read (created when there was none); undefined when another write came first. */
  put: (doc: Omit<LicenseSettingsDoc, 'id' | 'type'>, etag: string | undefined) =>
    putIfMatch<LicenseSettingsDoc>('directory', { ...doc, id: SETTINGS_ID, type: 'licenseSettings' }, etag),
};
