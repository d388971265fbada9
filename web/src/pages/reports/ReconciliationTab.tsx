/**
 * License reconciliation: the runs (scheduled and on demand), each incremental (what changed since the
 * last run) or full (every user read), and, for the one selected, what it found and did: seat counters
 * repaired, lifecycle moves, over-assignment with the users over the line, reclaim candidates, what it
 * read. "Run now" (what the timer runs) and "Full recount" for admins who may change licenses.
 */
import {
  Badge,
  Button,
  Card,
  createTableColumn,
  Link,
  makeStyles,
  Subtitle2,
  Table,
  TableBody,
  TableCell,
  TableColumnDefinition,
  TableHeader,
  TableHeaderCell,
  TableRow,
  Text,
  tokens,
} from '@fluentui/react-components';
import { ArrowSyncRegular, PlayRegular } from '@fluentui/react-icons';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useDateTime } from '../../i18n';
import { useCan } from '../../auth/session';
import { Grid } from '../../components/Grid';
import { RefusalBar } from '../../components/Refusal';
import { useGraph } from '../../graph/client';
import { refusalOf } from '../../graph/errors';
import { keys, useSkuNames } from '../../graph/queries';
import { listReconciliations, runReconciliation } from '../../graph/reports';
import type { ReconciliationReport } from '../../graph/types';

const useStyles = makeStyles({
  card: { padding: '12px 16px', marginTop: '16px', display: 'flex', flexDirection: 'column', gap: '12px' },
  hint: { color: tokens.colorNeutralForeground3 },
});

