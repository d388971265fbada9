/**
 * Active users > a user > Licenses and apps: the whole set at once. Each product is a checkbox with its
 * available licenses, its apps as checkboxes underneath; Save changes sends one assignLicense with what
 * changed and shows the outcome. A missing usage location is asked for first. Licenses the user inherits
 * from a group are shown with the group, checked and not removable here.
 */
import {
  Badge,
  Button,
  Caption1,
  Checkbox,
  makeStyles,
  MessageBar,
  MessageBarBody,
  MessageBarTitle,
  Spinner,
  Subtitle2,
  Text,
  tokens,
} from '@fluentui/react-components';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useCan } from '../../auth/session';
import { GroupName } from '../../components/GroupName';
import { Panel } from '../../components/Panel';
import { RefusalBar, SuccessBar, useExplain } from '../../components/Refusal';
import { ServicePlans } from '../../components/ServicePlans';
import { UsageLocationPicker, useCountryName } from '../../components/UsageLocation';
import { useGraph } from '../../graph/client';
import { getUser } from '../../graph/directory';
import { refusalOf } from '../../graph/errors';
import { assignLicense } from '../../graph/licensing';
import { keys, licensesChanged, planNameIn, useSkus } from '../../graph/queries';
import type { AssignLicenseBody, SubscribedSku, User } from '../../graph/types';
import { enabledPlansOf } from '../../licensing/plans';
import { totalUnits } from '../../licensing/seats';

const useStyles = makeStyles({
  hint: { color: tokens.colorNeutralForeground3 },
  list: { listStyle: 'none', margin: 0, padding: 0, display: 'flex', flexDirection: 'column', gap: '8px' },
  caption: { display: 'block', marginLeft: '32px', marginTop: '-6px', color: tokens.colorNeutralForeground3 },
  apps: { marginLeft: '32px' },
});

/** The direct licenses as the admin has ticked them: product -> disabled plans. */
type Ticked = Map<string, string[]>;

const directOf = (u: User): Ticked => new Map(u.licenseAssignmentStates.filter((a) => a.assignedByGroup === null).map((a) => [a.skuId, a.disabledPlans]));

/** One assignLicense body for the whole set: products ticked or changed are added, unticked ones removed. */
export function diff(before: Ticked, after: Ticked): AssignLicenseBody | undefined {
  const same = (a: string[], b: string[]) => a.length === b.length && a.every((x) => b.includes(x));
  const addLicenses = [...after]
    .filter(([sku, plans]) => !before.has(sku) || !same(before.get(sku)!, plans))
    .map(([skuId, disabledPlans]) => ({ skuId, disabledPlans }));
  const removeLicenses = [...before.keys()].filter((sku) => !after.has(sku));
  return addLicenses.length || removeLicenses.length ? { addLicenses, removeLicenses } : undefined;
}

