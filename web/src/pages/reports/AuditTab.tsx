/**
 * The audit log of license changes, newest first: who changed what for whom, before and after, by
 * which request or bulk job. Filter by user, product or job.
 */
import { Field, Input, makeStyles, Table, TableBody, TableCell, TableHeader, TableHeaderCell, TableRow, Text, tokens } from '@fluentui/react-components';
import { useDeferredValue, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useDateTime } from '../../i18n';
import { PeoplePicker } from '../../components/PeoplePicker';
import { ProductPicker } from '../../components/ProductPicker';
import { LoadMore } from '../../components/LoadMore';
import { RefusalBar } from '../../components/Refusal';
import { refusalOf } from '../../graph/errors';
import { usePagedList } from '../../graph/paging';
import { keys, useSkuNames, useSkus } from '../../graph/queries';
import { auditRequest } from '../../graph/reports';
import type { LicenseChangeRecord, User } from '../../graph/types';

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const useStyles = makeStyles({
  filters: { display: 'flex', gap: '16px', alignItems: 'start', flexWrap: 'wrap', marginBottom: '12px' },
  hint: { color: tokens.colorNeutralForeground3 },
});

export function AuditTab() {
  const { t } = useTranslation();
  const styles = useStyles();
  const skus = useSkus().data ?? [];
  const skuName = useSkuNames();
  const [user, setUser] = useState<User[]>([]);
  const [skuId, setSkuId] = useState('');
  const [job, setJob] = useState('');
  const jobId = useDeferredValue(job.trim());
  const jobInvalid = jobId !== '' && !GUID.test(jobId);
  const filter = { userId: user[0]?.id, skuId: skuId || undefined, jobId: jobInvalid ? undefined : jobId || undefined };
  const records = usePagedList<LicenseChangeRecord>([...keys.reports, 'audit', filter], (c) => auditRequest(c, filter));
  const when = useDateTime({ dateStyle: 'short', timeStyle: 'medium' });
  const names = (list: { skuId: string }[]) => list.map((l) => skuName(l.skuId)).join(', ') || '—';

  return (
    <>
      <div className={styles.filters}>
        <div style={{ minWidth: 320 }}>
          <PeoplePicker label={t('audit.user')} selected={user} onChange={setUser} max={1} />
        </div>
        <ProductPicker skus={skus} skuId={skuId} onChange={setSkuId} anyLabel={t('audit.anyProduct')} />
        <Field label={t('audit.job')} validationState={jobInvalid ? 'error' : 'none'} validationMessage={jobInvalid ? t('audit.jobInvalid') : undefined}>
          <Input value={job} onChange={(_, d) => setJob(d.value)} placeholder="00000000-0000-0000-0000-000000000000" />
        </Field>
      </div>
      {records.isError && <RefusalBar refusal={refusalOf(records.error)} />}
      <Table size="small" aria-label={t('reports.tabs.audit')}>
        <TableHeader>
          <TableRow>
            <TableHeaderCell>{t('audit.when')}</TableHeaderCell>
            <TableHeaderCell>{t('audit.by')}</TableHeaderCell>
            <TableHeaderCell>{t('audit.user')}</TableHeaderCell>
            <TableHeaderCell>{t('audit.operation')}</TableHeaderCell>
            <TableHeaderCell>{t('audit.before')}</TableHeaderCell>
            <TableHeaderCell>{t('audit.after')}</TableHeaderCell>
          </TableRow>
        </TableHeader>
        <TableBody>
          {records.items.map((r) => (
            <TableRow key={r.id} data-testid="audit-record">
              <TableCell>{when.format(new Date(r.activityDateTime))}</TableCell>
              <TableCell>{r.actor.displayName}</TableCell>
              <TableCell>{r.userPrincipalName}</TableCell>
              <TableCell>
                {r.operation}
                {r.jobId && (
                  <Text className={styles.hint} size={200} block>
                    {t('audit.inJob', { id: r.jobId.slice(0, 8) })}
                  </Text>
                )}
              </TableCell>
              <TableCell>{names(r.before)}</TableCell>
              <TableCell>{names(r.after)}</TableCell>
            </TableRow>
          ))}
        </TableBody>
      </Table>
      {!records.isPending && !records.items.length && <Text>{t('audit.none')}</Text>}
      <LoadMore list={records} />
    </>
  );
}
