import type { ReactNode } from 'react';
import { Link } from '../router.js';
import { useTheme } from '../theme.js';

const NAV = [
  { to: '/', label: 'Overview' },
  { to: '/deployments', label: 'Deployments' },
  { to: '/deployments/new', label: 'New deployment' },
  { to: '/computers', label: 'Computers' },
  { to: '/updates', label: 'Updates' },
  { to: '/groups', label: 'Groups' },
  { to: '/reports', label: 'Reports' },
  { to: '/baselines', label: 'Baselines' },
];

function current(path: string, to: string): boolean {
  if (to === '/') return path === '/';
  if (to === '/deployments') return path.startsWith('/deployments') && path !== '/deployments/new';
  return path.startsWith(to);
}

export function Layout(props: { path: string; onSignOut: () => void; children: ReactNode }) {
  const [theme, toggle] = useTheme();
  return (
    <>
      <a className="skip" href="#main">
        Skip to content
      </a>
      <header className="top">
        <span className="brand">Ringmaster</span>
        <nav aria-label="Main">
          <ul>
            {NAV.map((n) => (
              <li key={n.to}>
                <Link to={n.to} aria-current={current(props.path, n.to) ? 'page' : undefined}>
                  {n.label}
                </Link>
              </li>
            ))}
          </ul>
        </nav>
        <div className="row">
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
