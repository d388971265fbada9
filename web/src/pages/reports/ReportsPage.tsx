/** Reports > Licensing: one tab per report, its name in the address (#/reports/audit) so it can be shared. */
import { Tab, TabList } from '@fluentui/react-components';
import { useTranslation } from 'react-i18next';
import { useLocation } from 'wouter';
import { PageHeader } from '../../components/PageHeader';
import { AlertsTab } from './AlertsTab';
import { AuditTab } from './AuditTab';
import { PlannerTab } from './PlannerTab';
import { ReconciliationTab } from './ReconciliationTab';
import { SpendTab } from './SpendTab';
import { WaitingListTab } from './WaitingListTab';

const TABS = ['reconciliation', 'audit', 'planner', 'waiting', 'alerts', 'spend'] as const;
type ReportTab = (typeof TABS)[number];

export default function ReportsPage({ tab }: { tab?: string }) {
  const { t } = useTranslation();
  const [, navigate] = useLocation();
  const current: ReportTab = TABS.includes(tab as ReportTab) ? (tab as ReportTab) : 'reconciliation';
  return (
    <>
      <PageHeader title={t('reports.title')} description={t('reports.description')} />
      <TabList
        selectedValue={current}
        onTabSelect={(_, d) => navigate(`/reports/${String(d.value)}`)}
        aria-label={t('reports.title')}
        style={{ marginBottom: 16 }}
      >
        {TABS.map((k) => (
          <Tab key={k} value={k}>
            {t(`reports.tabs.${k}`)}
          </Tab>
        ))}
      </TabList>
      <div role="tabpanel" aria-label={t(`reports.tabs.${current}`)}>
        {current === 'reconciliation' && <ReconciliationTab />}
        {current === 'audit' && <AuditTab />}
        {current === 'planner' && <PlannerTab />}
        {current === 'waiting' && <WaitingListTab />}
        {current === 'alerts' && <AlertsTab />}
        {current === 'spend' && <SpendTab />}
      </div>
    </>
  );
}
