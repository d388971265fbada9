/**
 * Billing > Licenses > a product: its seats and state, its apps and services (those new in the last 30
 * days marked), the users who have it (paged, searchable),
 * Assign licenses (up to 20 users, with its apps and services), a user's apps for this product, and
 * Unassign for the selected users.
 */
import {
  Button,
  Card,
  createTableColumn,
  Link,
  makeStyles,
  SearchBox,
  Spinner,
  TableColumnDefinition,
  Text,
  Toolbar,
  ToolbarButton,
  tokens,
} from '@fluentui/react-components';
import { PersonAddRegular, PersonDeleteRegular } from '@fluentui/react-icons';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useDeferredValue, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useCan } from '../../auth/session';
import { GroupName } from '../../components/GroupName';
import { Grid } from '../../components/Grid';
import { PageHeader } from '../../components/PageHeader';
import { LoadMore } from '../../components/LoadMore';
import { RefusalBar } from '../../components/Refusal';
import { SkuStatusExplained } from '../../components/SkuStatus';
import { useGraph } from '../../graph/client';
import { usersRequest } from '../../graph/directory';
import { refusalOf } from '../../graph/errors';
import { getSubscribedSku, skuAssignments, takeOverSubscription } from '../../graph/licensing';
import { usePagedList } from '../../graph/paging';
import { keys } from '../../graph/queries';
import type { SubscribedSku, User } from '../../graph/types';
import { totalUnits } from '../../licensing/seats';
import { AssignLicensesPanel } from './AssignLicensesPanel';
import { ProductPlans } from './ProductPlans';
import { UnassignDialog } from './UnassignDialog';
import { UserPlansPanel } from './UserPlansPanel';

const useStyles = makeStyles({
  seats: { display: 'flex', gap: '16px', margin: '8px 0 16px' },
  figure: { padding: '12px 20px', minWidth: '140px' },
  number: { fontSize: tokens.fontSizeHero700, fontWeight: tokens.fontWeightSemibold },
  bar: { display: 'flex', alignItems: 'center', justifyContent: 'space-between', gap: '12px', marginBottom: '8px', flexWrap: 'wrap' },
});

