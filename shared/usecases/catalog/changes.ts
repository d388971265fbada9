/**
 * The operator's changes to the catalog, as data: what a route asks for (an own product put or patched, a
 * plan's rules, a rules document) and the edit it makes of the version in force. The same edit publishes
 * now, or later when the change was given an effectiveDateTime (scheduled.ts keeps it until then).
 */
import { z } from 'zod';
import { patchProduct, productNotFound, putProduct, setRules } from '../../catalog/edits';
import { Catalog, CatalogContent } from '../../domain/catalog';
import { ApiError, ErrorCodes } from '../../errors';
import * as c from '../../schemas/contracts';

export type CatalogChangeInput =
  | { operation: 'putProduct'; skuId: string; body: z.infer<typeof c.putProductBody> }
  | { operation: 'patchProduct'; skuId: string; body: z.infer<typeof c.patchProductBody> }
  | { operation: 'servicePlanRules'; servicePlanId: string; body: z.infer<typeof c.patchPlanRulesBody> }
  | { operation: 'rules'; body: z.infer<typeof c.rulesDocument> };

export function editOf(input: CatalogChangeInput): (current: Catalog, now: string) => CatalogContent {
  switch (input.operation) {
    case 'putProduct':
      return (current, now) => putProduct(current.content, input.skuId, input.body, now);
    case 'patchProduct':
      return (current) => {
        if (!current.product(input.skuId)) throw productNotFound(input.skuId);
        return patchProduct(current.content, input.skuId, input.body);
      };
    case 'servicePlanRules': {
      const id = input.servicePlanId.toLowerCase();
      return (current) => {
        if (!current.plan(id))
          throw new ApiError(
            404,
            ErrorCodes.notFound,
            `Service plan '${input.servicePlanId}' is in no product of the catalog. Import or create the products that have it first.`,
            input.servicePlanId,
          );
        return setRules(current.content, [{ servicePlanId: id, ...input.body }], { replace: false, target: () => 'body' });
      };
    }
    case 'rules':
      return (current) =>
        setRules(
          current.content,
          input.body.servicePlans.map(({ description, ...rules }) => (void description, rules)),
          { replace: true, target: (i) => `servicePlans[${i}]` },
        );
  }
}