export function UserLicensesPanel({ userId, onClose }: { userId: string; onClose: () => void }) {
  const { t } = useTranslation();
  const styles = useStyles();
  const client = useGraph();
  const queryClient = useQueryClient();
  const skus = useSkus().data ?? [];
  const countryName = useCountryName();
  const mayAssign = useCan('assignLicenses');
  const mayLicenseGuests = useCan('assignLicensesToGuests');
  const mayLocate = useCan('updateUsageLocation');
  const user = useQuery({ queryKey: keys.user(userId), queryFn: () => getUser(client, userId) });
  const [ticked, setTicked] = useState<Ticked>(new Map());
  useEffect(() => {
    if (user.data) setTicked(directOf(user.data));
  }, [user.data]);
  const save = useMutation({
    mutationFn: (body: AssignLicenseBody) => assignLicense(client, userId, body),
    onSuccess: () => licensesChanged(queryClient),
  });
  const say = useExplain();

  if (!user.data) {
    return (
      <Panel title={t('userLicenses.title')} onClose={onClose}>
        {user.isError ? <RefusalBar refusal={refusalOf(user.error)} /> : <Spinner label={t('common.loading')} />}
      </Panel>
    );
  }
  const u = user.data;
  const guestBlocked = u.userType === 'Guest' && !mayLicenseGuests;
  const editable = mayAssign && !guestBlocked && !!u.usageLocation;
  const inherited = (skuId: string) => u.licenseAssignmentStates.filter((a) => a.skuId === skuId && a.assignedByGroup);
  const change = diff(directOf(u), ticked);
  const planName = planNameIn(skus);
  const setProduct = (skuId: string, plans: string[] | undefined) => {
    save.reset();
    setTicked((m) => {
      const next = new Map(m);
      if (plans) next.set(skuId, plans);
      else next.delete(skuId);
      return next;
    });
  };
  const shown = skus.filter((s) => s.capabilityStatus !== 'Deleted' || ticked.has(s.skuId));
  // the way out a refusal names that this panel can take: switch a plan off in a product being saved, and save again
  const refusal = save.isError ? refusalOf(save.error) : undefined;
  const switchOff = (refusal?.details.length ? refusal.details : refusal ? [refusal] : [])
    .map((d) => say(d)?.switchOff)
    .find((o) => o && change?.addLicenses.some((a) => a.skuId === o.skuId) && !ticked.get(o.skuId)?.includes(o.servicePlanId));
  const switchOffAndSave = (skuId: string, planId: string) => {
    const next = new Map(ticked).set(skuId, [...(ticked.get(skuId) ?? []), planId]);
    setTicked(next);
    const body = diff(directOf(u), next);
    if (body) save.mutate(body);
  };

  const product = (s: SubscribedSku) => {
    const own = ticked.get(s.skuId);
    const groups = inherited(s.skuId);
    const blocked = s.capabilityStatus !== 'Enabled' || s.purchaseChannel === 'selfService';
    const checked = !!own || groups.some((g) => g.state !== 'Error');
    return (
      <li key={s.skuId} data-testid={`license-${s.skuPartNumber}`}>
        <Checkbox
          label={s.displayName}
          checked={checked}
          // inherited only: not removable here; blocked products cannot be newly ticked
          disabled={!editable || (!own && groups.length > 0) || (!own && blocked)}
          onChange={(_, d) => setProduct(s.skuId, d.checked ? [] : undefined)}
        />
        <Caption1 className={styles.caption}>
          {t('manage.availableOf', { available: s.availableUnits, total: totalUnits(s) })}
          {groups.map((g) => (
            <span key={g.assignedByGroup}>
              {' · '}
              {t('userLicenses.inheritedFrom')} <GroupName id={g.assignedByGroup!} />
              {g.state === 'Error' && (
                <Badge appearance="tint" color="danger" style={{ marginLeft: 4 }}>
                  {t('users.error')}
                </Badge>
              )}
            </span>
          ))}
          {s.purchaseChannel === 'selfService' && ` · ${t('status.selfService')}`}
          {s.capabilityStatus !== 'Enabled' && ` · ${t(`status.${s.capabilityStatus}`)}`}
        </Caption1>
        {groups
          .filter((g) => g.state === 'Error' && g.errorMessage)
          .map((g) => (
            <RefusalBar
              key={g.assignedByGroup}
              title={
                <>
                  {t('refusal.throughGroup')} <GroupName id={g.assignedByGroup!} />
                </>
              }
              refusal={{ code: g.errorCode ?? g.error, message: g.errorMessage!, parameters: g.errorParameters }}
            />
          ))}
        {checked && (
          <div className={styles.apps}>
            <ServicePlans
              variant="checkbox"
              plans={s.servicePlans}
              disabled={new Set(own ?? u.assignedLicenses.find((l) => l.skuId === s.skuId)?.disabledPlans ?? [])}
              onToggle={editable && own ? (id, on) => setProduct(s.skuId, on ? own.filter((p) => p !== id) : [...own, id]) : undefined}
              users={[u]}
              usersPlans={[enabledPlansOf(u, skus, s.skuId)]}
              planName={planName}
              label={t('assign.appsOf', { product: s.displayName })}
            />
          </div>
        )}
      </li>
    );
  };

  return (
    <Panel
      title={u.displayName}
      subtitle={`${u.userPrincipalName}${u.userType === 'Guest' ? ` · ${t('userLicenses.guest')}` : ''}`}
      onClose={onClose}
      footer={
        editable && (
          <Button appearance="primary" disabledFocusable={!change || save.isPending} onClick={() => change && save.mutate(change)}>
            {t('common.saveChanges')}
          </Button>
        )
      }
    >
      <Subtitle2 as="h2">{t('userLicenses.location')}</Subtitle2>
      {!u.usageLocation && (
        <MessageBar intent="warning" layout="multiline">
          <MessageBarBody>
            <MessageBarTitle>{t('userLicenses.noLocationTitle')}</MessageBarTitle>
            {t('userLicenses.noLocation')}
          </MessageBarBody>
        </MessageBar>
      )}
      {mayLocate ? <UsageLocationPicker user={u} /> : <Text>{u.usageLocation ? countryName(u.usageLocation) : '—'}</Text>}
      <Subtitle2 as="h2">{t('userLicenses.title')}</Subtitle2>
      {guestBlocked && mayAssign && (
        <MessageBar intent="warning" layout="multiline">
          <MessageBarBody>{t('assign.guestNeedsGlobal', { name: u.displayName })}</MessageBarBody>
        </MessageBar>
      )}
      <ul className={styles.list} aria-label={t('userLicenses.title')}>
        {shown.map(product)}
      </ul>
      {refusal && (
        <RefusalBar
          refusal={refusal}
          title={u.displayName}
          action={
            switchOff && (
              <Button size="small" onClick={() => switchOffAndSave(switchOff.skuId, switchOff.servicePlanId)}>
                {t('refusal.switchOff', { plan: planName(switchOff.servicePlanId) })}
              </Button>
            )
          }
        />
      )}
      {save.isSuccess && <SuccessBar title={t('userLicenses.saved')} />}
    </Panel>
  );
}
