/**
 * Licenses > Requests: the users' license requests, filtered by status; pending ones approved or denied
 * one at a time or several at once (up to 20), each with its own outcome by the user's name (a refusal
 * with the service's way out: buy licenses, switch a plan off, set a usage location). Global and User
 * admins may approve through a group that gives the product instead (the user becomes a member: what
 * adding a member needs, so a License admin is not offered it). Global admins switch requests on or off
 * here, with the message and link users see instead.
 */
import {
  Button,
  Checkbox,
  Dropdown,
  Field,
  Input,
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
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useCan } from '../../auth/session';
import { LoadMore } from '../../components/LoadMore';
import { RefusalBar, SuccessBar, useRefusalText } from '../../components/Refusal';
import { useGraph } from '../../graph/client';
import { Refusal, RefusalDetail, refusalOf } from '../../graph/errors';
import { usePagedList } from '../../graph/paging';
import { keys, licensesChanged } from '../../graph/queries';
import { approveRequests, approveRequestViaGroup, denyRequest, licensedGroups, requestsRequest } from '../../graph/requests';
import { MAX_USERS_PER_ASSIGN, type ApproveManyResult, type LicenseRequest, type LicenseRequestStatus } from '../../graph/types';
import { useDateTime } from '../../i18n';
import { RequestPolicy } from './RequestPolicy';

const STATUSES: LicenseRequestStatus[] = ['pending', 'approved', 'denied', 'expired'];
const requestKeys = [...keys.skus, 'licenseRequests'] as const;

const useStyles = makeStyles({
  bar: { display: 'flex', gap: '12px', alignItems: 'end', flexWrap: 'wrap', marginBottom: '12px' },
  hint: { color: tokens.colorNeutralForeground3 },
  outcomes: { display: 'flex', flexDirection: 'column', gap: '8px', margin: '12px 0' },
});

type Outcome = { request: LicenseRequest; ok: true } | ({ request: LicenseRequest; ok: false } & (Refusal | RefusalDetail));

