/**
 * Settings > Provisioning: what an identity admin needs to connect Entra ID's or Okta's provisioning to
 * this organization: the SCIM base URL (the Tenant URL), SCIM credentials (the Secret Token: created by a
 * Global Administrator and shown once, listed by their last four characters with the last request each
 * made, revoked), and the domain a userName without one gets.
 */
import {
  Button,
  Dialog,
  DialogActions,
  DialogBody,
  DialogContent,
  DialogSurface,
  DialogTitle,
  Field,
  Input,
  makeStyles,
  MessageBar,
  MessageBarBody,
  MessageBarTitle,
  Select,
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
import { CopyRegular } from '@fluentui/react-icons';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useCan } from '../../auth/session';
import { PageHeader } from '../../components/PageHeader';
import { RefusalBar, SuccessBar } from '../../components/Refusal';
import { useGraph } from '../../graph/client';
import { refusalOf } from '../../graph/errors';
import { createScimCredential, getProvisioningSettings, listScimCredentials, revokeScimCredential, updateProvisioningSettings } from '../../graph/provisioning';
import type { ScimCredential, ScimCredentialCreated } from '../../graph/types';
import { useDateTime } from '../../i18n';

const useStyles = makeStyles({
  section: { display: 'flex', flexDirection: 'column', gap: '12px', maxWidth: '900px', marginBottom: '28px' },
  form: { display: 'flex', gap: '12px', alignItems: 'flex-end', flexWrap: 'wrap' },
  url: { display: 'flex', gap: '8px', alignItems: 'center' },
  code: { fontFamily: tokens.fontFamilyMonospace, wordBreak: 'break-all' },
  hint: { color: tokens.colorNeutralForeground3 },
});

const KEY = ['provisioning'] as const;
/** How long a new credential lives (months); two years is the longest, and the default. */
const LIFETIMES = [3, 6, 12, 24] as const;

/** A value to copy, with a button that puts it on the clipboard (and says so). */
function Copyable({ value, label }: { value: string; label: string }) {
  const { t } = useTranslation();
  const styles = useStyles();
  const [copied, setCopied] = useState(false);
  return (
    <span className={styles.url}>
      <code className={styles.code} data-testid={label}>
        {value}
      </code>
      <Button
        size="small"
        icon={<CopyRegular />}
        aria-label={t('provisioning.copyOf', { what: label })}
        onClick={() =>
          void navigator.clipboard?.writeText(value).then(
            () => setCopied(true),
            () => setCopied(false),
          )
        }
      >
        {copied ? t('provisioning.copied') : t('provisioning.copy')}
      </Button>
    </span>
  );
}

