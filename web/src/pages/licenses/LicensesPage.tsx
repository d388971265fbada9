/**
 * Billing > Licenses: every product the organization subscribes to, with available, assigned and total
 * licenses and its state. Self-service purchases can be taken over here by Global and Billing admins.
 * Beside Products, the Requests tab (users' license requests) and the Auto-claim policy tab; each tab's
 * name is in the address (#/licenses/requests).
 */
import { Button, createTableColumn, Link, Spinner, Tab, TableColumnDefinition, TabList, Text } from '@fluentui/react-components';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useLocation } from 'wouter';
import { useCan } from '../../auth/session';
import { Grid } from '../../components/Grid';
import { PageHeader } from '../../components/PageHeader';
import { RefusalBar } from '../../components/Refusal';
import { SkuStatusBadge } from '../../components/SkuStatus';
import { useGraph } from '../../graph/client';
import { Refusal, refusalOf } from '../../graph/errors';
import { takeOverSubscription } from '../../graph/licensing';
import { keys, useSkus } from '../../graph/queries';
import type { SubscribedSku } from '../../graph/types';
import { totalUnits } from '../../licensing/seats';
import { AutoClaimTab } from './AutoClaimTab';
import { RequestsTab } from './RequestsTab';

const TABS = ['products', 'requests', 'autoclaim'] as const;
type LicensesTab = (typeof TABS)[number];

export default function LicensesPage({ tab }: { tab?: string }) {
  const { t } = useTranslation();
  const [, navigate] = useLocation();
  const current: LicensesTab = TABS.includes(tab as LicensesTab) ? (tab as LicensesTab) : 'products';
  return (
    <>
      <PageHeader title={t('licenses.title')} description={t('licenses.description')} />
      <TabList
        selectedValue={current}
        onTabSelect={(_, d) => navigate(d.value === 'products' ? '/licenses' : `/licenses/${String(d.value)}`)}
        aria-label={t('licenses.title')}
        style={{ marginBottom: 16 }}
      >
        {TABS.map((k) => (
          <Tab key={k} value={k}>
            {t(`licenses.tabs.${k}`)}
          </Tab>
        ))}
      </TabList>
      <div role="tabpanel" aria-label={t(`licenses.tabs.${current}`)}>
        {current === 'products' && <ProductsTab />}
        {current === 'requests' && <RequestsTab />}
        {current === 'autoclaim' && <AutoClaimTab />}
      </div>
    </>
  );
}

function ProductsTab() {
  const { t } = useTranslation();
  const client = useGraph();
  const queryClient = useQueryClient();
  const [, navigate] = useLocation();
  const skus = useSkus();
  const mayTakeOver = useCan('manageSubscriptions');
  const [refusal, setRefusal] = useState<Refusal>();
  const takeOver = useMutation({
    mutationFn: (sku: SubscribedSku) => takeOverSubscription(client, sku.id),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: keys.skus }),
    onError: (e) => setRefusal(refusalOf(e)),
  });

  const columns: TableColumnDefinition<SubscribedSku>[] = [
    createTableColumn({
      columnId: 'product',
      renderHeaderCell: () => t('licenses.product'),
      renderCell: (s) => (
        <Link href={`#/licenses/${s.skuId}`} onClick={(e) => (e.preventDefault(), navigate(`/licenses/${s.skuId}`))}>
          {s.displayName}
        </Link>
      ),
    }),
    createTableColumn({
      columnId: 'available',
      renderHeaderCell: () => t('licenses.available'),
      renderCell: (s) => <span data-testid={`available-${s.skuPartNumber}`}>{s.availableUnits}</span>,
    }),
    createTableColumn({ columnId: 'assigned', renderHeaderCell: () => t('licenses.assigned'), renderCell: (s) => s.consumedUnits }),
    createTableColumn({ columnId: 'total', renderHeaderCell: () => t('licenses.total'), renderCell: (s) => totalUnits(s) }),
    createTableColumn({
      columnId: 'status',
      renderHeaderCell: () => t('licenses.status'),
      renderCell: (s) => (
        <span style={{ display: 'flex', gap: 6, flexDirection: 'column', alignItems: 'flex-start', padding: '8px 0' }}>
          <SkuStatusBadge sku={s} explain />
          {s.purchaseChannel === 'selfService' && mayTakeOver && (
            <Button
              size="small"
              onClick={() => takeOver.mutate(s)}
              disabled={takeOver.isPending}
              aria-label={t('licenses.takeOver', { product: s.displayName })}
            >
              {t('licenses.takeOverShort')}
            </Button>
          )}
        </span>
      ),
    }),
  ];

  return (
    <>
      {refusal && <RefusalBar refusal={refusal} />}
      {skus.isPending ? (
        <Spinner label={t('common.loading')} />
      ) : skus.isError ? (
        <RefusalBar refusal={refusalOf(skus.error)} />
      ) : (
        <Grid items={skus.data} columns={columns} getRowId={(s) => s.skuId} label={t('licenses.title')} empty={<Text>{t('licenses.none')}</Text>} />
      )}
    </>
  );
}