export function RequestsTab() {
  const { t } = useTranslation();
  const refusalText = useRefusalText();
  const styles = useStyles();
  const client = useGraph();
  const queryClient = useQueryClient();
  const mayDecide = useCan('assignLicenses');
  // approving through a group adds the user to it: the service asks for what adding a member needs
  const mayUseGroups = useCan('manageGroupMembers') && mayDecide;
  const [status, setStatus] = useState<LicenseRequestStatus | ''>('pending');
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [reason, setReason] = useState('');
  const [outcomes, setOutcomes] = useState<Outcome[]>([]);
  const list = usePagedList<LicenseRequest>([...requestKeys, status], (c) => requestsRequest(c, status));
  const when = useDateTime({ dateStyle: 'medium' });
  const byId = new Map(list.items.map((r) => [r.id, r]));
  const pending = list.items.filter((r) => r.status === 'pending');
  const picked = [...selected].filter((id) => byId.get(id)?.status === 'pending');
  const groups = useQuery({ queryKey: [...keys.groups, 'licensed'], queryFn: () => licensedGroups(client), enabled: mayUseGroups });
  // the groups that give every picked request's product
  const products = new Set(picked.map((id) => byId.get(id)!.skuId));
  const offered = (groups.data ?? []).filter((g) => [...products].every((s) => g.assignedLicenses.some((l) => l.skuId === s)));
  const [groupChoice, setGroupChoice] = useState('');
  const groupId = offered.some((g) => g.id === groupChoice) ? groupChoice : '';

  const done = async (results: Outcome[]) => {
    setOutcomes(results);
    setSelected(new Set());
    await licensesChanged(queryClient); // the requests are kept under keys.skus (requestKeys): invalidated with them
  };
  const approve = useMutation({
    mutationFn: async (ids: string[]): Promise<Outcome[]> => {
      if (groupId)
        return Promise.all(
          ids.map((id) =>
            approveRequestViaGroup(client, id, groupId).then(
              (request): Outcome => ({ request, ok: true }),
              (e: unknown): Outcome => ({ request: byId.get(id)!, ok: false, ...refusalOf(e) }),
            ),
          ),
        );
      const r: ApproveManyResult = await approveRequests(client, ids);
      return r.value.map((v) => (v.request ? { request: v.request, ok: true as const } : { request: byId.get(v.id)!, ok: false as const, ...v.error! }));
    },
    onSuccess: (r) => done(r),
  });
  const deny = useMutation({
    mutationFn: (ids: string[]) =>
      Promise.all(
        ids.map((id) =>
          denyRequest(client, id, reason).then(
            (request): Outcome => ({ request, ok: true }),
            (e: unknown): Outcome => ({ request: byId.get(id)!, ok: false, ...refusalOf(e) }),
          ),
        ),
      ),
    onSuccess: (r) => {
      setReason('');
      return done(r);
    },
  });
  const busy = approve.isPending || deny.isPending;
  const toggle = (id: string, on: boolean) =>
    setSelected((s) => {
      const next = new Set(s);
      if (on) next.add(id);
      else next.delete(id);
      return next;
    });

  return (
    <>
      <RequestPolicy />
      <Subtitle2 as="h2">{t('requests.title')}</Subtitle2>
      <div className={styles.bar}>
        <Field label={t('requests.status')}>
          <Dropdown
            value={status ? t(`requests.statuses.${status}`) : t('requests.all')}
            selectedOptions={[status]}
            onOptionSelect={(_, d) => {
              setStatus((d.optionValue ?? '') as LicenseRequestStatus | '');
              setSelected(new Set());
            }}
          >
            <Option value="">{t('requests.all')}</Option>
            {STATUSES.map((s) => (
              <Option key={s} value={s}>
                {t(`requests.statuses.${s}`)}
              </Option>
            ))}
          </Dropdown>
        </Field>
        {mayUseGroups && (
          <Field label={t('requests.approveBy')}>
            <Dropdown
              value={groupId ? t('requests.viaGroup', { name: offered.find((g) => g.id === groupId)!.displayName }) : t('requests.directly')}
              selectedOptions={[groupId]}
              onOptionSelect={(_, d) => setGroupChoice(d.optionValue ?? '')}
            >
              <Option value="">{t('requests.directly')}</Option>
              {offered.map((g) => (
                <Option key={g.id} value={g.id} text={t('requests.viaGroup', { name: g.displayName })}>
                  {t('requests.viaGroup', { name: g.displayName })}
                </Option>
              ))}
            </Dropdown>
          </Field>
        )}
        {mayDecide && (
          <>
            <Button appearance="primary" disabled={!picked.length || picked.length > MAX_USERS_PER_ASSIGN || busy} onClick={() => approve.mutate(picked)}>
              {t('requests.approve', { count: picked.length })}
            </Button>
            <Field label={t('requests.reason')}>
              <Input value={reason} onChange={(_, d) => setReason(d.value)} />
            </Field>
            <Button disabled={!picked.length || busy} onClick={() => deny.mutate(picked)}>
              {t('requests.deny', { count: picked.length })}
            </Button>
          </>
        )}
      </div>
      {picked.length > MAX_USERS_PER_ASSIGN && <Text className={styles.hint}>{t('requests.tooMany', { max: MAX_USERS_PER_ASSIGN })}</Text>}
      {(approve.isError || deny.isError) && <RefusalBar refusal={refusalOf(approve.error ?? deny.error)} />}
      {outcomes.length > 0 && (
        <div className={styles.outcomes} aria-live="polite" data-testid="request-outcomes">
          {outcomes.map((o) =>
            o.ok ? (
              <SuccessBar
                key={o.request.id}
                title={t(`requests.done.${o.request.status}`, { name: o.request.requestedBy.displayName, product: o.request.productName })}
              />
            ) : (
              <RefusalBar
                key={o.request.id}
                title={t('requests.refused', { name: o.request.requestedBy.displayName, product: o.request.productName })}
                refusal={o}
              />
            ),
          )}
        </div>
      )}
      {list.isError && <RefusalBar refusal={refusalOf(list.error)} />}
      <Table size="small" aria-label={t('requests.title')}>
        <TableHeader>
          <TableRow>
            {mayDecide && (
              <TableHeaderCell style={{ width: 44 }}>
                <Checkbox
                  aria-label={t('common.selectAll')}
                  checked={pending.length > 0 && pending.every((r) => selected.has(r.id)) ? true : picked.length ? 'mixed' : false}
                  disabled={!pending.length}
                  onChange={(_, d) => setSelected(new Set(d.checked === true ? pending.map((r) => r.id) : []))}
                />
              </TableHeaderCell>
            )}
            <TableHeaderCell>{t('users.name')}</TableHeaderCell>
            <TableHeaderCell>{t('licenses.product')}</TableHeaderCell>
            <TableHeaderCell>{t('requests.justification')}</TableHeaderCell>
            <TableHeaderCell>{t('requests.requested')}</TableHeaderCell>
            <TableHeaderCell>{t('requests.status')}</TableHeaderCell>
          </TableRow>
        </TableHeader>
        <TableBody>
          {list.items.map((r) => (
            <TableRow key={r.id} data-testid={`request-${r.requestedBy.userPrincipalName}`}>
              {mayDecide && (
                <TableCell>
                  {r.status === 'pending' && (
                    <Checkbox
                      aria-label={t('requests.select', { name: r.requestedBy.displayName, product: r.productName })}
                      checked={selected.has(r.id)}
                      onChange={(_, d) => toggle(r.id, d.checked === true)}
                    />
                  )}
                </TableCell>
              )}
              <TableCell>
                {r.requestedBy.displayName}
                <Text size={200} block>
                  {r.requestedBy.userPrincipalName}
                </Text>
              </TableCell>
              <TableCell>{r.productName}</TableCell>
              <TableCell>{r.justification || '—'}</TableCell>
              <TableCell>{when.format(new Date(r.createdDateTime))}</TableCell>
              <TableCell>
                {t(`requests.statuses.${r.status}`)}
                {r.decidedBy && (
                  <Text size={200} block className={styles.hint}>
                    {t('requests.decidedBy', { name: r.decidedBy.displayName, date: when.format(new Date(r.decidedDateTime!)) })}
                    {r.decisionReason ? ` — ${r.decisionReason}` : ''}
                  </Text>
                )}
                {r.status === 'pending' && r.lastApprovalError && (
                  <Text size={200} block className={styles.hint}>
                    {t('requests.lastRefusal', { message: refusalText(r.lastApprovalError) })}
                  </Text>
                )}
              </TableCell>
            </TableRow>
          ))}
        </TableBody>
      </Table>
      {!list.isPending && !list.items.length && <Text>{t('requests.none')}</Text>}
      <LoadMore list={list} />
    </>
  );
}
