/**
 * The signed-in console: session (dev sign-in locally, Entra ID in Azure), the Graph client, server
 * state (TanStack Query) and the pages behind hash routes (#/licenses, #/users, ...), each loaded when
 * first visited so the first page needs little JavaScript.
 */
import { Spinner } from '@fluentui/react-components';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { lazy, Suspense, useEffect, useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Redirect, Route, Router, Switch } from 'wouter';
import { useHashLocation } from 'wouter/use-hash-location';
import { devSession } from './auth/devSignIn';
import { Session, SessionContext } from './auth/session';
import { SignInPage } from './auth/SignInPage';
import { Shell } from './components/Shell';
import { StartFailure } from './components/StartFailure';
import { apiBaseUrl, ConsoleConfig } from './config';
import { createGraphClient, GraphContext } from './graph/client';
import { refusalOf } from './graph/errors';

const LicensesPage = lazy(() => import('./pages/licenses/LicensesPage'));
const ProductPage = lazy(() => import('./pages/licenses/ProductPage'));
const ActiveUsersPage = lazy(() => import('./pages/users/ActiveUsersPage'));
const GroupsPage = lazy(() => import('./pages/groups/GroupsPage'));
const GroupPage = lazy(() => import('./pages/groups/GroupPage'));
const JobsPage = lazy(() => import('./pages/jobs/JobsPage'));
const JobPage = lazy(() => import('./pages/jobs/JobPage'));
const ReportsPage = lazy(() => import('./pages/reports/ReportsPage'));
const SettingsPage = lazy(() => import('./pages/settings/SettingsPage'));
const ProvisioningPage = lazy(() => import('./pages/settings/ProvisioningPage'));

function newQueryClient() {
  return new QueryClient({
    defaultOptions: {
      queries: {
        staleTime: 5_000,
        refetchOnWindowFocus: false,
        // the Graph client already retries 429 and 503 (Retry-After); other refusals are answers, not accidents
        retry: (failures, e) => failures < 1 && refusalOf(e).status === 0,
      },
    },
  });
}

export function App({ config }: { config: ConsoleConfig }) {
  const { t } = useTranslation();
  const [session, setSession] = useState<Session | null | 'starting'>('starting');
  const [failure, setFailure] = useState<string>();
  const signedOut = () => setSession(null);

  useEffect(() => {
    if (config.signIn === 'dev') setSession(devSession(signedOut));
    else
      import('./auth/msal').then((m) => m.msalSession(config.msal!)).then(setSession, (e: unknown) => setFailure(e instanceof Error ? e.message : String(e)));
  }, [config]);

  if (failure) return <StartFailure message={failure} />;
  if (session === 'starting') return <Spinner label={t('start.signingIn')} style={{ marginTop: 96 }} />;
  if (!session) return <SignInPage onSignedIn={() => setSession(devSession(signedOut))} />;
  return <SignedIn config={config} session={session} />;
}

function SignedIn({ config, session }: { config: ConsoleConfig; session: Session }) {
  const client = useMemo(() => createGraphClient(apiBaseUrl(config), () => session.getToken()), [config, session]);
  const queryClient = useMemo(newQueryClient, [session]);
  return (
    <SessionContext.Provider value={session}>
      <GraphContext.Provider value={client}>
        <QueryClientProvider client={queryClient}>
          <Router hook={useHashLocation}>
            <Shell>
              <Suspense fallback={<Spinner style={{ marginTop: 64 }} />}>
                <Switch>
                  <Route path="/licenses">{() => <LicensesPage />}</Route>
                  <Route path="/licenses/requests">{() => <LicensesPage tab="requests" />}</Route>
                  <Route path="/licenses/autoclaim">{() => <LicensesPage tab="autoclaim" />}</Route>
                  <Route path="/licenses/:skuId">{(p) => <ProductPage skuId={p.skuId} />}</Route>
                  <Route path="/users" component={ActiveUsersPage} />
                  <Route path="/groups" component={GroupsPage} />
                  <Route path="/groups/:id">{(p) => <GroupPage groupId={p.id} />}</Route>
                  <Route path="/jobs" component={JobsPage} />
                  <Route path="/jobs/:id">{(p) => <JobPage jobId={p.id} />}</Route>
                  <Route path="/reports/:tab?">{(p) => <ReportsPage tab={p.tab} />}</Route>
                  <Route path="/settings/provisioning" component={ProvisioningPage} />
                  <Route path="/settings" component={SettingsPage} />
                  <Route>
                    <Redirect to="/licenses" replace />
                  </Route>
                </Switch>
              </Suspense>
            </Shell>
          </Router>
        </QueryClientProvider>
      </GraphContext.Provider>
    </SessionContext.Provider>
  );
}
