/**
 * Bulk license jobs: every job of the organization with its progress, newest first, and Import from a
 * CSV file (previewed first). Jobs still running refresh on their own.
 */
import { Button, createTableColumn, Link, ProgressBar, TableColumnDefinition, Text, Toolbar, ToolbarButton } from '@fluentui/react-components';
import { ArrowUploadRegular } from '@fluentui/react-icons';
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useDateTime } from '../../i18n';
import { useLocation } from 'wouter';
import { useCan } from '../../auth/session';
import { Grid } from '../../components/Grid';
import { PageHeader } from '../../components/PageHeader';
import { RefusalBar } from '../../components/Refusal';
import { useGraph } from '../../graph/client';
import { refusalOf } from '../../graph/errors';
import { isFinal, listJobs } from '../../graph/jobs';
import { keys } from '../../graph/queries';
import type { LicenseJob } from '../../graph/types';
import { ImportCsvPanel } from './ImportCsvPanel';
import { JobStatusBadge } from './JobStatus';

export default function JobsPage() {
  const { t } = useTranslation();
  const client = useGraph();
  const [, navigate] = useLocation();
  const mayAssign = useCan('assignLicenses');
  const [importing, setImporting] = useState(false);
  const jobs = useQuery({
    queryKey: keys.jobs,
    queryFn: () => listJobs(client),
    refetchInterval: (q) => (q.state.data?.some((j) => !isFinal(j)) ? 2000 : false),
  });
  const when = useDateTime({ dateStyle: 'medium', timeStyle: 'short' });

  const columns: TableColumnDefinition<LicenseJob>[] = [
    createTableColumn({
      columnId: 'created',
      renderHeaderCell: () => t('jobs.created'),
      renderCell: (j) => (
        <Link href={`#/jobs/${j.id}`} onClick={(e) => (e.preventDefault(), navigate(`/jobs/${j.id}`))}>
          {when.format(new Date(j.createdDateTime))}
        </Link>
      ),
    }),
    createTableColumn({
      columnId: 'what',
      renderHeaderCell: () => t('jobs.what'),
      renderCell: (j) => `${t(`jobs.mode.${j.mode}`)}${j.dryRun ? ` · ${t('jobs.dryRun')}` : ''} · ${t(`jobs.source.${j.source}`)}`,
    }),
    createTableColumn({ columnId: 'by', renderHeaderCell: () => t('jobs.by'), renderCell: (j) => j.createdBy.displayName }),
    createTableColumn({ columnId: 'status', renderHeaderCell: () => t('licenses.status'), renderCell: (j) => <JobStatusBadge job={j} /> }),
    createTableColumn({
      columnId: 'progress',
      renderHeaderCell: () => t('jobs.progress'),
      renderCell: (j) => (
        <div style={{ width: '100%' }}>
          <ProgressBar value={j.percentComplete / 100} aria-label={t('jobs.percent', { percent: j.percentComplete })} />
          <Text size={200}>{t('jobs.counts', { processed: j.counts.processed, total: j.counts.total, failed: j.counts.failed })}</Text>
        </div>
      ),
    }),
  ];

  return (
    <>
      <PageHeader title={t('jobs.title')} description={t('jobs.description')} />
      {mayAssign && (
        <Toolbar aria-label={t('common.actions')}>
          <ToolbarButton appearance="primary" icon={<ArrowUploadRegular />} onClick={() => setImporting(true)}>
            {t('import.open')}
          </ToolbarButton>
        </Toolbar>
      )}
      {jobs.isError ? (
        <RefusalBar refusal={refusalOf(jobs.error)} />
      ) : (
        <Grid
          items={jobs.data ?? []}
          columns={columns}
          getRowId={(j) => j.id}
          label={t('jobs.title')}
          empty={!jobs.isPending && <Text>{t('jobs.none')}</Text>}
        />
      )}
      <Button style={{ marginTop: 8 }} onClick={() => jobs.refetch()}>
        {t('common.refresh')}
      </Button>
      {importing && <ImportCsvPanel onClose={() => setImporting(false)} />}
    </>
  );
}
