import type { ReactNode } from 'react';
import { useMay, useMe, type RouteName } from '../api/access.js';
import { Link } from '../router.js';
import { useTheme } from '../theme.js';

/** Each page, shown only to a role that may call the route it is about. */
const NAV: { to: string; label: string; route: RouteName }[] = [
  { to: '/', label: 'Overview', route: 'listDeployments' },
  { to: '/deployments', label: 'Deployments', route: 'listDeployments' },
  { to: '/deployments/new', label: 'New deployment', route: 'createDeployment' },
  { to: '/computers', label: 'Computers', route: 'listComputers' },
  { to: '/updates', label: 'Updates', route: 'listUpdates' },
  { to: '/groups', label: 'Groups', route: 'listGroups' },
  { to: '/audit', label: 'Audit', route: 'listAudit' },
  { to: '/reports', label: 'Reports', route: 'complianceReport' },
  { to: '/baselines', label: 'Baselines', route: 'listBaselines' },
  { to: '/distribution', label: 'Distribution', route: 'listPoints' },
  { to: '/notifications', label: 'E-mail', route: 'listNotifications' },
  { to: '/webhooks', label: 'Webhooks', route: 'listWebhooks' },
];

function current(path: string, to: string): boolean {
  if (to === '/') return path === '/';
  if (to === '/deployments') return path.startsWith('/deployments') && path !== '/deployments/new';
  return path.startsWith(to);
}

export function Layout(props: { path: string; onSignOut: () => void; children: ReactNode }) {
  const [theme, toggle] = useTheme();
  const may = useMay();
  const me = useMe();
  return (
    <>
      <a className="skip" href="#main">
        Skip to content
      </a>
      <header className="top">
        <span className="brand">Ringmaster</span>
        <nav aria-label="Main">
          <ul>
            {NAV.filter((n) => may(n.route)).map((n) => (
              <li key={n.to}>
                <Link to={n.to} aria-current={current(props.path, n.to) ? 'page' : undefined}>
                  {n.label}
                </Link>
              </li>
            ))}
          </ul>
        </nav>
        <div className="row">
          {me && (
            <span className="muted" data-testid="signed-in-as">
              {me.displayName || me.name} · {me.role}
            </span>
          )}
          <button
            type="button"
            onClick={toggle}
            aria-label={`Switch to ${theme === 'dark' ? 'light' : 'dark'} theme`}
          >
            {theme === 'dark' ? 'Light' : 'Dark'} theme
          </button>
          <button type="button" onClick={props.onSignOut}>
            Sign out
          </button>
        </div>
      </header>
      <main id="main" tabIndex={-1}>
        {props.children}
      </main>
    </>
  );
}
