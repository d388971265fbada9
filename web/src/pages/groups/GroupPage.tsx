/**
 * A group: the licenses its members inherit (assign more, remove one), how processing went, and its
 * members, or only those whose inherited license failed, with the reason and Reprocess.
 */
import {
  Badge,
  Button,
  Card,
  CardHeader,
  makeStyles,
  Spinner,
  Subtitle2,
  Tab,
  TabList,
  Table,
  TableBody,
  TableCell,
  TableHeader,
  TableHeaderCell,
  TableRow,
  Text,
  Toolbar,
  ToolbarButton,
  tokens,
} from '@fluentui/react-components';
import { ArrowClockwiseRegular, KeyMultipleRegular } from '@fluentui/react-icons';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useCan } from '../../auth/session';
import { PageHeader } from '../../components/PageHeader';
import { LoadMore } from '../../components/LoadMore';
import { RefusalBar, SuccessBar, useRefusalText } from '../../components/Refusal';
import { useGraph } from '../../graph/client';
import { getGroup, groupMembersRequest } from '../../graph/directory';
import { refusalOf } from '../../graph/errors';
import { assignGroupLicense, reprocessGroup, reprocessUser } from '../../graph/groups';
import { usePagedList } from '../../graph/paging';
import { keys, licensesChanged, useSkus } from '../../graph/queries';
import type { User } from '../../graph/types';
import { GroupLicensesPanel } from './GroupLicensesPanel';

const useStyles = makeStyles({
  card: { padding: '12px 16px', maxWidth: '900px', marginBottom: '16px' },
  hint: { color: tokens.colorNeutralForeground3 },
  licenses: { listStyle: 'none', margin: 0, padding: 0, display: 'flex', flexDirection: 'column', gap: '6px' },
  license: { display: 'flex', alignItems: 'center', gap: '12px' },
});

