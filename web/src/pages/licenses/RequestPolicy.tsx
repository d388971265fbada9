/**
 * Whether users may ask for licenses. Off, they see the organization's own message and link instead
 * ("use our own process"). Global admins change it; others see how it is set.
 */
import { Field, Input, makeStyles, Subtitle2, Switch, Text, Textarea } from '@fluentui/react-components';
import { useTranslation } from 'react-i18next';
import { useCan } from '../../auth/session';
import { RefusalBar } from '../../components/Refusal';
import { useGraph } from '../../graph/client';
import { refusalOf } from '../../graph/errors';
import { keys } from '../../graph/queries';
import { getRequestPolicy, updateRequestPolicy } from '../../graph/requests';
import { PolicySave, usePolicyForm } from './policyForm';

const useStyles = makeStyles({
  form: { display: 'flex', flexDirection: 'column', gap: '12px', maxWidth: '640px', margin: '0 0 24px' },
});

const policyKey = [...keys.reports, 'licenseRequestPolicy'] as const;

export function RequestPolicy() {
  const { t } = useTranslation();
  const styles = useStyles();
  const client = useGraph();
  const mayChange = useCan('manageLicenseRequestPolicy');
  const form = usePolicyForm(
    policyKey,
    () => getRequestPolicy(client),
    (body) => updateRequestPolicy(client, body),
  );
  const { policy, draft, edit: setDraft, save } = form;

  if (policy.isError) return <RefusalBar refusal={refusalOf(policy.error)} />;
  if (!draft) return null;
  if (!mayChange) {
    return (
      <Text block className={styles.form}>
        <Subtitle2 as="h2" block>
          {t('requestPolicy.title')}
        </Subtitle2>
        {draft.enabled ? t('requestPolicy.onReadOnly') : t('requestPolicy.offReadOnly', { message: draft.customMessage || '—', url: draft.customUrl ?? '—' })}
      </Text>
    );
  }
  return (
    <form
      className={styles.form}
      aria-label={t('requestPolicy.title')}
      onSubmit={(e) => {
        e.preventDefault();
        save.mutate(draft);
      }}
    >
      <Subtitle2 as="h2">{t('requestPolicy.title')}</Subtitle2>
      <Switch label={t('requestPolicy.enabled')} checked={draft.enabled} onChange={(_, d) => setDraft({ ...draft, enabled: d.checked })} />
      {!draft.enabled && (
        <>
          <Field label={t('requestPolicy.message')} hint={t('requestPolicy.messageHint')}>
            <Textarea value={draft.customMessage} onChange={(_, d) => setDraft({ ...draft, customMessage: d.value })} />
          </Field>
          <Field label={t('requestPolicy.url')}>
            <Input type="url" value={draft.customUrl ?? ''} placeholder="https://" onChange={(_, d) => setDraft({ ...draft, customUrl: d.value || null })} />
          </Field>
        </>
      )}
      <PolicySave form={form} saved={t('requestPolicy.saved')} />
    </form>
  );
}
