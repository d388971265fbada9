/**
 * Alert webhooks (low seats per product, group-licensing failures, over-assignment) and their
 * deliveries. Global and Billing admins add and remove webhooks; the signing secret is shown once.
 */
import {
  Button,
  Checkbox,
  Field,
  Input,
  makeStyles,
  SpinButton,
  Subtitle2,
  Table,
  TableBody,
  TableCell,
  TableHeader,
  TableHeaderCell,
  TableRow,
  Text,
  tokens,
} from '@fluentui/react-components';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useDateTime } from '../../i18n';
import { useCan } from '../../auth/session';
import { LoadMore } from '../../components/LoadMore';
import { RefusalBar, SuccessBar } from '../../components/Refusal';
import { useGraph } from '../../graph/client';
import { refusalOf } from '../../graph/errors';
import { usePagedList } from '../../graph/paging';
import { keys, useSkuNames, useSkus } from '../../graph/queries';
import { AlertDelivery, createWebhook, deleteWebhook, deliveriesRequest, listWebhooks } from '../../graph/reports';
import type { AlertEvent } from '../../graph/types';

// every event the service knows, in this order: a Record, so an event added to the contract and missing here fails the build
const EVENT_ORDER: Record<AlertEvent, number> = {
  lowSeats: 0,
  groupLicensingFailure: 1,
  overAssignment: 2,
  licenseRequestCreated: 3,
  licenseRequestDecided: 4,
  autoClaimFailed: 5,
  unusedSeats: 6,
  inactiveLicensedUsers: 7,
  licenseReclaimPending: 8,
  servicePlansAdded: 9,
  servicePlansRemoved: 10,
  catalogChangeScheduled: 11,
};
const EVENTS = (Object.keys(EVENT_ORDER) as AlertEvent[]).sort((a, b) => EVENT_ORDER[a] - EVENT_ORDER[b]);
const useStyles = makeStyles({
  form: { display: 'flex', flexDirection: 'column', gap: '12px', maxWidth: '640px', margin: '12px 0 24px' },
  hint: { color: tokens.colorNeutralForeground3 },
  row: { display: 'flex', gap: '16px', flexWrap: 'wrap' },
});

