/**
 * Local sign-in: pick the admin role to act as in the demo organization. The local host answers with a
 * dev token (in Azure, Entra ID signs the admin in instead and this page is never shown).
 */
import { Button, Card, makeStyles, MessageBar, MessageBarBody, Radio, RadioGroup, Text, Title1, tokens } from '@fluentui/react-components';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { DirectoryRoleName } from '../../../shared/domain/roles';
import { LanguagePicker } from '../components/LanguagePicker';
import { devSignIn } from './devSignIn';

const ROLES: DirectoryRoleName[] = ['GlobalAdministrator', 'LicenseAdministrator', 'UserAdministrator', 'BillingAdministrator', 'GlobalReader'];

const useStyles = makeStyles({
  page: {
    display: 'flex',
    justifyContent: 'center',
    padding: '64px 16px',
    backgroundColor: tokens.colorNeutralBackground2,
    minHeight: '100vh',
    boxSizing: 'border-box',
  },
  card: { width: '560px', maxWidth: '100%', padding: '32px', display: 'flex', flexDirection: 'column', gap: '16px' },
  head: { display: 'flex', justifyContent: 'space-between', alignItems: 'flex-start', gap: '16px' },
  hint: { color: tokens.colorNeutralForeground3 },
});

export function SignInPage({ onSignedIn }: { onSignedIn: () => void }) {
  const { t } = useTranslation();
  const styles = useStyles();
  const [role, setRole] = useState<DirectoryRoleName>('GlobalAdministrator');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();

  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      await devSignIn(role);
      onSignedIn();
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
      setBusy(false);
    }
  };

  return (
    <main className={styles.page}>
      <Card className={styles.card}>
        <form onSubmit={submit} style={{ display: 'contents' }}>
          <div className={styles.head}>
            <Title1 as="h1">{t('signIn.title')}</Title1>
            <LanguagePicker />
          </div>
          <Text className={styles.hint}>{t('signIn.explain')}</Text>
          <RadioGroup aria-label={t('signIn.role')} value={role} onChange={(_, d) => setRole(d.value as DirectoryRoleName)}>
            {ROLES.map((r) => (
              <Radio
                key={r}
                value={r}
                label={{
                  children: (
                    <>
                      <strong>{t(`roles.${r}`)}</strong>
                      <br />
                      <span className={styles.hint}>{t(`signIn.can.${r}`)}</span>
                    </>
                  ),
                }}
              />
            ))}
          </RadioGroup>
          {error && (
            <MessageBar intent="error">
              <MessageBarBody>{error}</MessageBarBody>
            </MessageBar>
          )}
          <Button appearance="primary" type="submit" disabled={busy}>
            {t('signIn.submit')}
          </Button>
          <Text size={200} className={styles.hint}>
            {t('signIn.azure')}
          </Text>
        </form>
      </Card>
    </main>
  );
}
