/**
 * One bulk license job: a live progress bar with percent and time left, counts, Cancel while it runs,
 * the result per user (filterable to the failures), and the failed rows as CSV to fix and import again.
 */
import { Button, Card, Field, makeStyles, ProgressBar, Spinner, Text, Toolbar, ToolbarButton, tokens } from '@fluentui/react-components';
import { ArrowDownloadRegular, DismissCircleRegular } from '@fluentui/react-icons';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useEffect } from 'react';
import { useTranslation } from 'react-i18next';
import { useDateTime } from '../../i18n';
import { useCan } from '../../auth/session';
import { PageHeader } from '../../components/PageHeader';
import { RefusalBar } from '../../components/Refusal';
import { useGraph } from '../../graph/client';
import { refusalOf } from '../../graph/errors';
import { cancelJob, failedRowsCsv, isFinal } from '../../graph/jobs';
import { keys, licensesChanged, useJob } from '../../graph/queries';
import { downloadText } from '../../licensing/download';
import { JobPreview } from './JobPreview';
import { JobResults } from './JobResults';
import { JobStatusBadge } from './JobStatus';

const useStyles = makeStyles({
  card: { padding: '16px 20px', display: 'flex', flexDirection: 'column', gap: '8px', maxWidth: '720px', marginBottom: '16px' },
  counts: { display: 'flex', gap: '24px', color: tokens.colorNeutralForeground2 },
});

export default function JobPage({ jobId }: { jobId: string }) {
  const { t } = useTranslation();
  const styles = useStyles();
  const client = useGraph();
  const queryClient = useQueryClient();
  const mayAssign = useCan('assignLicenses');
  const job = useJob(jobId);
  const final = !!job.data && isFinal(job.data);
  // once the job is final, the seats and users it changed are stale everywhere else
  useEffect(() => {
    if (final) void licensesChanged(queryClient);
  }, [final, queryClient]);
  const cancel = useMutation({ mutationFn: () => cancelJob(client, jobId), onSuccess: (j) => queryClient.setQueryData(keys.job(jobId), j) });
  const download = useMutation({ mutationFn: async () => downloadText(`license-job-${jobId}-failed.csv`, await failedRowsCsv(client, jobId)) });

  const when = useDateTime({ dateStyle: 'medium', timeStyle: 'medium' });

  if (job.isPending) return <Spinner label={t('common.loading')} />;
  if (job.isError) return <RefusalBar refusal={refusalOf(job.error)} />;
  const j = job.data;
  const eta = j.estimatedSecondsRemaining;

  return (
    <>
      <PageHeader
        title={t(j.dryRun ? 'job.titlePreview' : 'job.title', { mode: t(`jobs.mode.${j.mode}`) })}
        trail={[{ label: t('jobs.title'), to: '/jobs' }]}
        description={t('job.description', {
          by: j.createdBy.displayName,
          when: when.format(new Date(j.createdDateTime)),
          source: t(`jobs.source.${j.source}`),
        })}
      />
      <Card className={styles.card}>
        <div>
          <JobStatusBadge job={j} />
        </div>
        <Field
          label={t('job.progress', { percent: j.percentComplete })}
          hint={final ? undefined : eta === null ? t('job.etaUnknown') : t('job.eta', { count: eta })}
          validationState="none"
        >
          <ProgressBar value={j.percentComplete / 100} thickness="large" data-testid="job-progress" />
        </Field>
        <div className={styles.counts} data-testid="job-counts">
          <Text>{t('job.total', { count: j.counts.total })}</Text>
          <Text>{t('job.succeeded', { count: j.counts.succeeded })}</Text>
          <Text>{t('job.failed', { count: j.counts.failed })}</Text>
          <Text>{t('job.skipped', { count: j.counts.skipped })}</Text>
        </div>
        {j.error && <RefusalBar refusal={{ code: j.error.code, message: j.error.message, details: j.error.details ?? [], status: 0 }} />}
      </Card>
      <Toolbar aria-label={t('common.actions')}>
        {mayAssign && !final && (
          <ToolbarButton icon={<DismissCircleRegular />} disabled={j.cancelRequested || cancel.isPending} onClick={() => cancel.mutate()}>
            {t('job.cancel')}
          </ToolbarButton>
        )}
        {j.counts.failed > 0 && (
          <ToolbarButton icon={<ArrowDownloadRegular />} disabled={download.isPending} onClick={() => download.mutate()}>
            {t('job.downloadFailed')}
          </ToolbarButton>
        )}
      </Toolbar>
      {cancel.isError && <RefusalBar refusal={refusalOf(cancel.error)} />}
      {download.isError && <RefusalBar refusal={refusalOf(download.error)} />}
      {(j.dryRun || j.requireSeats) && final && <JobPreview jobId={j.id} />}
      <JobResults jobId={j.id} />
      {!final && (
        <Button style={{ marginTop: 8 }} appearance="subtle" onClick={() => job.refetch()}>
          {t('common.refresh')}
        </Button>
      )}
    </>
  );
}
