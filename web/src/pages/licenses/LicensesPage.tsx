/**
 * Billing > Licenses: every product the organization subscribes to, with available, assigned and total
 * licenses and its state. Self-service purchases can be taken over here by Global and Billing admins.
 */
import { Button, createTableColumn, Link, Spinner, TableColumnDefinition, Text } from '@fluentui/react-components';
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

export default function LicensesPage() {
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
      <PageHeader title={t('licenses.title')} description={t('licenses.description')} />
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
