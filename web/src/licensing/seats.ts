import type { SubscribedSku } from '../graph/types';

/** The licenses bought: enabled units (also while in the Warning period), or the suspended ones once Suspended. */
export const totalUnits = (s: Pick<SubscribedSku, 'prepaidUnits'>) => s.prepaidUnits.enabled || s.prepaidUnits.suspended;
