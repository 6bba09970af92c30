import { useEffect, useState } from 'react';
import { ApiError } from './api/client.js';
import { MeContext } from './api/access.js';
import { refreshMe, restoreSession, signOut, type Session } from './api/session.js';
import { Layout } from './components/Layout.js';
import { BaselineDetail, Baselines } from './pages/Baselines.js';
import { ComputerDetail, Computers } from './pages/Computers.js';
import { DeploymentDetail } from './pages/DeploymentDetail.js';
import { Distribution } from './pages/Distribution.js';
import { Deployments } from './pages/Deployments.js';
import { GroupDetail, Groups } from './pages/Groups.js';
import { NewDeployment } from './pages/NewDeployment.js';
import { Notifications } from './pages/Notifications.js';
import { Audit } from './pages/Audit.js';
import { Overview } from './pages/Overview.js';
import { Reports } from './pages/Reports.js';
import { SignIn } from './pages/SignIn.js';
import { UpdateDetail, Updates } from './pages/Updates.js';
import { Webhooks } from './pages/Webhooks.js';
import { match, usePath } from './router.js';

function Page({ path, session }: { path: string; session: Session }) {
  const api = session.api;
  let p: Record<string, string> | null;
  if (path === '/' || path === '') return <Overview api={api} />;
  if (match('/deployments', path)) return <Deployments api={api} />;
  if (match('/deployments/new', path)) return <NewDeployment api={api} />;
  if ((p = match('/deployments/:id', path)))
    return <DeploymentDetail api={api} token={session.token} id={p.id ?? ''} />;
  if (match('/computers', path)) return <Computers api={api} />;
  if ((p = match('/computers/:id', path))) return <ComputerDetail api={api} id={p.id ?? ''} />;
  if (match('/updates', path)) return <Updates api={api} />;
  if ((p = match('/updates/:id', path))) return <UpdateDetail api={api} id={p.id ?? ''} />;
  if (match('/groups', path)) return <Groups api={api} />;
  if ((p = match('/groups/:name', path))) return <GroupDetail api={api} name={p.name ?? ''} />;
  if (match('/reports', path)) return <Reports api={api} />;
  if (match('/baselines', path)) return <Baselines api={api} />;
  if ((p = match('/baselines/:name', path)))
    return <BaselineDetail api={api} name={p.name ?? ''} />;
  if (match('/audit', path)) return <Audit api={api} />;
  if (match('/distribution', path)) return <Distribution api={api} />;
  if (match('/notifications', path)) return <Notifications api={api} />;
  if (match('/webhooks', path)) return <Webhooks api={api} />;
  return (
    <>
      <h1>Page not found</h1>
      <p>There is no page at {path}.</p>
    </>
  );
}

export function App() {
  const [session, setSession] = useState<Session | null>(() => restoreSession());
  const path = usePath();
  // A token the server stops accepting (revoked, expired) sends the viewer back to sign in.
  useEffect(() => {
    const onRejection = (e: PromiseRejectionEvent) => {
      if (e.reason instanceof ApiError && e.reason.status === 401) setSession(null);
    };
    window.addEventListener('unhandledrejection', onRejection);
    return () => window.removeEventListener('unhandledrejection', onRejection);
  }, []);
  // Who the token is now: a role changed since sign-in shows at the next page load.
  const token = session?.token;
  useEffect(() => {
    if (!session) return;
    refreshMe(session).then(setSession, () => undefined);
    // Once per token, not per session object.
  }, [token]);
  useEffect(() => {
    const title = path.split('/')[1] || 'overview';
    document.title = `${title.charAt(0).toUpperCase()}${title.slice(1)} · Ringmaster`;
  }, [path]);
  if (!session) return <SignIn onSignedIn={setSession} />;
  return (
    <MeContext.Provider value={session.me}>
      <Layout
        path={path}
        onSignOut={() => {
          void signOut(session);
          setSession(null);
        }}
      >
        <Page path={path} session={session} />
      </Layout>
    </MeContext.Provider>
  );
}
