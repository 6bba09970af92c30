import { useState, type FormEvent } from 'react';
import type { SiteRuleChange, SiteRuleView } from '../../../src/contracts/site-rules.js';
import { useMay } from '../api/access.js';
import { fieldProblems, type Api } from '../api/client.js';
import { Confirm, Empty, ErrorNote, Loading } from '../components/common.js';
import { Field } from '../components/Field.js';
import { plural, when } from '../format.js';
import { useAction, useLoad } from '../hooks.js';

function movedWords(change: SiteRuleChange): string {
  return `${plural(change.moved, 'computer')} moved`;
}

function AddRule({ api, onAdded }: { api: Api; onAdded: () => void }) {
  const [cidr, setCidr] = useState('');
  const [site, setSite] = useState('');
  const [done, setDone] = useState<SiteRuleChange | null>(null);
  const { busy, error, run } = useAction();
  const problems = new Map(fieldProblems(error).map((p) => [p.field, p.message]));
  const submit = (e: FormEvent) => {
    e.preventDefault();
    setDone(null);
    return run(async () => {
      setDone(await api.addSiteRule({ cidr: cidr.trim(), site: site.trim() }));
      setCidr('');
      onAdded();
    });
  };
  return (
    <form onSubmit={(e) => void submit(e)} aria-label="Add a subnet rule">
      <div className="row">
        <Field
          id="rule-cidr"
          label="Subnet"
          problem={problems.get('cidr')}
          hint="IPv4 or IPv6, e.g. 10.1.0.0/16 or 2001:db8::/32"
        >
          {(a) => (
            <input
              {...a}
              value={cidr}
              placeholder="10.1.0.0/16"
              onChange={(e) => setCidr(e.target.value)}
              required
            />
          )}
        </Field>
        <Field id="rule-site" label="Site" problem={problems.get('site')}>
          {(a) => <input {...a} value={site} onChange={(e) => setSite(e.target.value)} required />}
        </Field>
      </div>
      <button type="submit" className="primary" disabled={busy}>
        Add rule
      </button>
      <ErrorNote error={error} title="Not added" />
      {done && (
        <p role="status" className="good">
          Added {done.cidr} → {done.site} ({movedWords(done)}).
        </p>
      )}
    </form>
  );
}

/**
 * Subnet rules (`ringmaster site rule`): a computer whose agent names no site is at the
 * site of the rule holding the address it checks in from, the longest prefix winning.
 */
export function SiteRules({
  api,
  version,
  onChanged,
}: {
  api: Api;
  version: number;
  onChanged: () => void;
}) {
  const may = useMay();
  const list = useLoad(() => api.listSiteRules(), `site-rules:${version}`);
  const [removing, setRemoving] = useState<SiteRuleView | null>(null);
  const items = list.data?.items ?? [];
  return (
    <section aria-labelledby="site-rules-h">
      <h2 id="site-rules-h">Subnet rules</h2>
      <p className="muted">
        A computer whose agent names no site (<code>--site</code>) is at the site of the rule whose
        subnet holds the address the server sees it at; the longest prefix wins. The agent&apos;s{' '}
        <code>--site</code> always wins over a rule.
      </p>
      <ErrorNote error={list.error} title="Could not load the subnet rules" />
      {list.loading && !list.data && <Loading what="subnet rules" />}
      {list.data && items.length === 0 && (
        <Empty>No subnet rule: every site comes from the agents.</Empty>
      )}
      {items.length > 0 && (
        <table>
          <caption>{plural(items.length, 'subnet rule')}, by site</caption>
          <thead>
            <tr>
              <th scope="col">Subnet</th>
              <th scope="col">Site</th>
              <th scope="col">Computers placed</th>
              <th scope="col">Added</th>
              {may('removeSiteRule') && (
                <th scope="col">
                  <span className="sr-only">Actions</span>
                </th>
              )}
            </tr>
          </thead>
          <tbody>
            {items.map((r) => (
              <tr key={r.id}>
                <td>
                  <code>{r.cidr}</code>
                </td>
                <td>{r.site}</td>
                <td>{r.computers}</td>
                <td>
                  {when(r.createdAt)} by {r.createdBy}
                </td>
                {may('removeSiteRule') && (
                  <td>
                    <button
                      type="button"
                      onClick={() => setRemoving(r)}
                      aria-label={`Remove the rule ${r.cidr} (${r.site})`}
                    >
                      Remove
                    </button>
                  </td>
                )}
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {may('addSiteRule') && <AddRule api={api} onAdded={onChanged} />}
      {removing && (
        <Confirm
          title={`Remove the rule ${removing.cidr}?`}
          confirmLabel="Remove"
          onConfirm={async () => {
            await api.removeSiteRule(removing.id);
            onChanged();
          }}
          onClose={() => setRemoving(null)}
        >
          The computers it placed at {removing.site} move to the site of their next matching rule,
          or to no site.
        </Confirm>
      )}
    </section>
  );
}
