/**
 * Settings > Org settings: what happens when a product the organization has gets a new app or service.
 * Microsoft turns it on for everyone who has the product; here a Global admin may keep new ones off until
 * someone turns them on. Others see how it is set. Below, the catalog changes announced for the
 * organization's products, so an admin can decide before one lands.
 */
import { Caption1, Card, makeStyles, Radio, RadioGroup, Subtitle2, Text, tokens } from '@fluentui/react-components';
import { useQuery } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { useCan } from '../../auth/session';
import { PageHeader } from '../../components/PageHeader';
import { RefusalBar } from '../../components/Refusal';
import { useGraph } from '../../graph/client';
import { refusalOf } from '../../graph/errors';
import { keys } from '../../graph/queries';
import { getLicenseSettings, listUpcomingCatalogChanges, updateLicenseSettings } from '../../graph/settings';
import type { LicenseSettings } from '../../graph/types';
import { useDateTime } from '../../i18n';
import { PolicySave, usePolicyForm } from '../licenses/policyForm';

const useStyles = makeStyles({
  form: { display: 'flex', flexDirection: 'column', gap: '12px', maxWidth: '720px', margin: '0 0 32px' },
  hint: { color: tokens.colorNeutralForeground3 },
  list: { display: 'flex', flexDirection: 'column', gap: '8px', maxWidth: '720px', margin: 0, padding: 0, listStyle: 'none' },
});

const settingsKey = [...keys.skus, 'licenseSettings'] as const;

export default function SettingsPage() {
  const { t } = useTranslation();
  const styles = useStyles();
  const client = useGraph();
  const mayChange = useCan('manageLicenseSettings');
  const when = useDateTime();
  const form = usePolicyForm<LicenseSettings>(
    settingsKey,
    () => getLicenseSettings(client),
    (body) => updateLicenseSettings(client, body),
  );
  const upcoming = useQuery({ queryKey: [...keys.skus, 'upcomingCatalogChanges'], queryFn: () => listUpcomingCatalogChanges(client) });
  const { policy, draft, edit, save } = form;

  return (
    <>
      <PageHeader title={t('settings.title')} description={t('settings.description')} />
      {policy.isError ? (
        <RefusalBar refusal={refusalOf(policy.error)} />
      ) : (
        draft && (
          <form
            className={styles.form}
            aria-labelledby="new-plans-title"
            onSubmit={(e) => {
              e.preventDefault();
              save.mutate(draft);
            }}
          >
            <Subtitle2 as="h2" id="new-plans-title">
              {t('settings.newPlans.title')}
            </Subtitle2>
            <Text className={styles.hint}>{t('settings.newPlans.explain')}</Text>
            <RadioGroup
              aria-labelledby="new-plans-title"
              value={draft.newServicePlans}
              disabled={!mayChange}
              onChange={(_, d) => edit({ ...draft, newServicePlans: d.value as LicenseSettings['newServicePlans'] })}
            >
              <Radio value="enabled" label={t('settings.newPlans.enabled')} />
              <Radio value="disabled" label={t('settings.newPlans.disabled')} />
            </RadioGroup>
            {!mayChange && <Text className={styles.hint}>{t('settings.newPlans.onlyGlobal')}</Text>}
            {draft.lastModifiedBy && draft.lastModifiedDateTime && (
              <Caption1 className={styles.hint}>
                {t('settings.lastChanged', { name: draft.lastModifiedBy.displayName, when: when.format(new Date(draft.lastModifiedDateTime)) })}
              </Caption1>
            )}
            <PolicySave form={form} saved={t('settings.saved')} hidden={!mayChange} />
          </form>
        )
      )}
      <Subtitle2 as="h2" block>
        {t('settings.upcoming.title')}
      </Subtitle2>
      {upcoming.isError ? (
        <RefusalBar refusal={refusalOf(upcoming.error)} />
      ) : !upcoming.data?.value.length ? (
        <Text className={styles.hint}>{upcoming.data ? t('settings.upcoming.none') : ''}</Text>
      ) : (
        <ul className={styles.list} aria-label={t('settings.upcoming.title')}>
          {upcoming.data.value.map((u) => (
            <li key={u.id}>
              <Card>
                <Text weight="semibold">{t('settings.upcoming.when', { when: when.format(new Date(u.effectiveDateTime)) })}</Text>
                {u.changes.productsChanged.map((p) => (
                  <Text key={p.skuId} block>
                    {[
                      p.plansAdded.length
                        ? t('settings.upcoming.added', { product: p.displayName, plans: p.plansAdded.map((x) => x.displayName).join(', ') })
                        : '',
                      p.plansRemoved.length
                        ? t('settings.upcoming.removed', { product: p.displayName, plans: p.plansRemoved.map((x) => x.displayName).join(', ') })
                        : '',
                      p.renamedFrom ? t('settings.upcoming.renamed', { from: p.renamedFrom.displayName, product: p.displayName }) : '',
                    ]
                      .filter(Boolean)
                      .join(' ')}
                  </Text>
                ))}
                {u.changes.productsRemoved.map((p) => (
                  <Text key={p.skuId} block>
                    {t('settings.upcoming.productRemoved', { product: p.displayName })}
                  </Text>
                ))}
                {u.changes.rulesChanged.length > 0 && <Text block>{t('settings.upcoming.rules', { count: u.changes.rulesChanged.length })}</Text>}
              </Card>
            </li>
          ))}
        </ul>
      )}
    </>
  );
}