export default function GroupPage({ groupId }: { groupId: string }) {
  const { t } = useTranslation();
  const refusalText = useRefusalText();
  const styles = useStyles();
  const client = useGraph();
  const queryClient = useQueryClient();
  const skus = useSkus().data ?? [];
  const mayAssign = useCan('assignLicenses');
  const [tab, setTab] = useState<'all' | 'errors'>('all');
  const [assigning, setAssigning] = useState(false);
  const group = useQuery({
    queryKey: keys.group(groupId),
    queryFn: () => getGroup(client, groupId),
    // the service processes a group's licenses in the background: follow it until it is done
    refetchInterval: (q) => (q.state.data && q.state.data.licenseProcessingState.state !== 'ProcessingComplete' ? 1500 : false),
  });
  const members = usePagedList<User>(['groups', groupId, 'members', tab, group.data?.licenseProcessingState.state], (c) =>
    groupMembersRequest(c, groupId, tab === 'errors'),
  );
  const changed = () => Promise.all([queryClient.invalidateQueries({ queryKey: keys.group(groupId) }), licensesChanged(queryClient)]);
  const remove = useMutation({
    mutationFn: (skuId: string) => assignGroupLicense(client, groupId, { addLicenses: [], removeLicenses: [skuId] }),
    onSuccess: changed,
  });
  const reprocess = useMutation({ mutationFn: () => reprocessGroup(client, groupId), onSuccess: changed });
  const reprocessOne = useMutation({ mutationFn: (userId: string) => reprocessUser(client, userId), onSuccess: changed });

  if (group.isPending) return <Spinner label={t('common.loading')} />;
  if (group.isError) return <RefusalBar refusal={refusalOf(group.error)} />;
  const g = group.data;
  const skuOf = (skuId: string) => skus.find((s) => s.skuId === skuId);
  const pathsHere = (u: User) => u.licenseAssignmentStates.filter((a) => a.assignedByGroup === g.id);

  return (
    <>
      <PageHeader title={g.displayName} trail={[{ label: t('groups.title'), to: '/groups' }]} description={g.description ?? undefined} />
      <Card className={styles.card}>
        <CardHeader
          header={<Subtitle2 as="h2">{t('group.licenses')}</Subtitle2>}
          description={
            <Text className={styles.hint}>{t(`groups.state.${g.licenseProcessingState.state}`, { defaultValue: g.licenseProcessingState.state })}</Text>
          }
        />
        {g.assignedLicenses.length ? (
          <ul className={styles.licenses}>
            {g.assignedLicenses.map((l) => {
              const sku = skuOf(l.skuId);
              const off = sku ? sku.servicePlans.filter((p) => l.disabledPlans.includes(p.servicePlanId)).length : 0;
              return (
                <li key={l.skuId} className={styles.license}>
                  <Text weight="semibold">{sku?.displayName ?? l.skuId}</Text>
                  <Text className={styles.hint}>{off ? t('product.appsOff', { off, total: sku?.servicePlans.length }) : t('product.appsAll')}</Text>
                  {mayAssign && (
                    <Button
                      size="small"
                      onClick={() => remove.mutate(l.skuId)}
                      disabled={remove.isPending}
                      aria-label={t('group.removeLicense', { product: sku?.displayName ?? l.skuId })}
                    >
                      {t('group.remove')}
                    </Button>
                  )}
                </li>
              );
            })}
          </ul>
        ) : (
          <Text>{t('groups.noLicenses')}</Text>
        )}
        {mayAssign && (
          <Toolbar aria-label={t('common.actions')}>
            <ToolbarButton appearance="primary" icon={<KeyMultipleRegular />} onClick={() => setAssigning(true)}>
              {t('assign.open')}
            </ToolbarButton>
            <ToolbarButton icon={<ArrowClockwiseRegular />} onClick={() => reprocess.mutate()} disabled={reprocess.isPending}>
              {t('group.reprocess')}
            </ToolbarButton>
          </Toolbar>
        )}
        {reprocess.isSuccess && <SuccessBar title={t('group.reprocessing')} />}
        {[remove, reprocess, reprocessOne].map((m, i) => m.isError && <RefusalBar key={i} refusal={refusalOf(m.error)} />)}
      </Card>
      <div style={{ display: 'flex', alignItems: 'center', gap: 12 }}>
        <TabList selectedValue={tab} onTabSelect={(_, d) => setTab(d.value as 'all' | 'errors')} aria-label={t('group.members')}>
          <Tab value="all">{t('group.members')}</Tab>
          <Tab value="errors">{t('group.membersWithErrors')}</Tab>
        </TabList>
        {/* members are processed in the background (one joining, a seat freed): ask again */}
        <Button appearance="subtle" icon={<ArrowClockwiseRegular />} onClick={() => members.refetch()}>
          {t('common.refresh')}
        </Button>
      </div>
      <Table aria-label={tab === 'errors' ? t('group.membersWithErrors') : t('group.members')} style={{ maxWidth: 1100 }}>
        <TableHeader>
          <TableRow>
            <TableHeaderCell>{t('users.name')}</TableHeaderCell>
            <TableHeaderCell>{t('users.upn')}</TableHeaderCell>
            <TableHeaderCell>{t('group.licenseState')}</TableHeaderCell>
            {mayAssign && <TableHeaderCell style={{ width: 140 }} />}
          </TableRow>
        </TableHeader>
        <TableBody>
          {members.items.map((u) => {
            const paths = pathsHere(u);
            const errors = paths.filter((p) => p.state === 'Error');
            return (
              <TableRow key={u.id} data-testid="group-member">
                <TableCell>{u.displayName}</TableCell>
                <TableCell>{u.userPrincipalName}</TableCell>
                <TableCell>
                  {errors.length ? (
                    errors.map((p) => (
                      <div key={p.skuId}>
                        <Badge appearance="tint" color="danger">
                          {skuOf(p.skuId)?.displayName ?? p.skuId}: {t(`group.error.${p.error}`, { defaultValue: p.error })}
                        </Badge>
                        <Text size={200} block>
                          {p.errorMessage && refusalText({ code: p.errorCode ?? p.error, message: p.errorMessage, parameters: p.errorParameters })}
                        </Text>
                      </div>
                    ))
                  ) : paths.length ? (
                    <Badge appearance="tint" color="success">
                      {t('group.active')}
                    </Badge>
                  ) : (
                    <Text className={styles.hint}>{t('group.notYet')}</Text>
                  )}
                </TableCell>
                {mayAssign && (
                  <TableCell>
                    {errors.length > 0 && (
                      <Button
                        size="small"
                        onClick={() => reprocessOne.mutate(u.id)}
                        disabled={reprocessOne.isPending}
                        aria-label={t('group.reprocessUser', { name: u.displayName })}
                      >
                        {t('group.reprocessShort')}
                      </Button>
                    )}
                  </TableCell>
                )}
              </TableRow>
            );
          })}
        </TableBody>
      </Table>
      {!members.isPending && !members.items.length && <Text>{tab === 'errors' ? t('group.noErrors') : t('group.noMembers')}</Text>}
      <LoadMore list={members} />
      {assigning && <GroupLicensesPanel group={g} members={members.items} onClose={() => setAssigning(false)} onAssigned={changed} />}
    </>
  );
}
