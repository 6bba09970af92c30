import { useEffect, useState } from 'react';
import type { Page } from '../../../src/contracts/paging.js';
import type { ChildComputerView, DeploymentTreeView } from '../../../src/contracts/upstream.js';
import type { Api } from '../api/client.js';
import { ApiError } from '../api/client.js';
import { Badge, ErrorNote } from '../components/common.js';
import { when } from '../format.js';

/** `installed 3 · failed 1`: the states with computers in them. */
function countsText(counts: Record<string, number>): string {
  const parts = Object.entries(counts)
    .filter(([, n]) => n > 0)
    .map(([state, n]) => `${state} ${n}`);
  return parts.length > 0 ? parts.join(' · ') : '—';
}

/**
 * The deployment on this server's child servers, as each last reported, with its
 * freshness (its last sync) and the whole tree's sum. Read again whenever `change` does;
 * shown only when the server has children.
 */
export function ChildServersSection(props: { api: Api; id: string; change: unknown }) {
  const [tree, setTree] = useState<DeploymentTreeView | null>(null);
  const [error, setError] = useState<unknown>(undefined);
  useEffect(() => {
    let gone = false;
    props.api.deploymentTree(props.id).then(
      (view) => !gone && setTree(view),
      // A server older than child servers has no such route: nothing to show.
      (e: unknown) => !gone && !(e instanceof ApiError && e.status === 404) && setError(e),
    );
    return () => {
      gone = true;
    };
    // `props.api` is stable; `id` and `change` say when to read again.
  }, [props.id, props.change]);
  if (error) return <ErrorNote error={error} title="Could not load the child servers" />;
  if (!tree || tree.children.length === 0) return null;
  return (
    <section aria-labelledby="children-h">
      <h2 id="children-h">Child servers</h2>
      <table>
        <caption>
          Whole tree: {countsText(tree.tree.counts)} ({tree.tree.total} in all; here{' '}
          {tree.here.total})
        </caption>
        <thead>
          <tr>
            <th scope="col">Child</th>
            <th scope="col">Sync</th>
            <th scope="col">State there</th>
            <th scope="col">Statuses</th>
            <th scope="col">Last sync</th>
            <th scope="col">Counted</th>
            <th scope="col">Error</th>
          </tr>
        </thead>
        <tbody>
          {tree.children.map((c) => (
            <tr key={c.name}>
              <td>{c.name}</td>
              <td>{c.sync}</td>
              <td>{c.state ? <Badge value={c.state} /> : '—'}</td>
              <td>{countsText(c.counts)}</td>
              <td>{when(c.lastSyncAt)}</td>
              <td>{when(c.countedAt)}</td>
              <td>{c.error ?? ''}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

type ChildComputers = { name: string; page: Page<ChildComputerView> };

/**
 * Each computer of the deployment on each child server, as the child sent its statuses
 * up (the first page per child); the CLI's `child status NAME --computers` pages on.
 */
export function ChildComputersSection(props: { api: Api; id: string; change: unknown }) {
  const [found, setFound] = useState<ChildComputers[] | null>(null);
  const [error, setError] = useState<unknown>(undefined);
  useEffect(() => {
    let gone = false;
    const load = async () => {
      const tree = await props.api.deploymentTree(props.id);
      const made = tree.children.filter((c) => c.localDeploymentId !== null);
      return Promise.all(
        made.map(async (c) => ({
          name: c.name,
          page: await props.api.childComputers(c.name, { deployment: props.id, limit: 50 }),
        })),
      );
    };
    load().then(
      (list) => !gone && setFound(list),
      (e: unknown) => !gone && !(e instanceof ApiError && e.status === 404) && setError(e),
    );
    return () => {
      gone = true;
    };
    // `props.api` is stable; `id` and `change` say when to read again.
  }, [props.id, props.change]);
  if (error) return <ErrorNote error={error} title="Could not load the child servers' computers" />;
  const rows = found?.flatMap((c) => c.page.items) ?? [];
  if (!found || rows.length === 0) return null;
  return (
    <section aria-labelledby="child-computers-h">
      <h2 id="child-computers-h">Computers on child servers</h2>
      <table>
        <caption>
          {found.map((c) => `${c.name}: ${c.page.items.length} of ${c.page.total}`).join(' · ')}
        </caption>
        <thead>
          <tr>
            <th scope="col">Child</th>
            <th scope="col">Computer</th>
            <th scope="col">Update</th>
            <th scope="col">State</th>
            <th scope="col">Reason</th>
            <th scope="col">Changed there</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={`${r.child}/${r.computerId}/${r.updateId}`}>
              <td>{r.child}</td>
              <td>{r.hostname}</td>
              <td>{r.updateId}</td>
              <td>
                <Badge value={r.state} />
              </td>
              <td>{r.reason ?? ''}</td>
              <td>{when(r.updatedAt)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
