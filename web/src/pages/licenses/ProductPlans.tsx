/**
 * A product's apps and services, those the catalog added in the last 30 days marked New (with the date),
 * and what the organization's setting does with new ones (Settings > Org settings).
 */
import { Badge, Caption1, makeStyles, Subtitle2, Text, tokens } from '@fluentui/react-components';
import { useQuery } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { useGraph } from '../../graph/client';
import { keys } from '../../graph/queries';
import { getLicenseSettings } from '../../graph/settings';
import type { SubscribedSku } from '../../graph/types';
import { useDateTime } from '../../i18n';
import { isNewPlan } from '../../licensing/plans';

const useStyles = makeStyles({
  root: { margin: '0 0 16px', display: 'flex', flexDirection: 'column', gap: '6px' },
  list: { display: 'flex', flexWrap: 'wrap', gap: '6px 16px', margin: 0, padding: 0, listStyle: 'none' },
  item: { display: 'flex', alignItems: 'center', gap: '6px' },
  hint: { color: tokens.colorNeutralForeground3 },
});

export function ProductPlans({ sku }: { sku: SubscribedSku }) {
  const { t } = useTranslation();
  const styles = useStyles();
  const client = useGraph();
  const date = useDateTime({ dateStyle: 'medium' });
  const settings = useQuery({ queryKey: [...keys.skus, 'licenseSettings'], queryFn: () => getLicenseSettings(client) });
  const now = Date.now();
  const fresh = sku.servicePlans.filter((p) => isNewPlan(p, now));
  return (
    <section className={styles.root} aria-labelledby="product-plans">
      <Subtitle2 as="h2" id="product-plans">
        {t('product.plans')}
      </Subtitle2>
      <ul className={styles.list} aria-labelledby="product-plans">
        {sku.servicePlans.map((p) => (
          <li key={p.servicePlanId} className={styles.item} data-testid={`plan-${p.servicePlanId}`}>
            <Text>{p.displayName}</Text>
            {isNewPlan(p, now) && (
              <>
                <Badge appearance="tint" color="brand">
                  {t('product.newPlan')}
                </Badge>
                <Caption1 className={styles.hint}>{t('product.newPlanAdded', { date: date.format(new Date(p.addedDateTime!)) })}</Caption1>
              </>
            )}
          </li>
        ))}
      </ul>
      {fresh.length > 0 && (
        <Text className={styles.hint}>
          {t('product.plansNewHint')} {settings.data && t(settings.data.newServicePlans === 'disabled' ? 'product.newPlansOff' : 'product.newPlansOn')}
        </Text>
      )}
    </section>
  );
}
