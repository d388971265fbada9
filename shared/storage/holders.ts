/**
 * The users holding a product, lean (each one's id and license paths only): the catalog's job finds an
 * organization's holders of a changed product with it, a page at a time, on the indexed `skuIds`.
 */
import { LicenseAssignment } from '../domain/licensing';
import { queryPages } from './queries';

export interface HolderRow {
  id: string;
  licenseAssignments: LicenseAssignment[];
}

export const holders = {
  pages: (tenantId: string, skuId: string, pageSize: number) =>
    queryPages<HolderRow>(
      'directory',
      tenantId,
      `SELECT c.id, c.licenseAssignments FROM c WHERE c.tenantId = @tenantId AND c.type = 'user' AND ARRAY_CONTAINS(c.skuIds, @sku)`,
      [{ name: '@sku', value: skuId.toLowerCase() }],
      pageSize,
    ),
};
