/**
 * What licenses cost and who does not use them: per product the seats bought, assigned and unused and
 * what they cost a month (totals per currency), and the licensed users without a sign-in for 30, 60, 90
 * or 180 days with what their licenses cost. Both download as CSV (the service's own CSV of the report).
 */
import {
  Badge,
  Button,
  Dropdown,
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
  tokens,
} from '@fluentui/react-components';
import { useMutation, useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { INACTIVITY_WINDOWS } from '../../../../shared/domain/reclaim';
import { useDateTime } from '../../i18n';
import { RefusalBar } from '../../components/Refusal';
import { useGraph } from '../../graph/client';
import { refusalOf } from '../../graph/errors';
import { keys } from '../../graph/queries';
import { inactiveLicensedUsers, licenseSpend, reportCsv } from '../../graph/reports';
import { downloadText } from '../../licensing/download';

/** Rows shown of the inactive users (the CSV has them all). */
const SHOWN = 200;

const useStyles = makeStyles({
  bar: { display: 'flex', gap: '16px', alignItems: 'center', flexWrap: 'wrap', margin: '8px 0 12px' },
  hint: { color: tokens.colorNeutralForeground3 },
  total: { fontWeight: tokens.fontWeightSemibold },
});

/** A table's header row: one cell per title. */
function Headers({ titles }: { titles: string[] }) {
  return (
    <TableHeader>
      <TableRow>
        {titles.map((title) => (
          <TableHeaderCell key={title}>{title}</TableHeaderCell>
        ))}
      </TableRow>
    </TableHeader>
  );
}

export function SpendTab() {
  const { t, i18n } = useTranslation();
  const styles = useStyles();
  const client = useGraph();
  const [days, setDays] = useState<number>(90);
  const spend = useQuery({ queryKey: [...keys.reports, 'spend'], queryFn: () => licenseSpend(client) });
  const inactive = useQuery({ queryKey: [...keys.reports, 'inactive', days], queryFn: () => inactiveLicensedUsers(client, days) });
  const download = useMutation({
    mutationFn: async (which: 'licenseSpend' | 'inactiveLicensedUsers') =>
      downloadText(
        which === 'licenseSpend' ? 'license-spend.csv' : `inactive-licensed-users-${days}d.csv`,
        await reportCsv(client, which, which === 'licenseSpend' ? {} : { days: String(days) }),
      ),
  });
  const money = (amount: number | null, currency: string | null) =>
    amount === null || !currency ? '—' : new Intl.NumberFormat(i18n.resolvedLanguage, { style: 'currency', currency }).format(amount);
  const when = useDateTime({ dateStyle: 'medium' });

  return (
    <>
      <div className={styles.bar}>
        <Subtitle2 as="h2">{t('spend.products')}</Subtitle2>
        <Button size="small" onClick={() => download.mutate('licenseSpend')}>
          {t('spend.downloadCsv')}
        </Button>
      </div>
      {spend.isError && <RefusalBar refusal={refusalOf(spend.error)} />}
      {download.isError && <RefusalBar refusal={refusalOf(download.error)} />}
      <Table size="small" aria-label={t('spend.products')}>
        <Headers titles={[t('spend.product'), t('spend.total'), t('spend.assigned'), t('spend.unused'), t('spend.monthlyCost'), t('spend.unusedCost')]} />
        <TableBody>
          {(spend.data?.value ?? []).map((p) => (
            <TableRow key={p.skuId} data-testid="spend-product">
              <TableCell>{p.productName}</TableCell>
              <TableCell>{p.totalLicenses}</TableCell>
              <TableCell>{p.assigned}</TableCell>
              <TableCell>{p.unused}</TableCell>
              <TableCell>{money(p.monthlyCost, p.currency)}</TableCell>
              <TableCell>{money(p.unusedMonthlyCost, p.currency)}</TableCell>
            </TableRow>
          ))}
          {(spend.data?.totals ?? []).map((x) => (
            <TableRow key={x.currency} data-testid="spend-total">
              <TableCell className={styles.total}>{t('spend.totalIn', { currency: x.currency })}</TableCell>
              <TableCell />
              <TableCell />
              <TableCell />
              <TableCell className={styles.total}>{money(x.monthlyCost, x.currency)}</TableCell>
              <TableCell className={styles.total}>{money(x.unusedMonthlyCost, x.currency)}</TableCell>
            </TableRow>
          ))}
        </TableBody>
      </Table>
      {!!spend.data?.unpricedProducts && <Text className={styles.hint}>{t('spend.unpriced', { count: spend.data.unpricedProducts })}</Text>}

      <div className={styles.bar}>
        <Subtitle2 as="h2">{t('spend.inactive')}</Subtitle2>
        <Dropdown
          aria-label={t('spend.window')}
          value={t('spend.days', { count: days })}
          selectedOptions={[String(days)]}
          onOptionSelect={(_, d) => setDays(Number(d.optionValue ?? 90))}
        >
          {INACTIVITY_WINDOWS.map((d) => (
            <Option key={d} value={String(d)}>
              {t('spend.days', { count: d })}
            </Option>
          ))}
        </Dropdown>
        <Button size="small" onClick={() => download.mutate('inactiveLicensedUsers')}>
          {t('spend.downloadCsv')}
        </Button>
      </div>
      {inactive.isError && <RefusalBar refusal={refusalOf(inactive.error)} />}
      {inactive.data && (
        <Text as="p" data-testid="inactive-summary">
          {t('spend.inactiveSummary', {
            count: inactive.data.totals.users,
            savings: inactive.data.totals.monthlySavings.map((s) => money(s.amount, s.currency)).join(' + ') || money(0, 'EUR'),
          })}
        </Text>
      )}
      <Table size="small" aria-label={t('spend.inactive')}>
        <Headers titles={[t('users.name'), t('spend.lastSignIn'), t('spend.licenses'), t('spend.monthlyCost')]} />
        <TableBody>
          {(inactive.data?.value ?? []).slice(0, SHOWN).map((u) => (
            <TableRow key={u.userId} data-testid="inactive-user">
              <TableCell>
                {u.displayName} <Text className={styles.hint}>{u.userPrincipalName}</Text>{' '}
                {!u.accountEnabled && <Badge appearance="outline">{t('spend.disabled')}</Badge>}{' '}
                {u.userType === 'Guest' && <Badge appearance="outline">{t('spend.guest')}</Badge>}
              </TableCell>
              <TableCell>{u.lastSignInDateTime ? when.format(new Date(u.lastSignInDateTime)) : t('spend.never')}</TableCell>
              <TableCell>
                {u.licenses.map((l) => (l.assignedBy === 'group' ? t('spend.viaGroup', { product: l.skuPartNumber }) : l.skuPartNumber)).join(', ')}
              </TableCell>
              <TableCell>{u.monthlyCost.map((m) => money(m.amount, m.currency)).join(' + ') || '—'}</TableCell>
            </TableRow>
          ))}
        </TableBody>
      </Table>
      {inactive.data && inactive.data.value.length > SHOWN && (
        <Text className={styles.hint}>{t('spend.more', { shown: SHOWN, count: inactive.data.value.length })}</Text>
      )}
    </>
  );
}
