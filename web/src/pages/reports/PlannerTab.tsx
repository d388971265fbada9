/**
 * Seat-reduction planner: pick a product and a new number of licenses; the service says who would be
 * over the line (the most recently assigned) and the days left in the 90-day window. Global and Billing
 * admins can then reduce, choosing whose licenses go first.
 */
import {
  Button,
  Checkbox,
  Field,
  makeStyles,
  MessageBar,
  MessageBarBody,
  SpinButton,
  Table,
  TableBody,
  TableCell,
  TableHeader,
  TableHeaderCell,
  TableRow,
  Text,
} from '@fluentui/react-components';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useDeferredValue, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useDateTime } from '../../i18n';
import { useCan } from '../../auth/session';
import { ProductPicker } from '../../components/ProductPicker';
import { RefusalBar, SuccessBar } from '../../components/Refusal';
import { useGraph } from '../../graph/client';
import { refusalOf } from '../../graph/errors';
import { keys, licensesChanged, useSkus } from '../../graph/queries';
import { reduceSeats, reductionPlan } from '../../graph/reports';
import { MAX_USERS_PER_ASSIGN } from '../../graph/types';
import { totalUnits } from '../../licensing/seats';

const useStyles = makeStyles({
  filters: { display: 'flex', gap: '16px', alignItems: 'end', flexWrap: 'wrap', marginBottom: '12px' },
});

export function PlannerTab() {
  const { t } = useTranslation();
  const styles = useStyles();
  const client = useGraph();
  const queryClient = useQueryClient();
  const skus = (useSkus().data ?? []).filter((s) => s.purchaseChannel === 'admin' && s.capabilityStatus !== 'Deleted');
  const mayReduce = useCan('manageSubscriptions');
  const mayUnassign = useCan('assignLicenses');
  const [skuId, setSkuId] = useState('');
  const sku = skus.find((s) => s.skuId === skuId);
  const [total, setTotal] = useState<number>();
  const target = useDeferredValue(total ?? (sku ? totalUnits(sku) : 0));
  const [pick, setPick] = useState<Set<string>>(new Set());
  const plan = useQuery({ queryKey: [...keys.reports, 'plan', skuId, target], queryFn: () => reductionPlan(client, sku!.id, target), enabled: !!sku });
  const reduce = useMutation({
    mutationFn: () => reduceSeats(client, sku!.id, target, [...pick]),
    onSuccess: async () => {
      setPick(new Set());
      await Promise.all([licensesChanged(queryClient), queryClient.invalidateQueries({ queryKey: keys.reports })]);
    },
  });
  const p = plan.data;
  const day = useDateTime({ dateStyle: 'medium' });

  return (
    <>
      <div className={styles.filters}>
        <ProductPicker skus={skus} skuId={skuId} onChange={(id) => (setSkuId(id), setTotal(undefined), reduce.reset())} />
        {sku && (
          <Field label={t('planner.newTotal')} hint={t('planner.now', { total: totalUnits(sku), assigned: sku.consumedUnits })}>
            <SpinButton min={0} value={target} onChange={(_, d) => setTotal(d.value ?? Number(d.displayValue ?? 0))} />
          </Field>
        )}
      </div>
      {plan.isError && <RefusalBar refusal={refusalOf(plan.error)} />}
      {p && (
        <section aria-label={t('reports.tabs.planner')} style={{ display: 'flex', flexDirection: 'column', gap: 12 }}>
          {p.overBy > 0 ? (
            <MessageBar intent="warning" layout="multiline">
              <MessageBarBody>
                {t('planner.over', { over: p.overBy, total: p.newTotal, assigned: p.assigned, window: p.windowDays, days: p.daysLeft ?? p.windowDays })}
              </MessageBarBody>
            </MessageBar>
          ) : (
            <Text>{t('planner.fits', { total: p.newTotal, assigned: p.assigned })}</Text>
          )}
          {p.usersOverTheLine.length > 0 && (
            <Table size="small" aria-label={t('planner.usersOver')}>
              <TableHeader>
                <TableRow>
                  {mayReduce && mayUnassign && <TableHeaderCell style={{ width: 48 }} />}
                  <TableHeaderCell>{t('users.name')}</TableHeaderCell>
                  <TableHeaderCell>{t('users.upn')}</TableHeaderCell>
                  <TableHeaderCell>{t('planner.assignedOn')}</TableHeaderCell>
                  <TableHeaderCell>{t('product.assignment')}</TableHeaderCell>
                </TableRow>
              </TableHeader>
              <TableBody>
                {p.usersOverTheLine.map((u) => (
                  <TableRow key={u.userId}>
                    {mayReduce && mayUnassign && (
                      <TableCell>
                        <Checkbox
                          aria-label={t('common.select', { name: u.displayName })}
                          disabled={!u.hasDirectAssignment || (!pick.has(u.userId) && pick.size >= MAX_USERS_PER_ASSIGN)}
                          checked={pick.has(u.userId)}
                          onChange={(_, d) => setPick((s) => (d.checked ? new Set([...s, u.userId]) : new Set([...s].filter((x) => x !== u.userId))))}
                        />
                      </TableCell>
                    )}
                    <TableCell>{u.displayName}</TableCell>
                    <TableCell>{u.userPrincipalName}</TableCell>
                    <TableCell>{day.format(new Date(u.assignedDateTime))}</TableCell>
                    <TableCell>{u.hasDirectAssignment ? t('product.direct') : t('planner.viaGroup')}</TableCell>
                  </TableRow>
                ))}
              </TableBody>
            </Table>
          )}
          {mayReduce && sku && target < totalUnits(sku) && (
            <div>
              <Button appearance="primary" onClick={() => reduce.mutate()} disabled={reduce.isPending}>
                {t('planner.reduce', { total: target, count: pick.size })}
              </Button>
            </div>
          )}
          {reduce.isError && <RefusalBar refusal={refusalOf(reduce.error)} />}
          {reduce.isSuccess && <SuccessBar title={t('planner.reduced', { total: reduce.data.totalLicenses })} />}
        </section>
      )}
    </>
  );
}