export default function ProductPage({ skuId }: { skuId: string }) {
  const { t } = useTranslation();
  const styles = useStyles();
  const client = useGraph();
  const queryClient = useQueryClient();
  const sku = useQuery({ queryKey: keys.sku(skuId), queryFn: () => getSubscribedSku(client, skuId) });
  const mayAssign = useCan('assignLicenses');
  const mayTakeOver = useCan('manageSubscriptions');
  const [search, setSearch] = useState('');
  const term = useDeferredValue(search.trim());
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [assigning, setAssigning] = useState(false);
  const [unassigning, setUnassigning] = useState(false);
  const [plansFor, setPlansFor] = useState<User>();

  // no search: the product's own list of holders; a search: Graph's users with a filter on this product
  const holders = usePagedList<User>(['users', 'holding', skuId, term], (c) =>
    term ? usersRequest(c, { search: term, skuId, top: 50 }) : skuAssignments(c, skuId, 50),
  );

  if (sku.isPending) return <Spinner label={t('common.loading')} />;
  if (sku.isError) return <RefusalBar refusal={refusalOf(sku.error)} />;
  const s: SubscribedSku = sku.data;
  // new assignments need an active, admin-managed subscription; removing needs only the admin-managed part
  const assignable = s.capabilityStatus === 'Enabled' && s.purchaseChannel === 'admin';
  const unassignable = s.purchaseChannel === 'admin';
  const selectedUsers = holders.items.filter((u) => selected.has(u.id));

  const columns: TableColumnDefinition<User>[] = [
    createTableColumn({
      columnId: 'name',
      renderHeaderCell: () => t('users.name'),
      renderCell: (u) => (
        <Link as="button" onClick={() => setPlansFor(u)} aria-label={t('product.openApps', { name: u.displayName })}>
          {u.displayName}
        </Link>
      ),
    }),
    createTableColumn({ columnId: 'upn', renderHeaderCell: () => t('users.upn'), renderCell: (u) => u.userPrincipalName }),
    createTableColumn({
      columnId: 'how',
      renderHeaderCell: () => t('product.assignment'),
      renderCell: (u) => {
        const paths = u.licenseAssignmentStates.filter((a) => a.skuId === s.skuId);
        return paths.map((p, i) => (
          <span key={i}>
            {i > 0 && ', '}
            {p.assignedByGroup ? (
              <>
                {t('product.inherited')} <GroupName id={p.assignedByGroup} />
              </>
            ) : (
              t('product.direct')
            )}
            {p.state === 'Error' && ` (${t('users.error')})`}
          </span>
        ));
      },
    }),
    createTableColumn({
      columnId: 'apps',
      renderHeaderCell: () => t('product.apps'),
      renderCell: (u) => {
        const l = u.assignedLicenses.find((a) => a.skuId === s.skuId);
        const off = l ? s.servicePlans.filter((p) => l.disabledPlans.includes(p.servicePlanId)).length : 0;
        return off ? t('product.appsOff', { off, total: s.servicePlans.length }) : t('product.appsAll');
      },
    }),
  ];

  return (
    <>
      <PageHeader title={s.displayName} trail={[{ label: t('licenses.title'), to: '/licenses' }]} description={t('product.description')} />
      <div className={styles.seats}>
        {(
          [
            ['available', s.availableUnits],
            ['assigned', s.consumedUnits],
            ['total', totalUnits(s)],
          ] as const
        ).map(([k, n]) => (
          <Card key={k} className={styles.figure}>
            <Text className={styles.number} data-testid={`seats-${k}`}>
              {n}
            </Text>
            <Text>{t(`licenses.${k}`)}</Text>
          </Card>
        ))}
      </div>
      <SkuStatusExplained
        sku={s}
        action={
          mayTakeOver && s.purchaseChannel === 'selfService' ? (
            <Button size="small" onClick={() => takeOverSubscription(client, s.id).then(() => queryClient.invalidateQueries({ queryKey: keys.skus }))}>
              {t('licenses.takeOverShort')}
            </Button>
          ) : undefined
        }
      />
      <ProductPlans sku={s} />
      <div className={styles.bar}>
        {mayAssign && unassignable ? (
          <Toolbar aria-label={t('common.actions')}>
            {assignable && (
              <ToolbarButton appearance="primary" icon={<PersonAddRegular />} onClick={() => setAssigning(true)}>
                {t('assign.open')}
              </ToolbarButton>
            )}
            <ToolbarButton icon={<PersonDeleteRegular />} disabled={!selected.size} onClick={() => setUnassigning(true)}>
              {t('unassign.open')}
            </ToolbarButton>
          </Toolbar>
        ) : (
          <span />
        )}
        <SearchBox placeholder={t('product.search')} aria-label={t('product.search')} value={search} onChange={(_, d) => setSearch(d.value)} />
      </div>
      {holders.isError ? (
        <RefusalBar refusal={refusalOf(holders.error)} />
      ) : (
        <Grid
          items={holders.items}
          columns={columns}
          getRowId={(u) => u.id}
          label={t('product.users', { product: s.displayName })}
          selection={
            mayAssign && unassignable
              ? { selected, onChange: setSelected, allLabel: t('common.selectAll'), rowLabel: (u) => t('common.select', { name: u.displayName }) }
              : undefined
          }
          empty={!holders.isFetching && <Text>{term ? t('product.noMatch') : t('product.nobody')}</Text>}
        />
      )}
      <LoadMore list={holders} />
      {assigning && <AssignLicensesPanel sku={s} onClose={() => setAssigning(false)} />}
      {unassigning && (
        <UnassignDialog
          sku={s}
          users={selectedUsers}
          onClose={(done) => {
            setUnassigning(false);
            if (done) setSelected(new Set());
          }}
        />
      )}
      {plansFor && <UserPlansPanel sku={s} user={plansFor} onClose={() => setPlansFor(undefined)} />}
    </>
  );
}
