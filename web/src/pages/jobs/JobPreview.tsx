/**
 * A dry run's answer: per product the seats the job needs against those available, and how many users
 * would be changed, would fail (with the first reasons) or have nothing to change. Polls until the
 * preview is complete.
 */
import {
  Badge,
  MessageBar,
  MessageBarBody,
  ProgressBar,
  Table,
  TableBody,
  TableCell,
  TableHeader,
  TableHeaderCell,
  TableRow,
  Text,
} from '@fluentui/react-components';
import { useQuery } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { useGraph } from '../../graph/client';
import { refusalOf } from '../../graph/errors';
import { isFinal, jobResultsRequest } from '../../graph/jobs';
import type { Collection, JobResult } from '../../graph/types';
import { keys, useJob, useSkuNames } from '../../graph/queries';
import { RefusalBar } from '../../components/Refusal';

export function JobPreview({ jobId }: { jobId: string }) {
  const { t } = useTranslation();
  const client = useGraph();
  const skuName = useSkuNames();
  const job = useJob(jobId);
  const done = !!job.data && isFinal(job.data);
  const failures = useQuery({
    queryKey: [...keys.job(jobId), 'failed'],
    queryFn: () => jobResultsRequest(client, jobId, true, 5).get() as Promise<Collection<JobResult>>,
    enabled: done,
  });

  if (job.isError) return <RefusalBar refusal={refusalOf(job.error)} />;
  if (!job.data || !done) return <ProgressBar value={job.data ? job.data.percentComplete / 100 : undefined} aria-label={t('preview.running')} />;
  const j = job.data;
  const short = j.seats.filter((s) => !s.enough);
  return (
    <section aria-label={t('preview.title')} style={{ display: 'flex', flexDirection: 'column', gap: 12 }}>
      <Text weight="semibold">{t('preview.title')}</Text>
      <Table size="small" aria-label={t('preview.seats')}>
        <TableHeader>
          <TableRow>
            <TableHeaderCell>{t('licenses.product')}</TableHeaderCell>
            <TableHeaderCell>{t('preview.needed')}</TableHeaderCell>
            <TableHeaderCell>{t('licenses.available')}</TableHeaderCell>
            <TableHeaderCell>{t('licenses.status')}</TableHeaderCell>
          </TableRow>
        </TableHeader>
        <TableBody>
          {j.seats.map((s) => (
            <TableRow key={s.skuId} data-testid={`preview-${s.skuPartNumber}`}>
              <TableCell>{skuName(s.skuId)}</TableCell>
              <TableCell>{s.needed}</TableCell>
              <TableCell>{s.available}</TableCell>
              <TableCell>
                <Badge appearance="tint" color={s.enough ? 'success' : 'danger'}>
                  {s.enough ? t('preview.enough') : t('preview.short', { count: s.needed - s.available })}
                </Badge>
              </TableCell>
            </TableRow>
          ))}
        </TableBody>
      </Table>
      <Text>{t('preview.counts', { succeeded: j.counts.succeeded, failed: j.counts.failed, skipped: j.counts.skipped })}</Text>
      {short.length > 0 && (
        <MessageBar intent="warning" layout="multiline">
          <MessageBarBody>{t('preview.notEnough')}</MessageBarBody>
        </MessageBar>
      )}
      {failures.data?.value.slice(0, 5).map((r) => (
        <RefusalBar
          key={r.row}
          refusal={{ code: r.code ?? 'error', message: r.message ?? '', parameters: r.parameters, details: r.details ?? [], status: 0 }}
          title={r.userPrincipalName ?? `#${r.row}`}
        />
      ))}
    </section>
  );
}
