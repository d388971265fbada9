/**
 * Licenses > a product > Assign licenses: pick up to 20 people, switch apps and services off if need be,
 * Assign. The service checks every user first and assigns all or none; a refusal is shown next to each
 * user it concerns, in the admin's language (what is wrong, how to fix it), with the console's way out
 * where it has one: a missing usage location can be set right there, and a plan of this product that
 * conflicts, is not offered where the user is or lacks what it needs is switched off by a button, which
 * then assigns again.
 */
import { Button, makeStyles, MessageBar, MessageBarBody, Subtitle2, Text, tokens } from '@fluentui/react-components';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useCan } from '../../auth/session';
import { PeoplePicker } from '../../components/PeoplePicker';
import { Panel } from '../../components/Panel';
import { RefusalBar, SuccessBar, useExplain } from '../../components/Refusal';
import { ServicePlans } from '../../components/ServicePlans';
import { UsageLocationPicker } from '../../components/UsageLocation';
import { useGraph } from '../../graph/client';
import { detailsFor, Refusal, RefusalDetail, refusalOf } from '../../graph/errors';
import { assignSkuToUsers } from '../../graph/licensing';
import { licensesChanged, planNameIn, useSkus } from '../../graph/queries';
import { MAX_USERS_PER_ASSIGN, SubscribedSku, User } from '../../graph/types';
import { enabledPlansOf, withPlan } from '../../licensing/plans';

const useStyles = makeStyles({
  who: { display: 'flex', flexDirection: 'column', gap: '8px', margin: 0, padding: 0, listStyle: 'none' },
  hint: { color: tokens.colorNeutralForeground3 },
});

export function AssignLicensesPanel({ sku, onClose }: { sku: SubscribedSku; onClose: () => void }) {
  const { t } = useTranslation();
  const styles = useStyles();
  const client = useGraph();
  const queryClient = useQueryClient();
  const skus = useSkus().data ?? [];
  const mayLicenseGuests = useCan('assignLicensesToGuests');
  const [people, setPeople] = useState<User[]>([]);
  const [disabled, setDisabled] = useState<Set<string>>(new Set());
  const [refusal, setRefusal] = useState<Refusal>();
  const [done, setDone] = useState<{ count: number; available: number }>();
  const say = useExplain();

  const guestsBlocked = mayLicenseGuests ? [] : people.filter((u) => u.userType === 'Guest');
  const assign = useMutation({
    mutationFn: (disabledPlans: string[]) =>
      assignSkuToUsers(
        client,
        sku.skuId,
        people.map((u) => u.id),
        disabledPlans,
      ),
    onMutate: () => (setRefusal(undefined), setDone(undefined)),
    onSuccess: async (r) => {
      setDone({ count: r.assigned.length, available: r.subscribedSku.availableUnits });
      setPeople([]);
      await licensesChanged(queryClient);
    },
    onError: (e) => setRefusal(refusalOf(e)),
  });

  const refusedUsers = new Set(people.filter((u) => detailsFor(refusal, u.id).length).map((u) => u.id));
  // a refusal that names no user (a role, the subscription) is shown once, above the list
  const general = refusal && !refusedUsers.size ? refusal : undefined;
  const replacePerson = (u: User) => setPeople((list) => list.map((p) => (p.id === u.id ? u : p)));
  /** The way out a refusal names that this panel can take: switch a plan of this product off, and assign again. */
  const switchOffFor = (d: RefusalDetail) => {
    const off = say(d)?.switchOff;
    if (!off || off.skuId !== sku.skuId || disabled.has(off.servicePlanId) || !sku.servicePlans.some((p) => p.servicePlanId === off.servicePlanId))
      return undefined;
    const plan = sku.servicePlans.find((p) => p.servicePlanId === off.servicePlanId)!;
    return (
      <Button
        size="small"
        disabled={assign.isPending}
        onClick={() => {
          const next = withPlan(disabled, off.servicePlanId, false);
          setDisabled(next);
          assign.mutate([...next]);
        }}
      >
        {t('refusal.switchOff', { plan: plan.displayName })}
      </Button>
    );
  };

  return (
    <Panel
      title={t('assign.title', { product: sku.displayName })}
      onClose={onClose}
      footer={
        <Button
          appearance="primary"
          disabledFocusable={!people.length || guestsBlocked.length > 0 || assign.isPending}
          onClick={() => assign.mutate([...disabled])}
        >
          {assign.isPending ? t('assign.assigning') : t('assign.submit')}
        </Button>
      }
    >
      <Text className={styles.hint}>{t('assign.intro', { max: MAX_USERS_PER_ASSIGN, available: sku.availableUnits })}</Text>
      <PeoplePicker
        label={t('assign.people')}
        selected={people}
        onChange={(list) => (setPeople(list), setDone(undefined))}
        max={MAX_USERS_PER_ASSIGN}
        invalid={refusedUsers}
      />
      {general && <RefusalBar refusal={general} />}
      {people.length > 0 && (
        <ul className={styles.who} aria-label={t('assign.checks')}>
          {people.map((u) => {
            const mine = detailsFor(refusal, u.id);
            const guest = guestsBlocked.includes(u);
            if (!mine.length && !guest && u.usageLocation) return null;
            return (
              <li key={u.id} data-testid={`assign-user-${u.userPrincipalName}`}>
                {guest && (
                  <MessageBar intent="warning" layout="multiline">
                    <MessageBarBody>{t('assign.guestNeedsGlobal', { name: u.displayName })}</MessageBarBody>
                  </MessageBar>
                )}
                {!u.usageLocation && !mine.length && (
                  <MessageBar intent="warning" layout="multiline">
                    <MessageBarBody>{t('assign.noLocation', { name: u.displayName })}</MessageBarBody>
                  </MessageBar>
                )}
                {mine.map((d, i) => (
                  <RefusalBar key={i} refusal={d} title={u.displayName} action={switchOffFor(d)} />
                ))}
                {!u.usageLocation && <UsageLocationPicker user={u} onSaved={replacePerson} />}
              </li>
            );
          })}
        </ul>
      )}
      {done && (
        <SuccessBar title={t('assign.done', { count: done.count, product: sku.displayName })}>{t('assign.left', { available: done.available })}</SuccessBar>
      )}
      <Subtitle2 as="h2">{t('assign.apps')}</Subtitle2>
      <ServicePlans
        plans={sku.servicePlans}
        disabled={disabled}
        onToggle={(id, on) => setDisabled((d) => withPlan(d, id, on))}
        users={people}
        usersPlans={people.map((u) => enabledPlansOf(u, skus, sku.skuId))}
        planName={planNameIn(skus)}
        label={t('assign.appsOf', { product: sku.displayName })}
      />
    </Panel>
  );
}
