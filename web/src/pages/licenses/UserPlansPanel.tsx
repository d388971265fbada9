/**
 * Licenses > a product > a user's row: the apps and services of this product for that user, switched on
 * or off and saved (Graph's assignLicense with the product's new disabledPlans), and what the user has
 * now (licenseDetails: each plan's provisioningStatus). A license that only comes from a group is
 * changed on the group, so it is shown here, not edited.
 */
import {
  Badge,
  Button,
  makeStyles,
  MessageBar,
  MessageBarBody,
  Subtitle2,
  Table,
  TableBody,
  TableCell,
  TableHeader,
  TableHeaderCell,
  TableRow,
  Text,
  tokens,
} from '@fluentui/react-components';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useCan } from '../../auth/session';
import { GroupName } from '../../components/GroupName';
import { Panel } from '../../components/Panel';
import { RefusalBar, SuccessBar } from '../../components/Refusal';
import { ServicePlans } from '../../components/ServicePlans';
import { useGraph } from '../../graph/client';
import { refusalOf } from '../../graph/errors';
import { assignLicense, licenseDetails } from '../../graph/licensing';
import { keys, licensesChanged, planNameIn, useSkus } from '../../graph/queries';
import type { SubscribedSku, User } from '../../graph/types';
import { enabledPlansOf, withPlan } from '../../licensing/plans';

const useStyles = makeStyles({ hint: { color: tokens.colorNeutralForeground3 } });

export function UserPlansPanel({ sku, user, onClose }: { sku: SubscribedSku; user: User; onClose: () => void }) {
  const { t } = useTranslation();
  const styles = useStyles();
  const client = useGraph();
  const queryClient = useQueryClient();
  const skus = useSkus().data ?? [];
  const mayAssign = useCan('assignLicenses');
  const direct = user.licenseAssignmentStates.find((a) => a.skuId === sku.skuId && a.assignedByGroup === null);
  const groups = user.licenseAssignmentStates.filter((a) => a.skuId === sku.skuId && a.assignedByGroup).map((a) => a.assignedByGroup!);
  const [disabled, setDisabled] = useState(new Set(direct?.disabledPlans ?? []));
  const details = useQuery({ queryKey: keys.licenseDetails(user.id), queryFn: () => licenseDetails(client, user.id) });
  const current = details.data?.find((d) => d.skuId === sku.skuId);
  const save = useMutation({
    mutationFn: () => assignLicense(client, user.id, { addLicenses: [{ skuId: sku.skuId, disabledPlans: [...disabled] }], removeLicenses: [] }),
    onSuccess: () => licensesChanged(queryClient),
  });
  const editable = mayAssign && !!direct;
  const planName = planNameIn(skus);

  return (
    <Panel
      title={user.displayName}
      subtitle={user.userPrincipalName}
      onClose={onClose}
      footer={
        editable && (
          <Button appearance="primary" onClick={() => save.mutate()} disabledFocusable={save.isPending}>
            {t('common.save')}
          </Button>
        )
      }
    >
      <Subtitle2 as="h2">{t('userPlans.title', { product: sku.displayName })}</Subtitle2>
      {groups.length > 0 && (
        <MessageBar intent="info" layout="multiline">
          <MessageBarBody>
            {t(direct ? 'userPlans.alsoInherited' : 'userPlans.onlyInherited')}{' '}
            {groups.map((g, i) => (
              <span key={g}>
                {i > 0 && ', '}
                <GroupName id={g} />
              </span>
            ))}
          </MessageBarBody>
        </MessageBar>
      )}
      <ServicePlans
        plans={sku.servicePlans}
        disabled={direct ? disabled : new Set(user.assignedLicenses.find((l) => l.skuId === sku.skuId)?.disabledPlans ?? [])}
        onToggle={
          editable
            ? (id, on) => {
                save.reset();
                setDisabled((d) => withPlan(d, id, on));
              }
            : undefined
        }
        users={[user]}
        usersPlans={[enabledPlansOf(user, skus, sku.skuId)]}
        planName={planName}
        label={t('assign.appsOf', { product: sku.displayName })}
      />
      {save.isError && <RefusalBar refusal={refusalOf(save.error)} title={user.displayName} />}
      {save.isSuccess && <SuccessBar title={t('userPlans.saved')} />}
      <Subtitle2 as="h2">{t('userPlans.now')}</Subtitle2>
      {current ? (
        <Table size="small" aria-label={t('userPlans.now')}>
          <TableHeader>
            <TableRow>
              <TableHeaderCell>{t('userPlans.plan')}</TableHeaderCell>
              <TableHeaderCell>{t('userPlans.status')}</TableHeaderCell>
            </TableRow>
          </TableHeader>
          <TableBody>
            {current.servicePlans.map((p) => (
              <TableRow key={p.servicePlanId} data-testid={`status-${p.servicePlanName}`}>
                <TableCell>{planName(p.servicePlanId)}</TableCell>
                <TableCell>
                  <Badge appearance="tint" color={p.provisioningStatus === 'Success' ? 'success' : 'subtle'}>
                    {p.provisioningStatus === 'Success' ? t('userPlans.on') : t('userPlans.off')}
                  </Badge>{' '}
                  <Text size={200} className={styles.hint}>
                    {p.provisioningStatus}
                  </Text>
                </TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
      ) : (
        <Text className={styles.hint}>{details.isPending ? t('common.loading') : t('userPlans.none')}</Text>
      )}
    </Panel>
  );
}
