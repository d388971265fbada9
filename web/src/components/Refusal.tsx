/**
 * A refusal from the service, next to what it concerns, in the admin's language: each detail's code and
 * parameters become the message and the way out with product and plan names (licensing/refusals.ts); a
 * code the console does not know keeps the service's own (English) message. The console adds the way out
 * it can offer itself (an action), when there is one.
 */
import { MessageBar, MessageBarActions, MessageBarBody, MessageBarTitle } from '@fluentui/react-components';
import { useCallback, useMemo } from 'react';
import { useTranslation } from 'react-i18next';
import type { Refusal, RefusalDetail } from '../graph/errors';
import { useSkus } from '../graph/queries';
import { explain, Explained, RefusalNames } from '../licensing/refusals';
import { useCountryName } from './UsageLocation';

/** Names for a refusal's ids, from the products the organization has (subscribedSkus with their plans). */
export function useRefusalNames(): RefusalNames {
  const { t, i18n } = useTranslation();
  const skus = useSkus().data;
  const country = useCountryName();
  return useMemo(() => {
    const products = new Map((skus ?? []).map((s) => [s.skuId, s.displayName]));
    const plans = new Map((skus ?? []).flatMap((s) => s.servicePlans.map((p) => [p.servicePlanId, p.displayName] as const)));
    const lng = i18n.resolvedLanguage ?? 'en';
    const or = new Intl.ListFormat(lng, { type: 'disjunction' });
    const and = new Intl.ListFormat(lng, { type: 'conjunction' });
    return {
      product: (id) => (id && products.get(id.toLowerCase())) || t('refusal.aProduct'),
      plan: (id) => (id && plans.get(id.toLowerCase())) || t('refusal.aPlan'),
      country,
      or: (items) => or.format(items),
      and: (items) => and.format(items),
    };
  }, [skus, country, t, i18n.resolvedLanguage]);
}

/** The console's own words for a refusal detail (undefined: a code it does not know). */
export function useExplain(): (d: Pick<RefusalDetail, 'code' | 'parameters'>) => Explained | undefined {
  const { t } = useTranslation();
  const names = useRefusalNames();
  return useCallback((d) => explain(d, t, names), [t, names]);
}

/**
 * A refusal as text: the console's own words for each detail when it knows every detail's code (several:
 * how many first), else the service's message.
 */
export function useRefusalText(): (refusal: Refusal | RefusalDetail) => string {
  const { t } = useTranslation();
  const say = useExplain();
  return useCallback(
    (refusal) => {
      const details = 'details' in refusal && refusal.details.length ? refusal.details : [refusal];
      const explained = details.map(say);
      if (explained.some((e) => !e)) return refusal.message;
      const lines = explained.map((e) => (e!.fix ? `${e!.message} ${e!.fix}` : e!.message));
      return [...(details.length > 1 ? [t('refusal.several', { count: details.length })] : []), ...lines].join(' ');
    },
    [t, say],
  );
}

export function RefusalBar({ refusal, title, action }: { refusal: Refusal | RefusalDetail; title?: React.ReactNode; action?: React.ReactNode }) {
  const text = useRefusalText();
  return (
    <MessageBar intent="error" layout="multiline" data-code={refusal.code}>
      <MessageBarBody>
        {title && <MessageBarTitle>{title}</MessageBarTitle>}
        <span data-testid="refusal-text">{text(refusal)}</span>
      </MessageBarBody>
      {action && <MessageBarActions>{action}</MessageBarActions>}
    </MessageBar>
  );
}

export function SuccessBar({ title, children }: { title: string; children?: React.ReactNode }) {
  return (
    <MessageBar intent="success" layout="multiline">
      <MessageBarBody>
        <MessageBarTitle>{title}</MessageBarTitle>
        {children}
      </MessageBarBody>
    </MessageBar>
  );
}
