/**
 * The admin center frame: top bar (organization, language, who is signed in), the left navigation with
 * the admin center's sections, and the page. Landmarks (banner, navigation, main) and a skip link make
 * the frame quick to cross with a keyboard or a screen reader.
 */
import { Button, makeStyles, Text, tokens } from '@fluentui/react-components';
import { NavDrawer, NavDrawerBody, NavItem, NavSectionHeader } from '@fluentui/react-components';
import {
  DataUsageRegular,
  DocumentQueueRegular,
  GridDotsRegular,
  KeyMultipleRegular,
  PeopleRegular,
  PeopleTeamRegular,
  SettingsRegular,
  PlugConnectedRegular,
  SignOutRegular,
} from '@fluentui/react-icons';
import { useQuery } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { useLocation } from 'wouter';
import { roleNames, useCan, useSession } from '../auth/session';
import { useGraph } from '../graph/client';
import { getOrganization } from '../graph/directory';
import { LanguagePicker } from './LanguagePicker';

const useStyles = makeStyles({
  frame: { display: 'grid', gridTemplateRows: '48px 1fr', gridTemplateColumns: '240px 1fr', minHeight: '100vh' },
  bar: {
    gridColumn: '1 / 3',
    display: 'flex',
    alignItems: 'center',
    gap: '12px',
    padding: '0 12px',
    backgroundColor: tokens.colorBrandBackground,
    color: tokens.colorNeutralForegroundOnBrand,
  },
  title: { fontWeight: tokens.fontWeightSemibold, fontSize: tokens.fontSizeBase400, color: tokens.colorNeutralForegroundOnBrand },
  org: { color: tokens.colorNeutralForegroundOnBrand, opacity: 0.9 },
  spacer: { flexGrow: 1 },
  onBrand: {
    color: tokens.colorNeutralForegroundOnBrand,
    ':hover': { color: tokens.colorNeutralForegroundOnBrand },
    ':hover:active': { color: tokens.colorNeutralForegroundOnBrand },
  },
  nav: { height: '100%', borderRight: `1px solid ${tokens.colorNeutralStroke2}` },
  main: { padding: '24px 32px', minWidth: 0, backgroundColor: tokens.colorNeutralBackground1 },
  skip: {
    position: 'absolute',
    left: '-9999px',
    ':focus': { left: '12px', top: '56px', zIndex: 10, padding: '8px', backgroundColor: tokens.colorNeutralBackground1, color: tokens.colorBrandForeground1 },
  },
});

export function Shell({ children }: { children: React.ReactNode }) {
  const { t } = useTranslation();
  const styles = useStyles();
  const session = useSession();
  const client = useGraph();
  const [location, navigate] = useLocation();
  const org = useQuery({ queryKey: ['organization'], queryFn: () => getOrganization(client), staleTime: Infinity });
  const mayProvision = useCan('readProvisioning');
  // a page's nav item: its first segment, or the first two for settings pages (#/settings/provisioning)
  const section = location.startsWith('/settings/') ? location.split('/').slice(1, 3).join('/') : location.split('/')[1] || 'licenses';
  const item = (value: string, label: string, icon: React.ReactElement) => (
    <NavItem
      value={value}
      icon={icon}
      href={`#/${value}`}
      onClick={(e) => {
        e.preventDefault();
        navigate(`/${value}`);
      }}
    >
      {label}
    </NavItem>
  );

  return (
    <div className={styles.frame}>
      <a className={styles.skip} href="#main" onClick={(e) => (e.preventDefault(), document.getElementById('main')?.focus())}>
        {t('shell.skip')}
      </a>
      <header className={styles.bar}>
        <GridDotsRegular fontSize={20} aria-hidden />
        <Text className={styles.title}>{t('shell.title')}</Text>
        {org.data && <Text className={styles.org}>· {org.data.displayName}</Text>}
        <span className={styles.spacer} />
        <LanguagePicker appearance="transparent" className={styles.onBrand} />
        <Text className={styles.onBrand} data-testid="signed-in-as">
          {session.displayName} ({roleNames(session.roles).join(', ') || t('roles.none')})
        </Text>
        <Button appearance="transparent" className={styles.onBrand} icon={<SignOutRegular />} onClick={() => session.signOut()}>
          {t('shell.signOut')}
        </Button>
      </header>
      <NavDrawer open type="inline" tabbable selectedValue={section} className={styles.nav} aria-label={t('shell.navigation')}>
        <NavDrawerBody>
          <NavSectionHeader>{t('nav.users')}</NavSectionHeader>
          {item('users', t('nav.activeUsers'), <PeopleRegular />)}
          {item('jobs', t('nav.jobs'), <DocumentQueueRegular />)}
          <NavSectionHeader>{t('nav.teamsAndGroups')}</NavSectionHeader>
          {item('groups', t('nav.groups'), <PeopleTeamRegular />)}
          <NavSectionHeader>{t('nav.billing')}</NavSectionHeader>
          {item('licenses', t('nav.licenses'), <KeyMultipleRegular />)}
          <NavSectionHeader>{t('nav.reports')}</NavSectionHeader>
          {item('reports', t('nav.licensingReports'), <DataUsageRegular />)}
          <NavSectionHeader>{t('nav.settings')}</NavSectionHeader>
          {item('settings', t('nav.orgSettings'), <SettingsRegular />)}
          {mayProvision && item('settings/provisioning', t('nav.provisioning'), <PlugConnectedRegular />)}
        </NavDrawerBody>
      </NavDrawer>
      <main id="main" tabIndex={-1} className={styles.main}>
        {children}
      </main>
    </div>
  );
}
