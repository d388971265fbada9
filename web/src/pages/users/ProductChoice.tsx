/**
 * Manage product licenses > Add / Replace: each product as a switch with its available licenses; a
 * product switched on shows its apps and services, all on by default, any of which can be switched off.
 */
import { Caption1, makeStyles, Switch, tokens } from '@fluentui/react-components';
import { useTranslation } from 'react-i18next';
import { ServicePlans } from '../../components/ServicePlans';
import { planNameIn, useSkus } from '../../graph/queries';
import type { User } from '../../graph/types';
import type { ChosenProduct } from '../../licensing/changes';
import { enabledPlansOf } from '../../licensing/plans';
import { totalUnits } from '../../licensing/seats';

const useStyles = makeStyles({
  list: { listStyle: 'none', margin: 0, padding: 0, display: 'flex', flexDirection: 'column', gap: '12px' },
  apps: { marginLeft: '44px', marginTop: '8px' },
  caption: { display: 'block', marginLeft: '44px', marginTop: '-6px', color: tokens.colorNeutralForeground3 },
});

export function ProductChoice({ chosen, onChange, users }: { chosen: ChosenProduct[]; onChange: (c: ChosenProduct[]) => void; users: User[] }) {
  const { t } = useTranslation();
  const styles = useStyles();
  const skus = useSkus().data ?? [];
  const planName = planNameIn(skus);
  const set = (skuId: string, disabledPlans: string[] | undefined) =>
    onChange(disabledPlans ? [...chosen.filter((c) => c.skuId !== skuId), { skuId, disabledPlans }] : chosen.filter((c) => c.skuId !== skuId));
  // the first users are enough to explain location and dependency notes in place
  const sample = users.slice(0, 50);

  return (
    <ul className={styles.list} aria-label={t('manage.products')}>
      {skus
        .filter((s) => s.capabilityStatus !== 'Deleted')
        .map((s) => {
          const pick = chosen.find((c) => c.skuId === s.skuId);
          const blocked =
            s.capabilityStatus !== 'Enabled' ? t(`status.${s.capabilityStatus}`) : s.purchaseChannel === 'selfService' ? t('status.selfService') : undefined;
          return (
            <li key={s.skuId}>
              <Switch label={s.displayName} checked={!!pick} disabled={!!blocked} onChange={(_, d) => set(s.skuId, d.checked ? [] : undefined)} />
              <Caption1 className={styles.caption}>{blocked ?? t('manage.availableOf', { available: s.availableUnits, total: totalUnits(s) })}</Caption1>
              {pick && (
                <div className={styles.apps}>
                  <ServicePlans
                    plans={s.servicePlans}
                    disabled={new Set(pick.disabledPlans)}
                    onToggle={(id, on) => set(s.skuId, on ? pick.disabledPlans.filter((p) => p !== id) : [...pick.disabledPlans, id])}
                    users={sample}
                    usersPlans={sample.map((u) => enabledPlansOf(u, skus, s.skuId))}
                    planName={planName}
                    label={t('assign.appsOf', { product: s.displayName })}
                  />
                </div>
              )}
            </li>
          );
        })}
    </ul>
  );
}
