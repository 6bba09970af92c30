import { describeInstall, describeRule } from '../../../src/contracts/manifest-text.js';
import { useRef, useState, type FormEvent } from 'react';
import { useMay } from '../api/access.js';
import { fileBody, type Api } from '../api/client.js';
import type { UpdateSort } from '../../../src/contracts/list-queries.js';
import { classifications, severities } from '../../../src/contracts/update-kinds.js';
import { Empty, ErrorNote, Freshness, Loading } from '../components/common.js';
import {
  ChoiceFilter,
  rangeCaption,
  SortControls,
  TextFilter,
  useServerList,
} from '../components/ListControls.js';
import { Pager } from '../components/Pager.js';
import { when } from '../format.js';
import { useLoad } from '../hooks.js';
import { Link } from '../router.js';

/**
 * Import by uploading the update folder packed as .tar.gz or .zip: the server unpacks it and
 * checks it as `ringmaster update import DIR` does; its refusal is shown in its words.
 */
function ImportArchive({ api, onImported }: { api: Api; onImported: () => void }) {
  const input = useRef<HTMLInputElement>(null);
  const [error, setError] = useState<unknown>(undefined);
  const [done, setDone] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const file = input.current?.files?.[0];
    setError(undefined);
    setDone(null);
    if (!file) {
      setError(new Error('Choose a .tar.gz or .zip file of the update folder.'));
      return;
    }
    setBusy(true);
    try {
      const answer = await api.call('importUpdateArchive', fileBody(file));
      setDone(
        answer.status === 201
          ? `Imported update ${answer.body.id} from ${file.name}.`
          : `Update ${answer.body.id} is already in the catalog with the same content.`,
      );
      if (input.current) input.current.value = '';
      onImported();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return (
    <section aria-labelledby="import-h" className="card">
      <h2 id="import-h">Import an update</h2>
      <form className="row" onSubmit={(e) => void submit(e)}>
        <label className="inline">
          Update archive{' '}
          <input
            ref={input}
            type="file"
            name="archive"
            accept=".tar.gz,.tgz,.zip,application/gzip,application/zip"
            aria-describedby="import-help"
          />
        </label>
        <button type="submit" className="primary" disabled={busy}>
          {busy ? 'Importing…' : 'Import'}
        </button>
      </form>
      <p id="import-help" className="muted small">
        The update folder (<code>update.json</code> and the files it names) packed as .tar.gz or
        .zip, e.g. <code>tar czf fix.tar.gz RM-2026-0001</code>.
      </p>
      <ErrorNote error={error} title="Not imported" />
      {done && (
        <p role="status" className="good">
          {done}
        </p>
      )}
    </section>
  );
}

type Filters = {
  q: string;
  severity: '' | (typeof severities)[number];
  classification: '' | (typeof classifications)[number];
};

const SORTS: { value: UpdateSort; label: string }[] = [
  { value: 'createdAt', label: 'Imported' },
  { value: 'title', label: 'Title' },
  { value: 'id', label: 'Id' },
];

/** The catalog a page at a time: filtered, sorted and paged by the server. */
export function Updates({ api }: { api: Api }) {
  const empty: Filters = { q: '', severity: '', classification: '' };
  const paged = useServerList<Filters, UpdateSort>(empty, { sort: 'createdAt', order: 'desc' });
  const { query } = paged;
  const list = useLoad(() => api.listUpdates(query), `updates:${JSON.stringify(query)}`);
  const mayImport = useMay()('importUpdateArchive');
  const items = list.data?.items ?? [];
  return (
    <>
      <div className="heading">
        <h1>Updates</h1>
        <Freshness at={list.at} />
        <button type="button" onClick={list.reload}>
          Refresh
        </button>
      </div>
      {mayImport && <ImportArchive api={api} onImported={list.reload} />}
      <form className="row filters" onSubmit={paged.apply} aria-label="Update filters">
        <TextFilter list={paged} field="q" label="Id or title" hint="RM-2026" search />
        <ChoiceFilter list={paged} field="severity" label="Severity" choices={severities} />
        <ChoiceFilter
          list={paged}
          field="classification"
          label="Classification"
          choices={classifications}
        />
        <button type="submit">Filter</button>
        <SortControls list={paged} sorts={SORTS} />
      </form>
      <ErrorNote error={list.error} title="Could not load the catalog" />
      {list.loading && !list.data && <Loading what="the catalog" />}
      {list.data && items.length === 0 && (
        <Empty>
          {paged.filtered
            ? 'No update matches these filters.'
            : 'The catalog is empty: import an update above, or with `ringmaster update import DIR`.'}
        </Empty>
      )}
      {items.length > 0 && (
        <table>
          <caption>{rangeCaption('Updates', paged, items.length, list.data?.total)}</caption>
          <thead>
            <tr>
              <th scope="col">Update</th>
              <th scope="col">Title</th>
              <th scope="col">Severity</th>
              <th scope="col">Classification</th>
              <th scope="col">Files</th>
              <th scope="col">Imported</th>
            </tr>
          </thead>
          <tbody>
            {items.map((u) => (
              <tr key={u.id}>
                <td>
                  <Link to={`/updates/${encodeURIComponent(u.id)}`}>{u.id}</Link>
                </td>
                <td>{u.title}</td>
                <td>{u.severity}</td>
                <td>{u.classification}</td>
                <td>{u.files.length}</td>
                <td>{when(u.createdAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <Pager cursors={paged.cursors} nextCursor={list.data?.nextCursor} />
    </>
  );
}

export function UpdateDetail({ api, id }: { api: Api; id: string }) {
  const u = useLoad(() => api.getUpdate(id), `update:${id}`);
  if (u.error) return <ErrorNote error={u.error} title={`Could not load update ${id}`} />;
  if (!u.data) return <Loading what={`update ${id}`} />;
  const d = u.data;
  const m = d.manifest;
  return (
    <>
      <h1>
        {d.id}: {d.title}
      </h1>
      <dl className="facts">
        <dt>Severity</dt>
        <dd>{d.severity}</dd>
        <dt>Classification</dt>
        <dd>{d.classification}</dd>
        <dt>Uninstallable</dt>
        <dd>{d.uninstallable ? 'yes' : 'no'}</dd>
        <dt>Platforms</dt>
        <dd>{m.platforms.map((p) => p.os).join(', ')}</dd>
        <dt>Detect rule</dt>
        <dd>
          {m.detect.type === 'file' ? (
            <>
              file <code>{m.detect.path}</code>
              {m.detect.sha256 ? (
                <>
                  {' '}
                  with SHA-256 <code>{m.detect.sha256}</code>
                </>
              ) : null}
            </>
          ) : m.detect.type === 'command' ? (
            <>
              command <code>{m.detect.command}</code>
            </>
          ) : (
            <code>{describeRule(m.detect)}</code>
          )}
        </dd>
        <dt>Install</dt>
        <dd>
          <code>{describeInstall(m.install)}</code>
        </dd>
        <dt>Imported</dt>
        <dd>{when(d.createdAt)}</dd>
      </dl>
      <h2>Files</h2>
      <table>
        <caption>Files of {d.id}, each stored once by its SHA-256</caption>
        <thead>
          <tr>
            <th scope="col">Path</th>
            <th scope="col">Size</th>
            <th scope="col">SHA-256</th>
          </tr>
        </thead>
        <tbody>
          {d.files.map((f) => (
            <tr key={f.path}>
              <td>{f.path}</td>
              <td>{f.size} bytes</td>
              <td>
                <code className="hash">{f.sha256}</code>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <p>
        <Link to="/deployments/new">Deploy an update</Link>
      </p>
    </>
  );
}
