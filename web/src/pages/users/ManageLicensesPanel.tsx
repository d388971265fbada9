/**
 * Active users > Manage product licenses, for the selected users: add to their existing licenses,
 * replace them, or unassign all. Up to 20 users: one assignLicense per user, each outcome by the user's
 * name. More: a bulk job, previewed first (a dry run: seats needed against available per product, and
 * how many users would fail), then started and followed on its page.
 */
import { Button, makeStyles, MessageBar, MessageBarBody, Radio, RadioGroup, Subtitle2, Text, tokens } from '@fluentui/react-components';
import { useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useLocation } from 'wouter';
import { Panel } from '../../components/Panel';
import { RefusalBar, SuccessBar } from '../../components/Refusal';
import { useGraph } from '../../graph/client';
import { Refusal, refusalOf } from '../../graph/errors';
import { createLicenseJob } from '../../graph/jobs';
import { assignLicense } from '../../graph/licensing';
import { licensesChanged } from '../../graph/queries';
import { CreateLicenseJob, MAX_USERS_PER_ASSIGN, User } from '../../graph/types';
import { changeFor, ChosenProduct, ManageMode } from '../../licensing/changes';
import { JobPreview } from '../jobs/JobPreview';
import { ProductChoice } from './ProductChoice';

const useStyles = makeStyles({
  hint: { color: tokens.colorNeutralForeground3 },
  list: { listStyle: 'none', margin: 0, padding: 0, display: 'flex', flexDirection: 'column', gap: '8px' },
});

type Outcome = { user: User; result: 'changed' | 'nothing' } | { user: User; refusal: Refusal };

export function ManageLicensesPanel({ users, onClose }: { users: User[]; onClose: (done: boolean) => void }) {
  const { t } = useTranslation();
  const styles = useStyles();
  const client = useGraph();
  const queryClient = useQueryClient();
  const [, navigate] = useLocation();
  const [step, setStep] = useState<'mode' | 'products' | 'done'>('mode');
  const [mode, setMode] = useState<ManageMode>('add');
  const [chosen, setChosen] = useState<ChosenProduct[]>([]);
  const [busy, setBusy] = useState(false);
  const [outcomes, setOutcomes] = useState<Outcome[]>();
  const [previewId, setPreviewId] = useState<string>();
  const [refusal, setRefusal] = useState<Refusal>();
  const bulk = users.length > MAX_USERS_PER_ASSIGN;
  const jobBody = (dryRun: boolean): CreateLicenseJob => ({ mode, userIds: users.map((u) => u.id), addLicenses: mode === 'unassignAll' ? [] : chosen, dryRun });

  const run = async () => {
    setBusy(true);
    setRefusal(undefined);
    try {
      if (bulk) {
        // a preview first: nothing changes until the admin has seen the seats it needs
        const preview = await createLicenseJob(client, jobBody(true));
        setPreviewId(preview.id);
      } else {
        const results = await Promise.all(
          users.map(async (user): Promise<Outcome> => {
            const body = changeFor(mode, user, chosen);
            if (!body) return { user, result: 'nothing' };
            return assignLicense(client, user.id, body).then(
              () => ({ user, result: 'changed' }),
              (e: unknown) => ({ user, refusal: refusalOf(e) }),
            );
          }),
        );
        setOutcomes(results);
        setStep('done');
        await licensesChanged(queryClient);
      }
    } catch (e) {
      setRefusal(refusalOf(e));
    } finally {
      setBusy(false);
    }
  };

  const start = async () => {
    setBusy(true);
    try {
      const job = await createLicenseJob(client, jobBody(false));
      onClose(true);
      navigate(`/jobs/${job.id}`);
    } catch (e) {
      setRefusal(refusalOf(e));
      setBusy(false);
    }
  };

  const changed = outcomes?.filter((o) => 'result' in o && o.result === 'changed').length ?? 0;
  const canSubmit = mode === 'unassignAll' || chosen.length > 0;

  return (
    <Panel
      title={t('manage.title')}
      subtitle={t('manage.forUsers', { count: users.length })}
      onClose={() => onClose(step === 'done')}
      footer={
        <>
          {step === 'mode' && (
            <Button appearance="primary" onClick={() => setStep('products')}>
              {t('common.next')}
            </Button>
          )}
          {step === 'products' && !previewId && (
            <>
              <Button onClick={() => setStep('mode')}>{t('common.back')}</Button>
              <Button appearance="primary" disabledFocusable={!canSubmit || busy} onClick={run}>
                {bulk ? t('manage.preview') : t('common.saveChanges')}
              </Button>
            </>
          )}
          {step === 'products' && previewId && (
            <Button appearance="primary" disabledFocusable={busy} onClick={start}>
              {t('manage.startJob', { count: users.length })}
            </Button>
          )}
        </>
      }
    >
      {step === 'mode' && (
        <RadioGroup aria-label={t('manage.title')} value={mode} onChange={(_, d) => setMode(d.value as ManageMode)}>
          <Radio value="add" label={t('manage.mode.add')} />
          <Radio value="replace" label={t('manage.mode.replace')} />
          <Radio value="unassignAll" label={t('manage.mode.unassignAll')} />
        </RadioGroup>
      )}
      {step === 'products' && (
        <>
          <Subtitle2 as="h2">{t(`manage.step.${mode}`)}</Subtitle2>
          {mode === 'unassignAll' ? (
            <Text>{t('manage.unassignAllExplained', { count: users.length })}</Text>
          ) : (
            <>
              <Text className={styles.hint}>{t('manage.appsExplained')}</Text>
              <ProductChoice chosen={chosen} onChange={setChosen} users={users} />
            </>
          )}
          {bulk && !previewId && (
            <MessageBar intent="info" layout="multiline">
              <MessageBarBody>{t('manage.bulk', { count: users.length, max: MAX_USERS_PER_ASSIGN })}</MessageBarBody>
            </MessageBar>
          )}
          {previewId && <JobPreview jobId={previewId} />}
        </>
      )}
      {refusal && <RefusalBar refusal={refusal} />}
      {step === 'done' && outcomes && (
        <>
          {changed > 0 && <SuccessBar title={t('manage.done', { count: changed })} />}
          <ul className={styles.list} aria-label={t('manage.outcomes')}>
            {outcomes.map((o) =>
              'refusal' in o ? (
                <li key={o.user.id}>
                  <RefusalBar refusal={o.refusal} title={o.user.displayName} />
                </li>
              ) : o.result === 'nothing' ? (
                <li key={o.user.id}>
                  <Text className={styles.hint}>{t('manage.nothing', { name: o.user.displayName })}</Text>
                </li>
              ) : null,
            )}
          </ul>
        </>
      )}
    </Panel>
  );
}