export function AlertsTab() {
  const { t } = useTranslation();
  const styles = useStyles();
  const client = useGraph();
  const queryClient = useQueryClient();
  const skus = useSkus().data ?? [];
  const skuName = useSkuNames();
  const mayManage = useCan('manageSubscriptions');
  const hooks = useQuery({ queryKey: [...keys.reports, 'webhooks'], queryFn: () => listWebhooks(client) });
  const deliveries = usePagedList<AlertDelivery>([...keys.reports, 'deliveries'], (c) => deliveriesRequest(c));
  const [url, setUrl] = useState('');
  const [events, setEvents] = useState<AlertEvent[]>(['lowSeats']);
  const [thresholds, setThresholds] = useState<Record<string, number>>({});
  const refresh = () => queryClient.invalidateQueries({ queryKey: [...keys.reports, 'webhooks'] }); // not the other reports' caches
  const create = useMutation({
    mutationFn: () => createWebhook(client, { url, events, lowSeatThresholds: events.includes('lowSeats') ? thresholds : {} }),
    onSuccess: refresh,
  });
  const remove = useMutation({ mutationFn: (id: string) => deleteWebhook(client, id), onSuccess: refresh });
  const when = useDateTime({ dateStyle: 'short', timeStyle: 'medium' });

  return (
    <>
      <Subtitle2 as="h2">{t('alerts.webhooks')}</Subtitle2>
      {hooks.isError && <RefusalBar refusal={refusalOf(hooks.error)} />}
      <Table size="small" aria-label={t('alerts.webhooks')}>
        <TableHeader>
          <TableRow>
            <TableHeaderCell>{t('alerts.url')}</TableHeaderCell>
            <TableHeaderCell>{t('alerts.events')}</TableHeaderCell>
            <TableHeaderCell>{t('alerts.thresholds')}</TableHeaderCell>
            {mayManage && <TableHeaderCell style={{ width: 120 }} />}
          </TableRow>
        </TableHeader>
        <TableBody>
          {(hooks.data?.value ?? []).map((h) => (
            <TableRow key={h.id}>
              <TableCell>{h.url}</TableCell>
              <TableCell>{h.events.map((e) => t(`alerts.event.${e}`, { defaultValue: e })).join(', ')}</TableCell>
              <TableCell>
                {Object.entries(h.lowSeatThresholds)
                  .map(([sku, n]) => `${skuName(sku)}: ${n}`)
                  .join(', ') || '—'}
              </TableCell>
              {mayManage && (
                <TableCell>
                  <Button size="small" onClick={() => remove.mutate(h.id)} aria-label={t('alerts.removeOf', { url: h.url })}>
                    {t('alerts.remove')}
                  </Button>
                </TableCell>
              )}
            </TableRow>
          ))}
        </TableBody>
      </Table>
      {hooks.data && !hooks.data.value.length && <Text>{t('alerts.noWebhooks')}</Text>}
      {mayManage && (
        <form
          className={styles.form}
          onSubmit={(e) => {
            e.preventDefault();
            create.mutate();
          }}
        >
          <Subtitle2 as="h3">{t('alerts.add')}</Subtitle2>
          <Field label={t('alerts.url')} hint={t('alerts.urlHint')} required>
            <Input type="url" value={url} onChange={(_, d) => setUrl(d.value)} placeholder="https://" />
          </Field>
          <fieldset style={{ border: 0, padding: 0, margin: 0 }}>
            <legend>{t('alerts.events')}</legend>
            <div className={styles.row}>
              {EVENTS.map((e) => (
                <Checkbox
                  key={e}
                  label={t(`alerts.event.${e}`)}
                  checked={events.includes(e)}
                  onChange={(_, d) => setEvents((list) => (d.checked ? [...list, e] : list.filter((x) => x !== e)))}
                />
              ))}
            </div>
          </fieldset>
          {events.includes('lowSeats') && (
            <div className={styles.row}>
              {skus.map((s) => (
                <Field key={s.skuId} label={t('alerts.thresholdFor', { product: s.displayName })}>
                  <SpinButton
                    min={0}
                    value={thresholds[s.skuId] ?? null}
                    placeholder="—"
                    onChange={(_, d) => setThresholds((th) => ({ ...th, [s.skuId]: d.value ?? Number(d.displayValue) }))}
                  />
                </Field>
              ))}
            </div>
          )}
          <div>
            <Button appearance="primary" type="submit" disabled={!url || !events.length || create.isPending}>
              {t('alerts.addSubmit')}
            </Button>
          </div>
          {create.isError && <RefusalBar refusal={refusalOf(create.error)} />}
          {create.data && (
            <SuccessBar title={t('alerts.added')}>
              {t('alerts.secret')} <code>{create.data.secret}</code>
            </SuccessBar>
          )}
        </form>
      )}
      {remove.isError && <RefusalBar refusal={refusalOf(remove.error)} />}
      <Subtitle2 as="h2">{t('alerts.deliveries')}</Subtitle2>
      <Table size="small" aria-label={t('alerts.deliveries')}>
        <TableHeader>
          <TableRow>
            <TableHeaderCell>{t('audit.when')}</TableHeaderCell>
            <TableHeaderCell>{t('alerts.event.label')}</TableHeaderCell>
            <TableHeaderCell>{t('licenses.status')}</TableHeaderCell>
            <TableHeaderCell>{t('alerts.attempts')}</TableHeaderCell>
            <TableHeaderCell>{t('alerts.lastError')}</TableHeaderCell>
          </TableRow>
        </TableHeader>
        <TableBody>
          {deliveries.items.map((d) => (
            <TableRow key={d.id}>
              <TableCell>{when.format(new Date(d.createdDateTime))}</TableCell>
              <TableCell>{t(`alerts.event.${d.event}`, { defaultValue: d.event })}</TableCell>
              <TableCell>{t(`alerts.status.${d.status}`)}</TableCell>
              <TableCell>{d.attempts}</TableCell>
              <TableCell>{d.lastError ?? '—'}</TableCell>
            </TableRow>
          ))}
        </TableBody>
      </Table>
      {!deliveries.isPending && !deliveries.items.length && <Text className={styles.hint}>{t('alerts.noDeliveries')}</Text>}
      <LoadMore list={deliveries} />
    </>
  );
}
