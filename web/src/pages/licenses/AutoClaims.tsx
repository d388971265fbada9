/** Who claimed a license through the auto-claim policy, and the claims that failed (with the reason), for the last 1, 7, 30 or 90 days; downloadable as CSV. */
import {
  Badge,
  Button,
  Dropdown,
  Field,
  makeStyles,
  Option,
  Subtitle2,
  Table,
  TableBody,
  TableCell,
  TableHeader,
  TableHeaderCell,
  TableRow,
  Text,
} from '@fluentui/react-components';
import { useMutation, useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { RefusalBar } from '../../components/Refusal';
import { useGraph } from '../../graph/client';
import { refusalOf } from '../../graph/errors';
import { keys, useSkuNames } from '../../graph/queries';
import { autoClaimsCsv, listAutoClaims } from '../../graph/requests';
import { useDateTime } from '../../i18n';
import { downloadText } from '../../licensing/download';

const DAYS = [1, 7, 30, 90] as const;
const useStyles = makeStyles({ bar: { display: 'flex', gap: '12px', alignItems: 'end', marginBottom: '12px' } });

export function AutoClaims() {
  const { t } = useTranslation();
  const styles = useStyles();
  const client = useGraph();
  const skuName = useSkuNames();
  const [days, setDays] = useState<number>(7);
  const claims = useQuery({ queryKey: [...keys.skus, 'autoClaims', days], queryFn: () => listAutoClaims(client, days) });
  const download = useMutation({
    mutationFn: () => autoClaimsCsv(client, days),
    onSuccess: (csv) => downloadText(`auto-claims-${days}d.csv`, csv),
  });
  const when = useDateTime({ dateStyle: 'short', timeStyle: 'short' });
  const items = claims.data?.value ?? [];

  return (
    <>
      <Subtitle2 as="h2">{t('autoClaim.claims')}</Subtitle2>
      <div className={styles.bar}>
        <Field label={t('autoClaim.period')}>
          <Dropdown
            value={t('autoClaim.days', { count: days })}
            selectedOptions={[String(days)]}
            onOptionSelect={(_, d) => setDays(Number(d.optionValue ?? days))}
          >
            {DAYS.map((d) => (
              <Option key={d} value={String(d)}>
                {t('autoClaim.days', { count: d })}
              </Option>
            ))}
          </Dropdown>
        </Field>
        <Button onClick={() => download.mutate()} disabled={download.isPending}>
          {t('autoClaim.download')}
        </Button>
      </div>
      {(claims.isError || download.isError) && <RefusalBar refusal={refusalOf(claims.error ?? download.error)} />}
      <Table size="small" aria-label={t('autoClaim.claims')}>
        <TableHeader>
          <TableRow>
            <TableHeaderCell>{t('audit.when')}</TableHeaderCell>
            <TableHeaderCell>{t('users.name')}</TableHeaderCell>
            <TableHeaderCell>{t('autoClaim.outcome')}</TableHeaderCell>
            <TableHeaderCell>{t('licenses.product')}</TableHeaderCell>
            <TableHeaderCell>{t('autoClaim.reason')}</TableHeaderCell>
          </TableRow>
        </TableHeader>
        <TableBody>
          {items.map((c) => (
            <TableRow key={c.id} data-testid={`claim-${c.userPrincipalName}`}>
              <TableCell>{when.format(new Date(c.dateTime))}</TableCell>
              <TableCell>{c.userPrincipalName}</TableCell>
              <TableCell>
                <Badge appearance="tint" color={c.outcome === 'claimed' ? 'success' : 'danger'}>
                  {t(`autoClaim.outcomes.${c.outcome}`)}
                </Badge>
              </TableCell>
              <TableCell>{c.skuId ? skuName(c.skuId) : '—'}</TableCell>
              <TableCell>{c.reason ?? '—'}</TableCell>
            </TableRow>
          ))}
        </TableBody>
      </Table>
      {claims.data && !items.length && <Text>{t('autoClaim.none')}</Text>}
    </>
  );
}
