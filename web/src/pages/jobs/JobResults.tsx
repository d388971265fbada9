/** A job's result per user (or CSV row): what was done, or the rule's message; filterable to the failures. */
import { Badge, Switch, Table, TableBody, TableCell, TableHeader, TableHeaderCell, TableRow, Text } from '@fluentui/react-components';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { LoadMore } from '../../components/LoadMore';
import { RefusalBar, useRefusalText } from '../../components/Refusal';
import { refusalOf } from '../../graph/errors';
import { usePagedList } from '../../graph/paging';
import { isFinal, jobResultsRequest } from '../../graph/jobs';
import { keys, useJob, useSkuNames } from '../../graph/queries';
import type { JobResult } from '../../graph/types';

const color = { succeeded: 'success', failed: 'danger', skipped: 'subtle' } as const;

export function JobResults({ jobId }: { jobId: string }) {
  const { t } = useTranslation();
  const skuName = useSkuNames();
  const refusalText = useRefusalText();
  const [failedOnly, setFailedOnly] = useState(false);
  // asked again as the job moves on, and once more when it is final
  const job = useJob(jobId).data;
  const progress = job && (isFinal(job) ? 'final' : job.counts.processed);
  const results = usePagedList<JobResult>([...keys.job(jobId), 'results', failedOnly, progress], (c) => jobResultsRequest(c, jobId, failedOnly));
  return (
    <section aria-label={t('jobResults.title')} style={{ display: 'flex', flexDirection: 'column', gap: 8 }}>
      <Switch label={t('jobResults.failedOnly')} checked={failedOnly} onChange={(_, d) => setFailedOnly(d.checked)} />
      {results.isError && <RefusalBar refusal={refusalOf(results.error)} />}
      <Table size="small" aria-label={t('jobResults.title')}>
        <TableHeader>
          <TableRow>
            <TableHeaderCell style={{ width: 64 }}>{t('jobResults.row')}</TableHeaderCell>
            <TableHeaderCell>{t('jobResults.user')}</TableHeaderCell>
            <TableHeaderCell style={{ width: 120 }}>{t('licenses.status')}</TableHeaderCell>
            <TableHeaderCell>{t('jobResults.outcome')}</TableHeaderCell>
          </TableRow>
        </TableHeader>
        <TableBody>
          {results.items.map((r) => (
            <TableRow key={r.row} data-testid="job-result">
              <TableCell>{r.row}</TableCell>
              <TableCell>{r.userPrincipalName ?? r.userId}</TableCell>
              <TableCell>
                <Badge appearance="tint" color={color[r.status]}>
                  {t(`jobResults.status.${r.status}`)}
                </Badge>
              </TableCell>
              <TableCell>
                <Text size={200}>
                  {r.status === 'failed' && r.code
                    ? refusalText({ code: r.code, message: r.message ?? '', parameters: r.parameters, details: r.details ?? [], status: 0 })
                    : (r.message ?? (r.after ? t('jobResults.now', { products: r.after.map((l) => skuName(l.skuId)).join(', ') || '—' }) : ''))}
                  {r.code && r.status === 'failed' ? ` (${r.code})` : ''}
                </Text>
              </TableCell>
            </TableRow>
          ))}
        </TableBody>
      </Table>
      {!results.isPending && !results.items.length && <Text>{failedOnly ? t('jobResults.noFailures') : t('jobResults.none')}</Text>}
      <LoadMore list={results} />
    </section>
  );
}
