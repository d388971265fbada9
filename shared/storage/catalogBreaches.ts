/**
 * Per organization, what the reconciliation's catalog step last checked (directory container, one
 * document): the catalog version, and the users who were in breach of its rules then (checked again each
 * run, so a fixed one leaves the list and a new version's rules are looked at only on the users they touch).
 */
import { putIfMatch, readOf } from './cosmos';

export interface CatalogBreachCheckDoc {
  id: string;
  tenantId: string;
  type: 'catalogBreachCheck';
  version: number;
  userIds: string[];
  _etag?: string;
}

const ID = 'catalog-breach-check';

export const catalogBreachChecks = {
  get: (tenantId: string) => readOf<CatalogBreachCheckDoc>('directory', ID, tenantId, 'catalogBreachCheck'),
  put: (tenantId: string, next: Pick<CatalogBreachCheckDoc, 'version' | 'userIds'>, etag: string | undefined) =>
    putIfMatch<CatalogBreachCheckDoc>('directory', { id: ID, tenantId, type: 'catalogBreachCheck', ...next }, etag),
};
