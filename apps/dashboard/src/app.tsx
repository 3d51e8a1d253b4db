import { useEffect, useMemo, useRef, useState } from 'react';
import { ApiClient } from './api/client';
import { ApprovalsPage } from './approvals/approvals-page';
import { forgetApiKey, storeApiKey, storedApiKey } from './auth/key-storage';
import { SessionContext } from './auth/session';
import { SignInPage } from './auth/sign-in-page';
import { DataPage } from './data/data-page';
import { EvaluationPage } from './evaluation/evaluation-page';
import { JobDetailPage } from './jobs/job-detail-page';
import { JobsPage } from './jobs/jobs-page';
import { ModelsPage } from './models/models-page';
import { PlaygroundPage } from './playground/playground-page';
import { Link, Router, useLocation } from './routing/router';
import { matchRoute, paths, type Route } from './routing/routes';

const NAVIGATION = [
  { to: paths.jobs, label: 'Jobs' },
  { to: paths.approvals, label: 'Approvals' },
  { to: paths.evaluation(), label: 'Evaluation' },
  { to: paths.data(), label: 'Data' },
  { to: paths.models, label: 'Models' },
  { to: paths.playground, label: 'Playground' },
];

const TITLES: Record<Route['page'], string> = {
  jobs: 'Jobs',
  job: 'Job',
  approvals: 'Approvals',
  evaluation: 'Evaluation',
  data: 'Data quality',
  models: 'Models',
  playground: 'Playground',
  'not-found': 'Not found',
};

function Page({ route }: { route: Route }) {
  switch (route.page) {
    case 'jobs':
      return <JobsPage />;
    case 'job':
      return <JobDetailPage key={route.jobId} jobId={route.jobId} />;
    case 'approvals':
      return <ApprovalsPage />;
    case 'evaluation':
      return <EvaluationPage jobId={route.jobId} />;
    case 'data':
      return <DataPage jobId={route.jobId} />;
    case 'models':
      return <ModelsPage />;
    case 'playground':
      return <PlaygroundPage />;
    default:
      return (
        <>
          <h1>Not found</h1>
          <p>
            No page here. <Link to={paths.jobs}>Go to the jobs</Link>.
          </p>
        </>
      );
  }
}

/** The signed-in layout: a skip link, the navigation, and the page, which takes the focus when the route changes. */
function Shell({ onSignOut }: { onSignOut(): void }) {
  const { path } = useLocation();
  const route = matchRoute(path);
  const main = useRef<HTMLElement>(null);
  const first = useRef(true);
  useEffect(() => {
    document.title = `${TITLES[route.page]} · Tuneforge`;
    // A screen reader hears the new page, and Tab starts from it, as after a full page load.
    if (!first.current) main.current?.focus();
    first.current = false;
  }, [path, route.page]);
  return (
    <>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="top">
        <span className="brand">Tuneforge</span>
        <nav aria-label="Main">
          <ul>
            {NAVIGATION.map((item) => (
              <li key={item.to}>
                <Link to={item.to}>{item.label}</Link>
              </li>
            ))}
          </ul>
        </nav>
        <button type="button" className="link" onClick={onSignOut}>
          Sign out
        </button>
      </header>
      <main id="main" ref={main} tabIndex={-1}>
        <Page route={route} />
      </main>
    </>
  );
}

export function App() {
  const [apiKey, setApiKey] = useState<string | null>(() => storedApiKey());
  const session = useMemo(() => {
    if (!apiKey) return null;
    const signOut = () => {
      forgetApiKey();
      setApiKey(null);
    };
    return { client: new ApiClient(apiKey, signOut), signOut };
  }, [apiKey]);
  if (!session) {
    return (
      <SignInPage
        onSignedIn={(key, remember) => {
          storeApiKey(key, remember);
          setApiKey(key);
        }}
      />
    );
  }
  return (
    <SessionContext.Provider value={session}>
      <Router>
        <Shell onSignOut={session.signOut} />
      </Router>
    </SessionContext.Provider>
  );
}
