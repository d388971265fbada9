/**
 * Licenses > Auto-claim policy: when a user opens an app (Teams) without a license that gives it, they get
 * one from this list, the first product in order with a free license their location allows. Global and
 * License admins switch it on, pick the app and up to 4 products (in order, each with its apps and
 * services); everyone who reads licenses sees who claimed what, and the claims that failed and why, and
 * can download the list as CSV.
 */
import { Button, Dropdown, Field, makeStyles, Option, Subtitle2, Switch, Text, tokens } from '@fluentui/react-components';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useCan } from '../../auth/session';
import { ProductPicker } from '../../components/ProductPicker';
import { RefusalBar } from '../../components/Refusal';
import { ServicePlans } from '../../components/ServicePlans';
import { useGraph } from '../../graph/client';
import { refusalOf } from '../../graph/errors';
import { keys, planNameIn, useSkuNames, useSkus } from '../../graph/queries';
import { getAutoClaimPolicy, updateAutoClaimPolicy } from '../../graph/requests';
import type { AutoClaimPolicy } from '../../graph/types';
import { AutoClaims } from './AutoClaims';
import { PolicySave, usePolicyForm } from './policyForm';

const MAX_PRODUCTS = 4;
const policyKey = [...keys.skus, 'autoClaimPolicy'] as const;

const useStyles = makeStyles({
  form: { display: 'flex', flexDirection: 'column', gap: '12px', maxWidth: '720px', margin: '0 0 24px' },
  product: { border: `1px solid ${tokens.colorNeutralStroke2}`, borderRadius: tokens.borderRadiusMedium, padding: '8px 12px' },
  row: { display: 'flex', gap: '8px', alignItems: 'center', flexWrap: 'wrap' },
  hint: { color: tokens.colorNeutralForeground3 },
});

export function AutoClaimTab() {
  const { t } = useTranslation();
  const styles = useStyles();
  const client = useGraph();
  const skus = useSkus().data ?? [];
  const planName = planNameIn(skus);
  const mayChange = useCan('manageAutoClaimPolicy');
  const form = usePolicyForm<AutoClaimPolicy>(
    policyKey,
    () => getAutoClaimPolicy(client),
    (body) => updateAutoClaimPolicy(client, body),
  );
  const { policy, draft, edit, save } = form;
  const [adding, setAdding] = useState('');
  const name = useSkuNames();
  const move = (i: number, by: number) => {
    const products = [...draft!.products];
    [products[i], products[i + by]] = [products[i + by], products[i]];
    edit({ ...draft!, products });
  };

  if (policy.isError) return <RefusalBar refusal={refusalOf(policy.error)} />;
  if (!draft) return null;
  const ro = !mayChange;
  return (
    <>
      <form
        className={styles.form}
        aria-label={t('autoClaim.title')}
        onSubmit={(e) => {
          e.preventDefault();
          save.mutate(draft);
        }}
      >
        <Text className={styles.hint}>{t('autoClaim.explain')}</Text>
        <Switch label={t('autoClaim.enabled')} checked={draft.enabled} disabled={ro} onChange={(_, d) => edit({ ...draft, enabled: d.checked })} />
        <Field label={t('autoClaim.app')}>
          <Dropdown
            value={draft.app}
            selectedOptions={[draft.app]}
            disabled={ro}
            onOptionSelect={(_, d) => edit({ ...draft, app: d.optionValue ?? draft.app })}
          >
            {/* the apps the catalog's service plans give (the service answers them with the policy) */}
            {draft.availableApps.map((a) => (
              <Option key={a} value={a}>
                {a}
              </Option>
            ))}
          </Dropdown>
        </Field>
        <Subtitle2 as="h2">{t('autoClaim.products')}</Subtitle2>
        {!draft.products.length && <Text className={styles.hint}>{t('autoClaim.noProducts')}</Text>}
        <ol style={{ margin: 0, paddingLeft: 20, display: 'flex', flexDirection: 'column', gap: 8 }}>
          {draft.products.map((p, i) => {
            const sku = skus.find((s) => s.skuId === p.skuId);
            return (
              <li key={p.skuId} className={styles.product}>
                <div className={styles.row}>
                  <Text weight="semibold">{name(p.skuId)}</Text>
                  {!ro && (
                    <>
                      <Button size="small" disabled={i === 0} onClick={() => move(i, -1)} aria-label={t('autoClaim.up', { product: name(p.skuId) })}>
                        {t('autoClaim.upShort')}
                      </Button>
                      <Button
                        size="small"
                        disabled={i === draft.products.length - 1}
                        onClick={() => move(i, 1)}
                        aria-label={t('autoClaim.down', { product: name(p.skuId) })}
                      >
                        {t('autoClaim.downShort')}
                      </Button>
                      <Button
                        size="small"
                        onClick={() => edit({ ...draft, products: draft.products.filter((_, j) => j !== i) })}
                        aria-label={t('autoClaim.remove', { product: name(p.skuId) })}
                      >
                        {t('alerts.remove')}
                      </Button>
                    </>
                  )}
                </div>
                {sku && (
                  <ServicePlans
                    plans={sku.servicePlans}
                    disabled={new Set(p.disabledPlans)}
                    planName={planName}
                    label={t('assign.appsOf', { product: sku.displayName })}
                    onToggle={
                      ro
                        ? undefined
                        : (planId, on) =>
                            edit({
                              ...draft,
                              products: draft.products.map((q, j) =>
                                j === i ? { ...q, disabledPlans: on ? q.disabledPlans.filter((d) => d !== planId) : [...q.disabledPlans, planId] } : q,
                              ),
                            })
                    }
                  />
                )}
              </li>
            );
          })}
        </ol>
        {!ro && draft.products.length < MAX_PRODUCTS && (
          <div className={styles.row} style={{ alignItems: 'end' }}>
            <ProductPicker skus={skus.filter((s) => !draft.products.some((p) => p.skuId === s.skuId))} skuId={adding} onChange={setAdding} />
            <Button
              disabled={!adding}
              onClick={() => {
                edit({ ...draft, products: [...draft.products, { skuId: adding, disabledPlans: [] }] });
                setAdding('');
              }}
            >
              {t('autoClaim.add')}
            </Button>
          </div>
        )}
        <PolicySave form={form} saved={t('autoClaim.saved')} hidden={ro} />
      </form>
      <AutoClaims />
    </>
  );
}