export function ReconciliationTab() {
  const { t } = useTranslation();
  const styles = useStyles();
  const client = useGraph();
  const queryClient = useQueryClient();
  const skuName = useSkuNames();
  const mayRun = useCan('assignLicenses');
  const runs = useQuery({ queryKey: [...keys.reports, 'reconciliations'], queryFn: () => listReconciliations(client) });
  const [openId, setOpenId] = useState<string>();
  const run = useMutation({
    mutationFn: (mode?: 'full') => runReconciliation(client, mode),
    onSuccess: async (r) => {
      setOpenId(r.id);
      await queryClient.invalidateQueries({ queryKey: keys.reports });
    },
  });
  const when = useDateTime({ dateStyle: 'medium', timeStyle: 'medium' });
  const open = runs.data?.value.find((r) => r.id === openId) ?? (run.data?.id === openId ? run.data : undefined);

  const columns: TableColumnDefinition<ReconciliationReport>[] = [
    createTableColumn({
      columnId: 'when',
      renderHeaderCell: () => t('reconciliation.started'),
      renderCell: (r) => (
        <Link as="button" onClick={() => setOpenId(r.id)}>
          {when.format(new Date(r.startedDateTime))}
        </Link>
      ),
    }),
    createTableColumn({
      columnId: 'trigger',
      renderHeaderCell: () => t('reconciliation.trigger'),
      renderCell: (r) => t(`reconciliation.triggers.${r.trigger}`) + (r.requestedBy ? ` · ${r.requestedBy.displayName}` : ''),
    }),
    createTableColumn({
      columnId: 'mode',
      renderHeaderCell: () => t('reconciliation.mode'),
      renderCell: (r) => t(`reconciliation.modes.${r.mode}`),
    }),
    createTableColumn({
      columnId: 'status',
      renderHeaderCell: () => t('licenses.status'),
      renderCell: (r) => (
        <Badge appearance="tint" color={r.status === 'completed' ? 'success' : 'warning'}>
          {t(`reconciliation.status.${r.status}`)}
        </Badge>
      ),
    }),
    createTableColumn({
      columnId: 'repaired',
      renderHeaderCell: () => t('reconciliation.repaired'),
      renderCell: (r) => r.seats.filter((s) => s.action === 'repaired').length,
    }),
    createTableColumn({ columnId: 'over', renderHeaderCell: () => t('reconciliation.overAssigned'), renderCell: (r) => r.overAssignments.length }),
  ];

  return (
    <>
      {mayRun && (
        <div style={{ display: 'flex', gap: 8, marginBottom: 12 }}>
          <Button appearance="primary" icon={<PlayRegular />} onClick={() => run.mutate(undefined)} disabled={run.isPending}>
            {run.isPending ? t('reconciliation.running') : t('reconciliation.run')}
          </Button>
          <Button icon={<ArrowSyncRegular />} onClick={() => run.mutate('full')} disabled={run.isPending} title={t('reconciliation.fullHint')}>
            {t('reconciliation.runFull')}
          </Button>
        </div>
      )}
      {run.isError && <RefusalBar refusal={refusalOf(run.error)} />}
      {runs.isError ? (
        <RefusalBar refusal={refusalOf(runs.error)} />
      ) : (
        <Grid
          items={runs.data?.value ?? []}
          columns={columns}
          getRowId={(r) => r.id}
          label={t('reports.tabs.reconciliation')}
          empty={!runs.isPending && <Text>{t('reconciliation.none')}</Text>}
        />
      )}
      {open && (
        <Card className={styles.card} aria-label={t('reconciliation.report')}>
          <Subtitle2 as="h2">{t('reconciliation.reportOf', { when: when.format(new Date(open.startedDateTime)) })}</Subtitle2>
          <Text data-testid="reconciliation-kind">
            {t(`reconciliation.kind.${open.mode}`, { reason: t(`reconciliation.reasons.${open.modeReason}`) })} ·{' '}
            {t('reconciliation.read', { count: open.documentsRead, requests: open.requests })}
            {open.nextFullRunDateTime ? ` · ${t('reconciliation.nextFull', { when: when.format(new Date(open.nextFullRunDateTime)) })}` : ''}
          </Text>
          <Table size="small" aria-label={t('reconciliation.seats')}>
            <TableHeader>
              <TableRow>
                <TableHeaderCell>{t('licenses.product')}</TableHeaderCell>
                <TableHeaderCell>{t('reconciliation.before')}</TableHeaderCell>
                <TableHeaderCell>{t('reconciliation.after')}</TableHeaderCell>
                <TableHeaderCell>{t('reconciliation.holders')}</TableHeaderCell>
                <TableHeaderCell>{t('reconciliation.action')}</TableHeaderCell>
              </TableRow>
            </TableHeader>
            <TableBody>
              {open.seats.map((s) => (
                <TableRow key={s.skuId}>
                  <TableCell>{skuName(s.skuId)}</TableCell>
                  <TableCell>{s.consumedBefore}</TableCell>
                  <TableCell>{s.consumedAfter}</TableCell>
                  <TableCell>{s.holders}</TableCell>
                  <TableCell>
                    {t(`reconciliation.actions.${s.action}`)}
                    {s.message ? ` · ${s.message}` : ''}
                  </TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
          {open.lifecycle.map((l) => (
            <Text key={l.subscriptionId}>{t('reconciliation.moved', { product: skuName(l.skuId), from: t(`status.${l.from}`), to: t(`status.${l.to}`) })}</Text>
          ))}
          {open.overAssignments.map((o) => (
            <RefusalBar
              key={o.skuId}
              refusal={{
                code: 'overAssignment',
                message: t('reconciliation.over', {
                  product: skuName(o.skuId),
                  over: o.over,
                  days: o.daysLeft ?? '—',
                  users: o.users.map((u) => u.displayName).join(', '),
                }),
              }}
            />
          ))}
          <Text className={styles.hint}>
            {t('reconciliation.reclaim', { count: open.reclaim.candidates })} · {t('reconciliation.audit', { count: open.auditRecords.recreated })}
          </Text>
          {open.errors.map((e, i) => (
            <RefusalBar key={i} refusal={{ code: e.step, message: e.message }} />
          ))}
        </Card>
      )}
    </>
  );
}