export default function ProvisioningPage() {
  const { t } = useTranslation();
  const styles = useStyles();
  const client = useGraph();
  const queryClient = useQueryClient();
  const mayManage = useCan('manageProvisioning');
  const when = useDateTime({ dateStyle: 'medium', timeStyle: 'short' });
  const settings = useQuery({ queryKey: [...KEY, 'settings'], queryFn: () => getProvisioningSettings(client) });
  const credentials = useQuery({ queryKey: [...KEY, 'credentials'], queryFn: () => listScimCredentials(client) });
  const [name, setName] = useState('');
  const [months, setMonths] = useState<number>(24);
  const [domain, setDomain] = useState<string>();
  const [revoking, setRevoking] = useState<ScimCredential>();
  const [created, setCreated] = useState<ScimCredentialCreated>();
  const refresh = () => queryClient.invalidateQueries({ queryKey: KEY });

  const create = useMutation({
    mutationFn: () => {
      const end = new Date();
      end.setMonth(end.getMonth() + months);
      // two years exactly is the default: leave the date to the service
      return createScimCredential(client, { displayName: name.trim(), ...(months < 24 ? { endDateTime: end.toISOString() } : {}) });
    },
    onSuccess: (c) => {
      setCreated(c);
      setName('');
      void refresh();
    },
  });
  const revoke = useMutation({
    mutationFn: (id: string) => revokeScimCredential(client, id),
    onSuccess: () => {
      setRevoking(undefined);
      void refresh();
    },
  });
  const saveDomain = useMutation({
    mutationFn: () => updateProvisioningSettings(client, domain?.trim() ? domain.trim() : null),
    onSuccess: () => {
      setDomain(undefined);
      void refresh();
    },
  });
  const lastRequest = (c: ScimCredential) =>
    c.lastRequest
      ? t('provisioning.lastRequestOf', {
          when: when.format(new Date(c.lastRequest.dateTime)),
          method: c.lastRequest.method,
          path: c.lastRequest.path,
          status: c.lastRequest.status,
        })
      : t('provisioning.neverUsed');

  return (
    <>
      <PageHeader title={t('provisioning.title')} description={t('provisioning.description')} />
      {settings.isError && <RefusalBar refusal={refusalOf(settings.error)} />}

      <section className={styles.section} aria-labelledby="scim-url">
        <Subtitle2 as="h2" id="scim-url">
          {t('provisioning.connect')}
        </Subtitle2>
        <Text>{t('provisioning.connectExplain')}</Text>
        {settings.data && (
          <Field label={t('provisioning.tenantUrl')} hint={t('provisioning.tenantUrlHint')}>
            <Copyable value={settings.data.scimBaseUrl} label={t('provisioning.tenantUrl')} />
          </Field>
        )}
      </section>

      <section className={styles.section} aria-labelledby="scim-credentials">
        <Subtitle2 as="h2" id="scim-credentials">
          {t('provisioning.credentials')}
        </Subtitle2>
        {credentials.isError && <RefusalBar refusal={refusalOf(credentials.error)} />}
        <Table size="small" aria-label={t('provisioning.credentials')}>
          <TableHeader>
            <TableRow>
              <TableHeaderCell>{t('provisioning.name')}</TableHeaderCell>
              <TableHeaderCell>{t('provisioning.hint')}</TableHeaderCell>
              <TableHeaderCell>{t('provisioning.expires')}</TableHeaderCell>
              <TableHeaderCell>{t('provisioning.lastRequest')}</TableHeaderCell>
              {mayManage && <TableHeaderCell style={{ width: 120 }}>{t('common.actions')}</TableHeaderCell>}
            </TableRow>
          </TableHeader>
          <TableBody>
            {(credentials.data?.value ?? []).map((c) => (
              <TableRow key={c.id}>
                <TableCell>{c.displayName}</TableCell>
                <TableCell>
                  <code className={styles.code}>…{c.hint}</code>
                </TableCell>
                <TableCell>{when.format(new Date(c.endDateTime))}</TableCell>
                <TableCell>{lastRequest(c)}</TableCell>
                {mayManage && (
                  <TableCell>
                    <Button size="small" onClick={() => setRevoking(c)} aria-label={t('provisioning.revokeOf', { name: c.displayName })}>
                      {t('provisioning.revoke')}
                    </Button>
                  </TableCell>
                )}
              </TableRow>
            ))}
          </TableBody>
        </Table>
        {credentials.data && !credentials.data.value.length && <Text className={styles.hint}>{t('provisioning.noCredentials')}</Text>}
        {revoke.isError && <RefusalBar refusal={refusalOf(revoke.error)} />}

        {created && (
          <MessageBar intent="warning" layout="multiline" data-testid="new-secret">
            <MessageBarBody>
              <MessageBarTitle>{t('provisioning.createdTitle', { name: created.displayName })}</MessageBarTitle>
              <div>{t('provisioning.showOnce')}</div>
              <Copyable value={created.secretText} label={t('provisioning.secretToken')} />
            </MessageBarBody>
          </MessageBar>
        )}
        {mayManage ? (
          <form
            className={styles.form}
            onSubmit={(e) => {
              e.preventDefault();
              setCreated(undefined);
              create.mutate();
            }}
          >
            <Field label={t('provisioning.newName')} hint={t('provisioning.newNameHint')} required>
              <Input value={name} maxLength={128} onChange={(_, d) => setName(d.value)} />
            </Field>
            <Field label={t('provisioning.lifetime')}>
              <Select value={String(months)} onChange={(_, d) => setMonths(Number(d.value))}>
                {LIFETIMES.map((m) => (
                  <option key={m} value={m}>
                    {t('provisioning.months', { count: m })}
                  </option>
                ))}
              </Select>
            </Field>
            <Button appearance="primary" type="submit" disabled={!name.trim() || create.isPending}>
              {t('provisioning.create')}
            </Button>
          </form>
        ) : (
          <Text className={styles.hint}>{t('provisioning.globalOnly')}</Text>
        )}
        {create.isError && <RefusalBar refusal={refusalOf(create.error)} />}
      </section>

      <section className={styles.section} aria-labelledby="scim-domain">
        <Subtitle2 as="h2" id="scim-domain">
          {t('provisioning.domain')}
        </Subtitle2>
        <Text>{t('provisioning.domainExplain')}</Text>
        {settings.data && (
          <Text data-testid="effective-domain">
            {settings.data.effectiveUserPrincipalNameDomain
              ? t('provisioning.domainNow', { domain: settings.data.effectiveUserPrincipalNameDomain })
              : t('provisioning.domainNone')}
          </Text>
        )}
        {mayManage && settings.data && (
          <form
            className={styles.form}
            onSubmit={(e) => {
              e.preventDefault();
              saveDomain.mutate();
            }}
          >
            <Field label={t('provisioning.domainField')} hint={t('provisioning.domainHint')}>
              <Input value={domain ?? settings.data.userPrincipalNameDomain ?? ''} placeholder="contoso.com" onChange={(_, d) => setDomain(d.value)} />
            </Field>
            <Button type="submit" disabled={domain === undefined || saveDomain.isPending}>
              {t('common.save')}
            </Button>
          </form>
        )}
        {saveDomain.isError && <RefusalBar refusal={refusalOf(saveDomain.error)} />}
        {saveDomain.isSuccess && <SuccessBar title={t('provisioning.domainSaved')} />}
      </section>

      <Dialog open={!!revoking} onOpenChange={(_, d) => !d.open && setRevoking(undefined)}>
        <DialogSurface>
          <DialogBody>
            <DialogTitle>{t('provisioning.revokeTitle', { name: revoking?.displayName ?? '' })}</DialogTitle>
            <DialogContent>{t('provisioning.revokeExplain')}</DialogContent>
            <DialogActions>
              <Button appearance="secondary" onClick={() => setRevoking(undefined)}>
                {t('common.cancel')}
              </Button>
              <Button appearance="primary" disabled={revoke.isPending} onClick={() => revoking && revoke.mutate(revoking.id)}>
                {t('provisioning.revoke')}
              </Button>
            </DialogActions>
          </DialogBody>
        </DialogSurface>
      </Dialog>
    </>
  );
}
